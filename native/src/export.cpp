#include "export.h"

#include <deque>
#include <filesystem>

#include "error.h"
#include "fsutil.h"
#include "safetensors.h"

namespace tf {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Files a Hugging Face model directory needs beside the weights.
static const char *const kCopiedFiles[] = {"tokenizer.json",      "tokenizer_config.json",  "special_tokens_map.json",
                                           "generation_config.json", "vocab.json",          "merges.txt",
                                           "tokenizer.model",     "added_tokens.json",      "chat_template.jinja"};

void save_merged(Model &model, const std::string &source_dir, const std::string &out_dir, const std::string &dtype) {
  std::string name = dtype;
  if (name.empty()) {
    const json &raw = model.config.raw;
    // transformers >= 4.56 writes "dtype"; older versions "torch_dtype".
    const char *key = raw.contains("dtype") && raw["dtype"].is_string() ? "dtype" : "torch_dtype";
    name = raw.contains(key) && raw[key].is_string() ? raw[key].get<std::string>() : "float32";
  }
  DType stored;
  if (name == "float32") {
    stored = DType::F32;
  } else if (name == "bfloat16") {
    stored = DType::BF16;
  } else if (name == "float16") {
    stored = DType::F16;
  } else {
    fail(TF_ERR_INVALID_ARGUMENT, "export dtype " + name + " is not supported (float32, bfloat16, float16)");
  }
  // Merged copies of the adapted projections (device memory, merged by a GEMM); every other tensor is written
  // as is. The writer reads host memory: the buffers themselves on the CPU backend, downloaded copies elsewhere.
  const Ops &ops = *model.ops;
  std::vector<FloatBuffer> merged;
  std::vector<TensorView> views;
  std::map<const Tensor *, const FloatBuffer *> replaced;
  for (auto &L : model.layers) {
    for (int p = 0; p < kNumProj; ++p) {
      const LoraPair *pair = L.lora[p];
      if (!pair) continue;
      const Tensor *w = L.weight[p];
      merged.emplace_back(ops, w->data.size());
      ops.copy_d2d(merged.back().data(), w->data.data(), sizeof(float) * w->data.size());
      ops.gemm(false, false, (int)w->shape[0], (int)w->shape[1], model.lora.rank, model.lora.scale(),
               pair->b.data.data(), model.lora.rank, pair->a.data.data(), (int)w->shape[1], 1.0f,
               merged.back().data(), (int)w->shape[1]);
    }
  }
  size_t next = 0;
  for (auto &L : model.layers)
    for (int p = 0; p < kNumProj; ++p)
      if (L.lora[p]) replaced[L.weight[p]] = &merged[next++];
  std::deque<std::vector<float>> staging;
  auto host = [&](const FloatBuffer &b) { return read_on_host(ops, b.data(), b.size(), staging.emplace_back()); };
  for (const auto &t : model.params) {
    auto it = replaced.find(t.get());
    views.push_back({t->name, t->shape, host(it == replaced.end() ? t->data : *it->second)});
  }
  json config = model.config.raw;
  config["vocab_size"] = model.config.vocab_size;
  config["torch_dtype"] = name;
  if (config.contains("dtype")) config["dtype"] = name;
  commit_directory(out_dir, [&](const std::string &tmp) {
    write_safetensors(tmp + "/model.safetensors", views, {{"format", "pt"}}, stored);
    write_json_file(tmp + "/config.json", config);
    for (const char *name : kCopiedFiles) {
      const fs::path src = fs::path(source_dir) / name;
      if (fs::exists(src)) fs::copy_file(src, fs::path(tmp) / name);
    }
  });
}

// The tokenizer files among them: what an adapter that grew the vocabulary carries.
static const char *const kTokenizerFiles[] = {"tokenizer.json",   "tokenizer_config.json", "special_tokens_map.json",
                                              "vocab.json",       "merges.txt",            "tokenizer.model",
                                              "added_tokens.json", "chat_template.jinja"};

void save_adapter(Model &model, const std::string &base_model_name, const std::string &tokenizer_dir,
                  const std::string &out_dir) {
  require(!model.lora_pairs.empty(), TF_ERR_STATE, "save_adapter: the model has no LoRA adapter");
  std::deque<std::vector<float>> staging;  // host copies where device memory is not host memory
  auto host = [&](const FloatBuffer &b) {
    return read_on_host(*model.ops, b.data(), b.size(), staging.emplace_back());
  };
  std::vector<TensorView> views;
  for (Tensor *t : model.lora_tensors()) views.push_back({t->name, t->shape, host(t->data)});
  json targets = json::array();
  for (int p = 0; p < kNumProj; ++p)
    if (model.lora.targets & (1 << p)) targets.push_back(kProjNames[p]);
  json config = {{"peft_type", "LORA"},
                 {"task_type", "CAUSAL_LM"},
                 {"base_model_name_or_path", base_model_name},
                 {"r", model.lora.rank},
                 {"lora_alpha", model.lora.alpha},
                 {"lora_dropout", model.lora.dropout},
                 {"target_modules", targets},
                 {"bias", "none"},
                 {"fan_in_fan_out", false},
                 {"inference_mode", true},
                 {"use_rslora", false},
                 {"use_dora", false},
                 {"modules_to_save", nullptr}};
  const bool tied = model.lm_head == model.embed;
  if (model.adapter_embeddings) {
    // The grown vocabulary as peft's modules_to_save: the whole modules, under the names peft's
    // get_peft_model_state_dict gives them. With tied embeddings peft 0.21 ties its LM head to the saved
    // embedding only with ensure_weight_tying, and then reads the head's key too (the same matrix).
    views.push_back({kAdapterEmbedName, model.embed->shape, host(model.embed->data)});
    views.push_back({kAdapterHeadName, model.lm_head->shape, host(model.lm_head->data)});
    config["modules_to_save"] = tied ? json::array({"embed_tokens"}) : json::array({"embed_tokens", "lm_head"});
    if (tied) config["ensure_weight_tying"] = true;
  }
  commit_directory(out_dir, [&](const std::string &tmp) {
    write_safetensors(tmp + "/adapter_model.safetensors", views, {{"format", "pt"}});
    write_json_file(tmp + "/adapter_config.json", config);
    // The tokenizer that knows the new rows (staged with the added tokens by libs/engine).
    if (model.adapter_embeddings)
      for (const char *name : kTokenizerFiles) {
        const fs::path src = fs::path(tokenizer_dir) / name;
        if (fs::exists(src)) fs::copy_file(src, fs::path(tmp) / name);
      }
  });
}

}  // namespace tf

#include "model.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>

#include "error.h"
#include "rng.h"
#include "safetensors.h"

namespace tf {

namespace fs = std::filesystem;
using json = nlohmann::json;

const char *const kProjNames[kNumProj] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
const char *const kProjModules[kNumProj] = {"self_attn", "self_attn", "self_attn", "self_attn", "mlp", "mlp", "mlp"};
const char *const kAdapterEmbedName = "base_model.model.model.embed_tokens.weight";
const char *const kAdapterHeadName = "base_model.model.lm_head.weight";

static std::string shape_str(const std::vector<int64_t> &s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

static json read_json(const fs::path &p) {
  std::ifstream f(p);
  require(f.good(), TF_ERR_IO, p.string() + ": cannot open");
  try {
    return json::parse(f);
  } catch (const std::exception &e) {
    fail(TF_ERR_FORMAT, p.string() + ": not valid JSON: " + e.what());
  }
}

static void proj_shape(const ModelConfig &c, int p, int64_t &out, int64_t &in) {
  const int64_t d = c.hidden_size, q = (int64_t)c.num_heads * c.head_dim, kv = (int64_t)c.num_kv_heads * c.head_dim;
  switch (p) {
    case kQ: out = q, in = d; break;
    case kK: case kV: out = kv, in = d; break;
    case kO: out = d, in = q; break;
    case kGate: case kUp: out = c.intermediate_size, in = d; break;
    default: out = d, in = c.intermediate_size; break;
  }
}

std::unique_ptr<Model> Model::load(const std::string &dir, const std::string &backend_name, int threads) {
  auto m = std::make_unique<Model>();
  m->dir = dir;
  m->ops = &backend(backend_name);
  m->threads = threads;
  m->ops->set_threads(threads);
  const fs::path root(dir);
  require(fs::is_directory(root), TF_ERR_IO, dir + ": not a directory");
  const fs::path config_path = root / "config.json";
  require(fs::exists(config_path), TF_ERR_IO, config_path.string() + ": missing");
  m->config = ModelConfig::parse(read_json(config_path), config_path.string());
  const ModelConfig &c = m->config;
  require(c.head_dim <= 1024, TF_ERR_UNSUPPORTED, "head_dim above 1024 is not supported");
  const std::vector<float> inv_freq = c.rope_inv_freq();
  m->inv_freq = FloatBuffer::from_host(*m->ops, inv_freq.data(), inv_freq.size());

  // Expected parameters in Hugging Face order, with shapes implied by the config.
  auto add = [&](const std::string &name, std::vector<int64_t> shape) {
    auto t = std::make_unique<Tensor>();
    t->name = name;
    t->shape = std::move(shape);
    Tensor *raw = t.get();
    m->params.push_back(std::move(t));
    return raw;
  };
  const int64_t D = c.hidden_size;
  m->embed = add("model.embed_tokens.weight", {c.vocab_size, D});
  m->layers.resize(c.num_layers);
  for (int l = 0; l < c.num_layers; ++l) {
    Layer &L = m->layers[l];
    const std::string pre = "model.layers." + std::to_string(l) + ".";
    L.input_norm = add(pre + "input_layernorm.weight", {D});
    for (int p = 0; p < kNumProj; ++p) {
      int64_t out, in;
      proj_shape(c, p, out, in);
      const std::string base = pre + kProjModules[p] + "." + kProjNames[p];
      L.weight[p] = add(base + ".weight", {out, in});
      const bool has_bias = (p <= kV && c.attention_bias) || (p == kO && c.o_bias);
      if (has_bias) L.bias[p] = add(base + ".bias", {out});
      if (p == kO && c.qk_norm) {
        L.q_norm = add(pre + "self_attn.q_norm.weight", {c.head_dim});
        L.k_norm = add(pre + "self_attn.k_norm.weight", {c.head_dim});
      }
    }
    L.post_norm = add(pre + "post_attention_layernorm.weight", {D});
  }
  m->final_norm = add("model.norm.weight", {D});
  m->lm_head = c.tie_word_embeddings ? m->embed : add("lm_head.weight", {c.vocab_size, D});

  // Locate the weights: one file or a sharded index.
  std::vector<std::unique_ptr<SafetensorsFile>> files;
  std::map<std::string, const SafetensorsFile *> where;
  const fs::path single = root / "model.safetensors", index = root / "model.safetensors.index.json";
  if (fs::exists(single)) {
    files.push_back(std::make_unique<SafetensorsFile>(single.string()));
    for (const auto &t : files.back()->tensors()) where[t.name] = files.back().get();
  } else if (fs::exists(index)) {
    const json idx = read_json(index);
    require(idx.contains("weight_map") && idx["weight_map"].is_object(), TF_ERR_FORMAT,
            index.string() + ": missing \"weight_map\"");
    std::map<std::string, const SafetensorsFile *> opened;
    for (auto it = idx["weight_map"].begin(); it != idx["weight_map"].end(); ++it) {
      const std::string shard = it.value().get<std::string>();
      require(shard.find('/') == std::string::npos && shard.find("..") == std::string::npos, TF_ERR_FORMAT,
              index.string() + ": shard name " + shard + " must be a plain file name");
      if (!opened.count(shard)) {
        files.push_back(std::make_unique<SafetensorsFile>((root / shard).string()));
        opened[shard] = files.back().get();
      }
      const SafetensorsFile *f = opened[shard];
      require(f->find(it.key()) != nullptr, TF_ERR_MISMATCH,
              index.string() + ": maps " + it.key() + " to " + shard + ", which does not contain it");
      where[it.key()] = f;
    }
  } else {
    fail(TF_ERR_IO, dir + ": no model.safetensors or model.safetensors.index.json (only safetensors weights are "
                          "accepted)");
  }

  std::set<std::string> expected;
  for (const auto &p : m->params) expected.insert(p->name);
  for (const auto &[name, file] : where) {
    if (expected.count(name)) continue;
    // Old checkpoints carry rotary buffers; tied models sometimes store a copy of the head.
    if (name.find("rotary_emb.inv_freq") != std::string::npos) continue;
    if (name == "lm_head.weight" && c.tie_word_embeddings) continue;
    fail(TF_ERR_MISMATCH, file->path() + ": unexpected tensor " + name + " for " + c.architecture + " with " +
                              std::to_string(c.num_layers) + " layers");
  }
  for (auto &p : m->params) {
    auto it = where.find(p->name);
    require(it != where.end(), TF_ERR_MISMATCH,
            dir + ": missing tensor " + p->name + " (expected shape " + shape_str(p->shape) + ")");
    const TensorInfo *info = it->second->find(p->name);
    require(info->shape == p->shape, TF_ERR_MISMATCH,
            it->second->path() + ": tensor " + p->name + " has shape " + shape_str(info->shape) +
                " but config.json implies " + shape_str(p->shape));
    p->data = FloatBuffer(*m->ops, info->numel());
    write_from_host(p->data, [&](float *dst) { it->second->read_f32(*info, dst); });
  }
  return m;
}

int64_t Model::num_parameters() const {
  int64_t n = 0;
  for (const auto &p : params) n += p->numel();
  return n;
}

void Model::add_tokens(int n) {
  require(n > 0, TF_ERR_INVALID_ARGUMENT, "add_tokens: count must be positive");
  require(!has_trainer, TF_ERR_STATE, "add_tokens: not allowed while a trainer exists");
  // The new rows are the mean of the old (computed on the host: a one-off edit, not a training op).
  auto grow = [this, n](Tensor *t) {
    const int64_t rows = t->shape[0], dim = t->shape[1];
    std::vector<float> scratch;
    const float *old = read_on_host(*ops, t->data.data(), t->data.size(), scratch);
    std::vector<double> mean(dim, 0.0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < dim; ++c) mean[c] += old[r * dim + c];
    std::vector<float> row(dim);
    for (int64_t c = 0; c < dim; ++c) row[c] = (float)(mean[c] / rows);
    FloatBuffer grown(*ops, (rows + n) * dim);
    ops->copy_d2d(grown.data(), t->data.data(), sizeof(float) * rows * dim);
    for (int64_t r = rows; r < rows + n; ++r) grown.upload(row.data(), dim, r * dim);
    t->data = std::move(grown);
    t->shape[0] = rows + n;
  };
  grow(embed);
  if (lm_head != embed) grow(lm_head);
  config.vocab_size += n;
  config.raw["vocab_size"] = config.vocab_size;
  adapter_embeddings = true;
}

void Model::attach_lora(const LoraConfig &cfg, uint64_t seed) {
  require(lora_pairs.empty(), TF_ERR_STATE, "the model already has a LoRA adapter");
  require(cfg.rank > 0, TF_ERR_INVALID_ARGUMENT, "lora rank must be positive");
  require(cfg.targets != 0, TF_ERR_INVALID_ARGUMENT, "lora needs at least one target module");
  lora = cfg;
  Rng rng(seed);
  for (int l = 0; l < config.num_layers; ++l) {
    for (int p = 0; p < kNumProj; ++p) {
      if (!(cfg.targets & (1 << p))) continue;
      int64_t out, in;
      proj_shape(config, p, out, in);
      auto pair = std::make_unique<LoraPair>();
      const std::string base =
          "base_model.model.model.layers." + std::to_string(l) + "." + kProjModules[p] + "." + kProjNames[p];
      pair->a.name = base + ".lora_A.weight";
      pair->a.shape = {cfg.rank, in};
      std::vector<float> a(cfg.rank * in);
      const float bound = 1.0f / std::sqrt((float)in);
      for (auto &x : a) x = (2.0f * rng.uniform() - 1.0f) * bound;
      pair->a.data = FloatBuffer::from_host(*ops, a.data(), a.size());
      pair->b.name = base + ".lora_B.weight";
      pair->b.shape = {out, cfg.rank};
      pair->b.data = FloatBuffer::zeros(*ops, out * cfg.rank);
      layers[l].lora[p] = pair.get();
      lora_pairs.push_back(std::move(pair));
    }
  }
}

void Model::merge_lora() {
  require(!lora_pairs.empty(), TF_ERR_STATE, "the model has no LoRA adapter to merge");
  require(!has_trainer, TF_ERR_STATE, "merge: not allowed while a trainer exists");
  for (auto &L : layers) {
    for (int p = 0; p < kNumProj; ++p) {
      LoraPair *pair = L.lora[p];
      if (!pair) continue;
      Tensor *w = L.weight[p];
      // W += scale * B A
      ops->gemm(false, false, (int)w->shape[0], (int)w->shape[1], lora.rank, lora.scale(), pair->b.data.data(),
                lora.rank, pair->a.data.data(), (int)w->shape[1], 1.0f, w->data.data(), (int)w->shape[1]);
      L.lora[p] = nullptr;
    }
  }
  lora_pairs.clear();
  lora = LoraConfig{};
}

void Model::load_peft_adapter(const std::string &adapter_dir) {
  require(lora_pairs.empty(), TF_ERR_STATE, "the model already has a LoRA adapter");
  require(!has_trainer, TF_ERR_STATE, "load_adapter: not allowed while a trainer exists");
  const fs::path cfg_path = fs::path(adapter_dir) / "adapter_config.json";
  const json c = read_json(cfg_path);
  const std::string where = cfg_path.string();
  require(c.value("peft_type", std::string()) == "LORA", TF_ERR_UNSUPPORTED, where + ": peft_type must be LORA");
  auto flag = [&](const char *name) {
    if (!c.contains(name) || c[name].is_null()) return false;
    require(c[name].is_boolean(), TF_ERR_FORMAT, where + ": " + name + " must be true or false");
    return c[name].get<bool>();
  };
  for (const char *name : {"use_dora", "use_rslora", "fan_in_fan_out", "lora_bias"})
    require(!flag(name), TF_ERR_UNSUPPORTED, where + ": " + name + " is not supported");
  require(c.value("bias", std::string("none")) == "none", TF_ERR_UNSUPPORTED, where + ": bias must be none");
  for (const char *key : {"layers_to_transform", "trainable_token_indices", "target_parameters"})
    require(!c.contains(key) || c[key].is_null(), TF_ERR_UNSUPPORTED, where + ": " + key + " is not supported");
  for (const char *pattern : {"rank_pattern", "alpha_pattern"})
    require(!c.contains(pattern) || c[pattern].is_null() || c[pattern].empty(), TF_ERR_UNSUPPORTED,
            where + ": " + pattern + " is not supported");

  // modules_to_save: peft keeps a whole trained copy of each module; the engine takes the embedding and the
  // LM head (the vocabulary an adapter with added tokens grew), nothing else.
  bool save_embed = false, save_head = false;
  if (c.contains("modules_to_save") && !c["modules_to_save"].is_null()) {
    require(c["modules_to_save"].is_array(), TF_ERR_FORMAT, where + ": modules_to_save must be a list of module names");
    for (const auto &m : c["modules_to_save"]) {
      require(m.is_string(), TF_ERR_FORMAT, where + ": modules_to_save must be a list of module names");
      const std::string name = m.get<std::string>();
      if (name == "embed_tokens" || name == "model.embed_tokens") {
        save_embed = true;
      } else if (name == "lm_head") {
        save_head = true;
      } else {
        fail(TF_ERR_UNSUPPORTED, where + ": modules_to_save " + name + " is not supported (embed_tokens, lm_head)");
      }
    }
  }
  const bool tied = lm_head == embed;
  // With tied embeddings peft makes the LM head follow the saved embedding only with ensure_weight_tying
  // (LoraConfig, peft >= 0.18); otherwise its head stays the base's (tied) embedding while the input uses the
  // saved copy, which a model with one tied matrix cannot represent. A saved lm_head equal to the embedding is
  // the same function.
  const bool weight_tying = flag("ensure_weight_tying");
  if (tied && save_embed && !weight_tying)
    require(save_head, TF_ERR_UNSUPPORTED,
            where + ": modules_to_save embed_tokens on a model with tied embeddings needs ensure_weight_tying "
                    "(or lm_head saved equal to it)");
  if (tied && save_head && !save_embed)
    require(weight_tying, TF_ERR_UNSUPPORTED,
            where + ": modules_to_save lm_head on a model with tied embeddings needs ensure_weight_tying "
                    "(or embed_tokens saved equal to it)");

  LoraConfig cfg;
  require(c.contains("r") && c["r"].is_number_integer(), TF_ERR_FORMAT, where + ": missing r");
  cfg.rank = c["r"].get<int>();
  cfg.alpha = c.value("lora_alpha", (float)cfg.rank);
  cfg.dropout = c.value("lora_dropout", 0.0f);
  require(c.contains("target_modules") && c["target_modules"].is_array(), TF_ERR_UNSUPPORTED,
          where + ": target_modules must be a list of module names");
  for (const auto &m : c["target_modules"]) {
    const std::string name = m.get<std::string>();
    int bit = -1;
    for (int p = 0; p < kNumProj; ++p)
      if (name == kProjNames[p]) bit = p;
    require(bit >= 0, TF_ERR_UNSUPPORTED, where + ": target module " + name + " is not supported");
    cfg.targets |= 1 << bit;
  }
  attach_lora(cfg, 0);
  try {
    SafetensorsFile weights((fs::path(adapter_dir) / "adapter_model.safetensors").string());
    for (Tensor *t : lora_tensors()) {
      const TensorInfo *info = weights.find(t->name);
      require(info != nullptr, TF_ERR_MISMATCH, weights.path() + ": missing tensor " + t->name);
      require(info->shape == t->shape, TF_ERR_MISMATCH,
              weights.path() + ": tensor " + t->name + " has shape " + shape_str(info->shape) + ", expected " +
                  shape_str(t->shape));
      write_from_host(t->data, [&](float *dst) { weights.read_f32(*info, dst); });
    }
    // The saved modules, read aside: the model changes only once everything has been read and checked.
    const int64_t D = config.hidden_size;
    auto read_module = [&](const char *name, bool listed, bool optional) {
      std::vector<float> out;
      const TensorInfo *info = weights.find(name);
      if (!listed || (!info && optional)) return std::make_pair(int64_t(0), out);
      require(info != nullptr, TF_ERR_MISMATCH, weights.path() + ": missing tensor " + name + " (modules_to_save)");
      require(info->shape.size() == 2 && info->shape[1] == D && info->shape[0] >= config.vocab_size &&
                  info->shape[0] <= std::numeric_limits<int32_t>::max(),
              TF_ERR_MISMATCH,
              weights.path() + ": tensor " + name + " has shape " + shape_str(info->shape) + ", expected [rows, " +
                  std::to_string(D) + "] with at least the model's " + std::to_string(config.vocab_size) + " rows");
      out.resize(info->numel());
      weights.read_f32(*info, out.data());
      return std::make_pair(info->shape[0], std::move(out));
    };
    // A tied model's head is its embedding: either saved tensor stands for both.
    auto [embed_rows, new_embed] = read_module(kAdapterEmbedName, save_embed || (tied && save_head), tied);
    auto [head_rows, new_head] = read_module(kAdapterHeadName, save_head || (tied && save_embed), tied);
    const size_t used = lora_tensors().size() + (embed_rows > 0) + (head_rows > 0);
    require(weights.tensors().size() == used, TF_ERR_MISMATCH,
            weights.path() + ": holds tensors this adapter configuration does not use");
    if (tied) {
      require(embed_rows > 0 || head_rows > 0 || !(save_embed || save_head), TF_ERR_MISMATCH,
              weights.path() + ": missing tensor " + kAdapterEmbedName + " (modules_to_save)");
      if (embed_rows > 0 && head_rows > 0)
        require(new_embed == new_head, TF_ERR_MISMATCH,
                weights.path() + ": " + kAdapterEmbedName + " and " + kAdapterHeadName +
                    " differ, but the model ties its embeddings");
      if (embed_rows == 0) embed_rows = head_rows, new_embed = std::move(new_head);
      head_rows = 0;
    } else {
      // One vocabulary for input and output: a grown embedding needs the head grown alike, and vice versa.
      const int64_t rows_in = embed_rows ? embed_rows : config.vocab_size, rows_out = head_rows ? head_rows : config.vocab_size;
      require(rows_in == rows_out, TF_ERR_MISMATCH,
              weights.path() + ": the saved modules give the embedding " + std::to_string(rows_in) +
                  " rows and the LM head " + std::to_string(rows_out) + " (one vocabulary needs both alike)");
    }
    if (embed_rows > 0) {
      embed->data = FloatBuffer::from_host(*ops, new_embed.data(), new_embed.size());
      embed->shape[0] = embed_rows;
      config.vocab_size = (int)embed_rows;
    }
    if (head_rows > 0) {
      lm_head->data = FloatBuffer::from_host(*ops, new_head.data(), new_head.size());
      lm_head->shape[0] = head_rows;
      config.vocab_size = (int)head_rows;
    }
    if (save_embed || save_head) {
      config.raw["vocab_size"] = config.vocab_size;
      adapter_embeddings = true;
    }
  } catch (...) {
    for (auto &L : layers)
      for (auto &p : L.lora) p = nullptr;
    lora_pairs.clear();
    lora = LoraConfig{};
    throw;
  }
}

std::vector<Tensor *> Model::lora_tensors() {
  std::vector<Tensor *> out;
  for (auto &pair : lora_pairs) {
    out.push_back(&pair->a);
    out.push_back(&pair->b);
  }
  return out;
}

}  // namespace tf

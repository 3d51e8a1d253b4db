// PEFT adapters that carry a grown vocabulary: save_adapter writes the embedding and LM head as
// modules_to_save (+ the tokenizer files), load_peft_adapter grows the vocabulary back from them, and every
// shape or configuration the engine cannot represent is refused without changing the model.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fsutil.h"
#include "safetensors.h"
#include "tuneforge.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kRoot = TF_REPO_ROOT;
const std::string kLlama = kRoot + "/tools/tiny-model/models/tiny-llama";  // untied embeddings
const std::string kQwen3 = kRoot + "/tools/tiny-model/models/tiny-qwen3";  // tied embeddings
const char *const kEmbed = "base_model.model.model.embed_tokens.weight";
const char *const kHead = "base_model.model.lm_head.weight";
constexpr int kAdded = 3;

tf_model *load(const std::string &dir) {
  tf_model *m = nullptr;
  tf_load_options o{"cpu", 2};
  EXPECT_EQ(tf_model_load(dir.c_str(), &o, &m), TF_OK) << tf_last_error();
  return m;
}

int vocab(tf_model *m) {
  tf_model_info info{};
  EXPECT_EQ(tf_model_info_get(m, &info), TF_OK);
  return info.vocab_size;
}

std::string temp_dir(const std::string &name) {
  const fs::path p = fs::temp_directory_path() / ("tf-adapter-embeddings-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p.string();
}

// Rows that use the new tokens, in the inputs and the labels.
struct Data {
  std::vector<int32_t> ids, labels;
  int B = 2, T = 12;
  explicit Data(int base_vocab) {
    for (int b = 0; b < B; ++b)
      for (int t = 0; t < T; ++t) {
        ids.push_back(t % 4 == 3 ? base_vocab + (b + t) % kAdded : (b * 97 + t * 13 + 3) % 800);
        labels.push_back(t == 0 ? -100 : ids.back());
      }
  }
};

std::vector<float> logits(tf_model *m, const Data &d) {
  std::vector<float> out((size_t)d.B * d.T * vocab(m));
  EXPECT_EQ(tf_model_forward(m, d.ids.data(), nullptr, d.B, d.T, out.data()), TF_OK) << tf_last_error();
  return out;
}

void train_lora(tf_model *m, const Data &d, int steps) {
  tf_train_config c{};
  c.mode = TF_MODE_LORA;
  c.lora_rank = 4;
  c.lora_alpha = 8;
  c.lora_targets = TF_LORA_Q | TF_LORA_V | TF_LORA_DOWN;
  c.lr = 1e-2f;
  c.beta1 = 0.9f;
  c.beta2 = 0.99f;
  c.eps = 1e-8f;
  c.max_grad_norm = 1.0f;
  c.schedule = TF_SCHEDULE_CONSTANT;
  c.total_steps = 10;
  c.seed = 7;
  tf_trainer *t = nullptr;
  ASSERT_EQ(tf_trainer_create(m, &c, &t), TF_OK) << tf_last_error();
  for (int s = 0; s < steps; ++s) {
    ASSERT_EQ(tf_trainer_accumulate(t, d.ids.data(), d.labels.data(), nullptr, d.B, d.T, nullptr), TF_OK)
        << tf_last_error();
    tf_step_result r{};
    ASSERT_EQ(tf_trainer_step(t, &r), TF_OK) << tf_last_error();
  }
  tf_trainer_free(t);
}

std::vector<float> read(const tf::SafetensorsFile &f, const std::string &name) {
  const tf::TensorInfo *info = f.find(name);
  EXPECT_NE(info, nullptr) << name;
  std::vector<float> out(info ? info->numel() : 0);
  if (info) f.read_f32(*info, out.data());
  return out;
}

// A copy of a saved adapter with its config and tensors edited.
struct Edited {
  json config;
  std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>> tensors;

  explicit Edited(const std::string &dir) : config(tf::read_json_file(dir + "/adapter_config.json")) {
    tf::SafetensorsFile f(dir + "/adapter_model.safetensors");
    for (const auto &t : f.tensors()) tensors[t.name] = {t.shape, read(f, t.name)};
  }
  void write(const std::string &dir) const {
    fs::remove_all(dir);
    fs::create_directories(dir);
    tf::write_json_file(dir + "/adapter_config.json", config);
    std::vector<tf::TensorView> views;
    for (const auto &[name, t] : tensors) views.push_back({name, t.first, t.second.data()});
    tf::write_safetensors(dir + "/adapter_model.safetensors", views, {{"format", "pt"}});
  }
};

class AdapterEmbeddings : public ::testing::TestWithParam<std::string> {};

TEST_P(AdapterEmbeddings, SaveAttachRoundTripGrowsTheVocabulary) {
  const std::string base_dir = GetParam();
  const bool tied = base_dir == kQwen3;
  tf_model *m = load(base_dir);
  const int V = vocab(m);
  ASSERT_EQ(tf_model_add_tokens(m, kAdded), TF_OK);
  const Data d(V);
  train_lora(m, d, 3);
  const std::vector<float> trained = logits(m, d);

  const std::string adapter = temp_dir("round-trip");
  ASSERT_EQ(tf_model_save_adapter(m, "tiny", nullptr, adapter.c_str()), TF_OK) << tf_last_error();
  const json cfg = tf::read_json_file(adapter + "/adapter_config.json");
  EXPECT_EQ(cfg["modules_to_save"], tied ? json({"embed_tokens"}) : json({"embed_tokens", "lm_head"}));
  EXPECT_EQ(cfg.value("ensure_weight_tying", false), tied);
  // The tokenizer files travel with it (here the loaded dir's; libs/engine stages them with the added tokens).
  for (const char *f : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "manifest.json"})
    EXPECT_TRUE(fs::exists(adapter + "/" + f)) << f;
  EXPECT_FALSE(fs::exists(adapter + "/config.json"));
  {
    tf::SafetensorsFile st(adapter + "/adapter_model.safetensors");
    EXPECT_EQ(st.tensors().size(), 2u * 3u * 2u + 2u);
    for (const char *name : {kEmbed, kHead}) {
      ASSERT_NE(st.find(name), nullptr) << name;
      EXPECT_EQ(st.find(name)->shape, std::vector<int64_t>({V + kAdded, 64})) << name;
    }
    const auto embed = read(st, kEmbed), head = read(st, kHead);
    if (tied) EXPECT_EQ(embed, head);
    // The new rows are the mean rows add_tokens made (LoRA does not train them).
    const tf::SafetensorsFile base(base_dir + "/model.safetensors");
    const auto base_embed = read(base, "model.embed_tokens.weight");
    EXPECT_TRUE(std::equal(base_embed.begin(), base_embed.end(), embed.begin()));
  }

  // A fresh base plus the adapter is the trained model, new tokens included.
  tf_model *attached = load(base_dir);
  ASSERT_EQ(tf_model_load_adapter(attached, adapter.c_str()), TF_OK) << tf_last_error();
  EXPECT_EQ(vocab(attached), V + kAdded);
  const std::vector<float> again = logits(attached, d);
  ASSERT_EQ(again.size(), trained.size());
  for (size_t i = 0; i < trained.size(); ++i) ASSERT_NEAR(again[i], trained[i], 1e-5) << i;

  // Training goes on from it, and its own adapter carries the vocabulary again.
  train_lora(attached, d, 1);
  const std::string resaved = temp_dir("resaved");
  ASSERT_EQ(tf_model_save_adapter(attached, "tiny", nullptr, resaved.c_str()), TF_OK) << tf_last_error();
  tf::SafetensorsFile st(resaved + "/adapter_model.safetensors");
  ASSERT_NE(st.find(kEmbed), nullptr);
  EXPECT_EQ(st.find(kEmbed)->shape[0], V + kAdded);

  // An adapter of an unchanged vocabulary is as before: LoRA tensors only, no tokenizer.
  tf_model *plain = load(base_dir);
  train_lora(plain, Data(V - kAdded), 1);
  const std::string lora_only = temp_dir("lora-only");
  ASSERT_EQ(tf_model_save_adapter(plain, "tiny", nullptr, lora_only.c_str()), TF_OK) << tf_last_error();
  EXPECT_TRUE(tf::read_json_file(lora_only + "/adapter_config.json")["modules_to_save"].is_null());
  EXPECT_FALSE(fs::exists(lora_only + "/tokenizer.json"));
  EXPECT_EQ(tf::SafetensorsFile(lora_only + "/adapter_model.safetensors").tensors().size(), 2u * 3u * 2u);

  for (tf_model *x : {m, attached, plain}) tf_model_free(x);
  for (const auto &dir : {adapter, resaved, lora_only}) fs::remove_all(dir);
}

TEST_P(AdapterEmbeddings, RefusesWhatTheModelCannotHoldAndStaysUnchanged) {
  const std::string base_dir = GetParam();
  const bool tied = base_dir == kQwen3;
  tf_model *m = load(base_dir);
  const int V = vocab(m);
  ASSERT_EQ(tf_model_add_tokens(m, kAdded), TF_OK);
  train_lora(m, Data(V), 1);
  const std::string good = temp_dir("good"), bad = temp_dir("bad");
  ASSERT_EQ(tf_model_save_adapter(m, "tiny", nullptr, good.c_str()), TF_OK) << tf_last_error();
  tf_model_free(m);

  tf_model *base = load(base_dir);
  const std::vector<float> before = logits(base, Data(V - kAdded));
  auto expect_refused = [&](const Edited &e, tf_status status, const std::string &why) {
    e.write(bad);
    EXPECT_EQ(tf_model_load_adapter(base, bad.c_str()), status) << why << ": " << tf_last_error();
    EXPECT_EQ(vocab(base), V) << why;
    EXPECT_EQ(logits(base, Data(V - kAdded)), before) << why;
  };
  const int64_t D = 64;
  {
    Edited e(good);
    e.config["modules_to_save"] = json({"embed_tokens", "score"});
    expect_refused(e, TF_ERR_UNSUPPORTED, "a module other than the embedding and LM head");
  }
  {
    Edited e(good);
    e.tensors[kEmbed] = {{V + kAdded, D + 1}, std::vector<float>((V + kAdded) * (D + 1), 0.5f)};
    expect_refused(e, TF_ERR_MISMATCH, "another hidden size");
  }
  {
    Edited e(good);
    for (const char *name : {kEmbed, kHead}) e.tensors[name] = {{V - 1, D}, std::vector<float>((V - 1) * D, 0.5f)};
    expect_refused(e, TF_ERR_MISMATCH, "fewer rows than the base");
  }
  {
    Edited e(good);
    e.tensors[kEmbed] = {{V + kAdded}, std::vector<float>(V + kAdded, 0.5f)};
    expect_refused(e, TF_ERR_MISMATCH, "not a matrix");
  }
  {
    Edited e(good);
    e.tensors["base_model.model.model.norm.weight"] = {{D}, std::vector<float>(D, 1.0f)};
    expect_refused(e, TF_ERR_MISMATCH, "a tensor the configuration does not use");
  }
  if (tied) {
    {
      Edited e(good);
      e.config.erase("ensure_weight_tying");
      e.tensors.erase(kHead);
      expect_refused(e, TF_ERR_UNSUPPORTED, "tied embeddings without ensure_weight_tying");
    }
    {
      Edited e(good);
      e.tensors[kHead].second[5] += 1.0f;
      expect_refused(e, TF_ERR_MISMATCH, "tied embeddings saved as two different matrices");
    }
    {
      // Without ensure_weight_tying but both modules saved equal: the same function (peft unties them).
      Edited e(good);
      e.config.erase("ensure_weight_tying");
      e.config["modules_to_save"] = json({"embed_tokens", "lm_head"});
      e.write(bad);
      tf_model *x = load(base_dir);
      EXPECT_EQ(tf_model_load_adapter(x, bad.c_str()), TF_OK) << tf_last_error();
      EXPECT_EQ(vocab(x), V + kAdded);
      tf_model_free(x);
    }
  } else {
    {
      Edited e(good);
      e.config["modules_to_save"] = json({"embed_tokens"});
      e.tensors.erase(kHead);
      expect_refused(e, TF_ERR_MISMATCH, "a grown embedding without the LM head");
    }
    {
      Edited e(good);
      e.tensors.erase(kHead);
      expect_refused(e, TF_ERR_MISMATCH, "a listed module without its tensor");
    }
  }
  // After every refusal the good adapter still attaches.
  ASSERT_EQ(tf_model_load_adapter(base, good.c_str()), TF_OK) << tf_last_error();
  EXPECT_EQ(vocab(base), V + kAdded);
  tf_model_free(base);
  fs::remove_all(good);
  fs::remove_all(bad);
}

INSTANTIATE_TEST_SUITE_P(TinyModels, AdapterEmbeddings, ::testing::Values(kLlama, kQwen3),
                         [](const ::testing::TestParamInfo<std::string> &p) {
                           return p.param == kLlama ? std::string("UntiedLlama") : std::string("TiedQwen3");
                         });

}  // namespace

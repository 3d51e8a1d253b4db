// Training lifecycle on the tiny models: determinism, recomputation,
// checkpoint resume, export, vocabulary growth, generation controls.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "fsutil.h"
#include "safetensors.h"
#include "tuneforge.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kRoot = TF_REPO_ROOT;
const std::string kLlama = kRoot + "/tools/tiny-model/models/tiny-llama";
const std::string kQwen = kRoot + "/tools/tiny-model/models/tiny-qwen2";
const std::string kQwen3 = kRoot + "/tools/tiny-model/models/tiny-qwen3";

struct Data {
  std::vector<int32_t> ids, labels, pos;
  int B = 2, T = 16;
};

Data data() {
  Data d;
  for (int b = 0; b < d.B; ++b)
    for (int t = 0; t < d.T; ++t) {
      d.ids.push_back((b * 131 + t * 17 + 5) % 800);
      d.labels.push_back(t % 5 == 0 ? -100 : d.ids.back());
      d.pos.push_back(b == 1 && t >= 9 ? t - 9 : t);  // row 1 packs two samples
    }
  return d;
}

tf_model *load(const std::string &dir) {
  tf_model *m = nullptr;
  tf_load_options o{"cpu", 2};
  EXPECT_EQ(tf_model_load(dir.c_str(), &o, &m), TF_OK) << tf_last_error();
  return m;
}

tf_train_config config(int mode, float dropout = 0.0f, int recompute = 0) {
  tf_train_config c{};
  c.mode = mode;
  c.lora_rank = 4;
  c.lora_alpha = 8;
  c.lora_dropout = dropout;
  c.lora_targets = TF_LORA_Q | TF_LORA_V | TF_LORA_DOWN;
  c.lr = mode == TF_MODE_LORA ? 1e-2f : 3e-3f;
  c.beta1 = 0.9f;
  c.beta2 = 0.99f;
  c.eps = 1e-8f;
  c.weight_decay = 0.01f;
  c.max_grad_norm = 1.0f;
  c.schedule = TF_SCHEDULE_LINEAR;
  c.warmup_steps = 2;
  c.total_steps = 10;
  c.seed = 42;
  c.recompute = recompute;
  return c;
}

std::vector<float> run_steps(tf_trainer *t, const Data &d, int steps) {
  std::vector<float> losses;
  for (int s = 0; s < steps; ++s) {
    EXPECT_EQ(tf_trainer_accumulate(t, d.ids.data(), d.labels.data(), d.pos.data(), d.B, d.T, nullptr), TF_OK)
        << tf_last_error();
    tf_step_result r{};
    EXPECT_EQ(tf_trainer_step(t, &r), TF_OK) << tf_last_error();
    losses.push_back(r.loss);
  }
  return losses;
}

std::vector<float> train(const std::string &dir, const tf_train_config &c, int steps) {
  tf_model *m = load(dir);
  tf_trainer *t = nullptr;
  EXPECT_EQ(tf_trainer_create(m, &c, &t), TF_OK) << tf_last_error();
  auto losses = run_steps(t, data(), steps);
  tf_trainer_free(t);
  tf_model_free(m);
  return losses;
}

std::string temp_dir(const std::string &name) {
  const fs::path p = fs::temp_directory_path() / ("tf-test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(p);
  return p.string();
}

TEST(Lifecycle, TrainingIsDeterministicForASeed) {
  for (int mode : {TF_MODE_FULL, TF_MODE_LORA}) {
    const auto a = train(kLlama, config(mode, 0.1f), 4), b = train(kLlama, config(mode, 0.1f), 4);
    EXPECT_EQ(a, b);
    EXPECT_LT(a.back(), a.front());
  }
}

TEST(Lifecycle, RecomputationGivesIdenticalResults) {
  for (int mode : {TF_MODE_FULL, TF_MODE_LORA}) {
    EXPECT_EQ(train(kQwen, config(mode, 0.2f, 0), 3), train(kQwen, config(mode, 0.2f, 1), 3));
  }
}

TEST(Lifecycle, ResumeAtStepKMatchesAnUninterruptedRun) {
  for (int mode : {TF_MODE_FULL, TF_MODE_LORA}) {
    const tf_train_config c = config(mode, 0.1f);
    const auto straight = train(kLlama, c, 6);
    const std::string ckpt = temp_dir("ckpt" + std::to_string(mode));
    {
      tf_model *m = load(kLlama);
      tf_trainer *t = nullptr;
      ASSERT_EQ(tf_trainer_create(m, &c, &t), TF_OK);
      run_steps(t, data(), 3);
      ASSERT_EQ(tf_trainer_save(t, ckpt.c_str()), TF_OK) << tf_last_error();
      EXPECT_TRUE(fs::exists(ckpt + "/manifest.json"));
      EXPECT_EQ(tf_trainer_save(t, ckpt.c_str()), TF_ERR_STATE);  // create-only
      tf_trainer_free(t);
      tf_model_free(m);
    }
    tf_model *m = load(kLlama);  // fresh base weights: the checkpoint restores the rest
    tf_trainer *t = nullptr;
    ASSERT_EQ(tf_trainer_create(m, &c, &t), TF_OK);
    ASSERT_EQ(tf_trainer_resume(t, ckpt.c_str()), TF_OK) << tf_last_error();
    EXPECT_EQ(tf_trainer_step_count(t), 3);
    const auto rest = run_steps(t, data(), 3);
    EXPECT_EQ(std::vector<float>(straight.begin() + 3, straight.end()), rest);
    tf_trainer_free(t);
    tf_model_free(m);
    fs::remove_all(ckpt);
  }
}

TEST(Lifecycle, ResumeRefusesIncompleteCheckpoints) {
  const std::string dir = temp_dir("incomplete");
  fs::create_directories(dir);
  tf_model *m = load(kLlama);
  tf_trainer *t = nullptr;
  const tf_train_config c = config(TF_MODE_FULL);
  ASSERT_EQ(tf_trainer_create(m, &c, &t), TF_OK);
  EXPECT_EQ(tf_trainer_resume(t, dir.c_str()), TF_ERR_STATE);
  EXPECT_NE(std::string(tf_last_error()).find("manifest"), std::string::npos);
  tf_trainer_free(t);
  tf_model_free(m);
  fs::remove_all(dir);
}

TEST(Lifecycle, MergedExportAndPeftAdapterReproduceTheAdaptedModel) {
  const Data d = data();
  tf_model *m = load(kQwen);
  tf_trainer *t = nullptr;
  const tf_train_config c = config(TF_MODE_LORA);
  ASSERT_EQ(tf_trainer_create(m, &c, &t), TF_OK);
  run_steps(t, d, 3);
  tf_trainer_free(t);
  tf_model_info info{};
  tf_model_info_get(m, &info);
  std::vector<float> adapted((size_t)d.B * d.T * info.vocab_size), merged(adapted.size());
  ASSERT_EQ(tf_model_forward(m, d.ids.data(), d.pos.data(), d.B, d.T, adapted.data()), TF_OK);

  const std::string out = temp_dir("merged"), adapter = temp_dir("adapter");
  ASSERT_EQ(tf_model_save_merged(m, kQwen.c_str(), out.c_str(), nullptr), TF_OK) << tf_last_error();
  ASSERT_EQ(tf_model_save_adapter(m, "tiny-qwen2", nullptr, adapter.c_str()), TF_OK) << tf_last_error();
  for (const char *f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "manifest.json"})
    EXPECT_TRUE(fs::exists(out + "/" + f)) << f;
  tf_model *reloaded = load(out);
  ASSERT_EQ(tf_model_forward(reloaded, d.ids.data(), d.pos.data(), d.B, d.T, merged.data()), TF_OK);
  for (size_t i = 0; i < merged.size(); ++i) ASSERT_NEAR(merged[i], adapted[i], 1e-4);
  tf_model_free(reloaded);

  const json cfg = tf::read_json_file(adapter + "/adapter_config.json");
  EXPECT_EQ(cfg["peft_type"], "LORA");
  EXPECT_EQ(cfg["r"], 4);
  EXPECT_EQ(cfg["target_modules"], json({"q_proj", "v_proj", "down_proj"}));
  tf::SafetensorsFile st(adapter + "/adapter_model.safetensors");
  EXPECT_NE(st.find("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"), nullptr);
  EXPECT_NE(st.find("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"), nullptr);
  EXPECT_EQ(st.tensors().size(), 2u * 3u * 2u);

  // Folding in place gives the same function too.
  ASSERT_EQ(tf_model_merge_adapter(m), TF_OK);
  ASSERT_EQ(tf_model_forward(m, d.ids.data(), d.pos.data(), d.B, d.T, merged.data()), TF_OK);
  for (size_t i = 0; i < merged.size(); ++i) ASSERT_NEAR(merged[i], adapted[i], 1e-4);
  tf_model_free(m);
  fs::remove_all(out);
  fs::remove_all(adapter);
}

// Qwen3's per-head q/k norm weights: trained and exported by full fine-tuning; frozen under LoRA, whose merged
// export keeps them as loaded and whose PEFT adapter holds the projections' A/B only.
TEST(Lifecycle, Qwen3QkNormsTrainFullyStayFrozenUnderLoraAndAreExported) {
  const Data d = data();
  const std::string q_norm = "model.layers.1.self_attn.q_norm.weight";
  const std::string k_norm = "model.layers.0.self_attn.k_norm.weight";
  const tf::SafetensorsFile base(kQwen3 + "/model.safetensors");
  auto read = [](const tf::SafetensorsFile &f, const std::string &name) {
    const tf::TensorInfo *info = f.find(name);
    EXPECT_NE(info, nullptr) << f.path() << ": " << name;
    std::vector<float> out(info ? info->numel() : 0);
    if (info) f.read_f32(*info, out.data());
    return out;
  };
  for (int mode : {TF_MODE_FULL, TF_MODE_LORA}) {
    tf_model *m = load(kQwen3);
    tf_trainer *t = nullptr;
    const tf_train_config c = config(mode);
    ASSERT_EQ(tf_trainer_create(m, &c, &t), TF_OK) << tf_last_error();
    int norms = 0;
    for (int i = 0; i < tf_trainer_num_params(t); ++i) {
      const std::string name = tf_trainer_param_name(t, i);
      norms += name.find("_norm.weight") != std::string::npos && name.find("self_attn") != std::string::npos;
    }
    EXPECT_EQ(norms, mode == TF_MODE_FULL ? 4 : 0);  // q_norm and k_norm of both layers, or none
    run_steps(t, d, 3);
    tf_trainer_free(t);
    tf_model_info info{};
    tf_model_info_get(m, &info);
    EXPECT_STREQ(info.architecture, "Qwen3ForCausalLM");
    std::vector<float> trained((size_t)d.B * d.T * info.vocab_size), reloaded(trained.size());
    ASSERT_EQ(tf_model_forward(m, d.ids.data(), d.pos.data(), d.B, d.T, trained.data()), TF_OK);

    const std::string out = temp_dir(mode == TF_MODE_FULL ? "qwen3-full" : "qwen3-lora");
    ASSERT_EQ(tf_model_save_merged(m, kQwen3.c_str(), out.c_str(), nullptr), TF_OK) << tf_last_error();
    const tf::SafetensorsFile merged(out + "/model.safetensors");
    for (const std::string &name : {q_norm, k_norm}) {
      const auto before = read(base, name), after = read(merged, name);
      ASSERT_EQ(after.size(), 32u);
      if (mode == TF_MODE_FULL) {
        EXPECT_NE(after, before) << name;  // the AdamW steps moved them
      } else {
        EXPECT_EQ(after, before) << name;
      }
    }
    tf_model *again = load(out);
    ASSERT_EQ(tf_model_forward(again, d.ids.data(), d.pos.data(), d.B, d.T, reloaded.data()), TF_OK);
    for (size_t i = 0; i < trained.size(); ++i) ASSERT_NEAR(reloaded[i], trained[i], 1e-4);
    tf_model_free(again);
    if (mode == TF_MODE_LORA) {
      const std::string adapter = temp_dir("qwen3-adapter");
      ASSERT_EQ(tf_model_save_adapter(m, "tiny-qwen3", nullptr, adapter.c_str()), TF_OK) << tf_last_error();
      tf::SafetensorsFile st(adapter + "/adapter_model.safetensors");
      EXPECT_EQ(st.tensors().size(), 2u * 3u * 2u);  // A and B of q_proj, v_proj, down_proj in two layers
      for (const auto &ti : st.tensors()) EXPECT_EQ(ti.name.find("_norm"), std::string::npos) << ti.name;
      // The base plus the PEFT adapter gives the trained model again.
      tf_model *attached = load(kQwen3);
      ASSERT_EQ(tf_model_load_adapter(attached, adapter.c_str()), TF_OK) << tf_last_error();
      ASSERT_EQ(tf_model_forward(attached, d.ids.data(), d.pos.data(), d.B, d.T, reloaded.data()), TF_OK);
      for (size_t i = 0; i < trained.size(); ++i) ASSERT_NEAR(reloaded[i], trained[i], 1e-4);
      tf_model_free(attached);
      fs::remove_all(adapter);
    }
    tf_model_free(m);
    fs::remove_all(out);
  }
}

TEST(Lifecycle, AddedTokensAreTheMeanOfExistingRows) {
  for (const std::string &dir : {kLlama, kQwen}) {
    tf_model *m = load(dir);
    tf_model_info before{}, after{};
    tf_model_info_get(m, &before);
    ASSERT_EQ(tf_model_add_tokens(m, 3), TF_OK) << tf_last_error();
    tf_model_info_get(m, &after);
    EXPECT_EQ(after.vocab_size, before.vocab_size + 3);
    // A new token's embedding is the mean row, so its logits equal the mean embedding's.
    const int32_t ids[2] = {before.vocab_size, before.vocab_size + 2};
    std::vector<float> logits(2 * after.vocab_size);
    ASSERT_EQ(tf_model_forward(m, ids, nullptr, 2, 1, logits.data()), TF_OK);
    for (int v = 0; v < after.vocab_size; ++v) ASSERT_FLOAT_EQ(logits[v], logits[after.vocab_size + v]);
    // new LM-head rows are equal, so the new tokens have equal logits
    EXPECT_FLOAT_EQ(logits[before.vocab_size], logits[before.vocab_size + 1]);
    // and training works with the grown vocabulary
    tf_trainer *t = nullptr;
    const tf_train_config c = config(TF_MODE_FULL);
    ASSERT_EQ(tf_trainer_create(m, &c, &t), TF_OK);
    const int32_t row[4] = {1, before.vocab_size + 1, 5, before.vocab_size};
    float loss = 0;
    ASSERT_EQ(tf_trainer_accumulate(t, row, row, nullptr, 1, 4, &loss), TF_OK) << tf_last_error();
    EXPECT_TRUE(std::isfinite(loss));
    tf_trainer_free(t);
    tf_model_free(m);
  }
}

TEST(Lifecycle, BatchedGenerationMatchesOneByOneAndHonoursStops) {
  tf_model *m = load(kLlama);
  const std::vector<int32_t> a = {1, 451, 201, 752}, b = {1, 616, 201, 36, 71, 436, 306};
  std::vector<int32_t> both = a;
  both.insert(both.end(), b.begin(), b.end());
  const int32_t offsets[3] = {0, (int32_t)a.size(), (int32_t)both.size()};
  tf_generate_options o{};
  o.max_new_tokens = 8;
  std::vector<int32_t> toks(16), lens(2), fin(2);
  std::vector<float> lps(16);
  ASSERT_EQ(tf_generate(m, both.data(), offsets, 2, &o, toks.data(), lps.data(), lens.data(), fin.data()), TF_OK);
  for (int i = 0; i < 2; ++i) {
    const int32_t one[2] = {0, offsets[i + 1] - offsets[i]};
    std::vector<int32_t> t1(8), l1(1), f1(1);
    std::vector<float> p1(8);
    ASSERT_EQ(tf_generate(m, both.data() + offsets[i], one, 1, &o, t1.data(), p1.data(), l1.data(), f1.data()), TF_OK);
    EXPECT_EQ(std::vector<int32_t>(toks.begin() + i * 8, toks.begin() + i * 8 + 8), t1);
    for (int k = 0; k < 8; ++k) EXPECT_NEAR(lps[i * 8 + k], p1[k], 1e-5);
  }
  // Stop on the 3rd..4th greedy tokens of row 0: output is cut before them.
  const int32_t stop[2] = {toks[2], toks[3]};
  const int32_t stop_offsets[2] = {0, 2};
  o.stop_tokens = stop;
  o.stop_offsets = stop_offsets;
  o.n_stop = 1;
  ASSERT_EQ(tf_generate(m, both.data(), offsets, 1, &o, toks.data(), lps.data(), lens.data(), fin.data()), TF_OK);
  EXPECT_EQ(lens[0], 2);
  EXPECT_EQ(fin[0], TF_FINISH_STOP);
  tf_model_free(m);
}

TEST(Lifecycle, SamplingIsSeededAndTopKOneIsGreedy) {
  tf_model *m = load(kQwen);
  const std::vector<int32_t> p = {1, 20, 30, 40};
  const int32_t offsets[2] = {0, 4};
  tf_generate_options o{};
  o.max_new_tokens = 10;
  std::vector<int32_t> greedy(10), s1(10), s2(10), s3(10), len(1);
  ASSERT_EQ(tf_generate(m, p.data(), offsets, 1, &o, greedy.data(), nullptr, len.data(), nullptr), TF_OK);
  o.temperature = 1.5f;
  o.top_k = 1;
  ASSERT_EQ(tf_generate(m, p.data(), offsets, 1, &o, s1.data(), nullptr, len.data(), nullptr), TF_OK);
  EXPECT_EQ(s1, greedy);
  o.top_k = 0;
  o.top_p = 0.9f;
  o.seed = 7;
  ASSERT_EQ(tf_generate(m, p.data(), offsets, 1, &o, s2.data(), nullptr, len.data(), nullptr), TF_OK);
  ASSERT_EQ(tf_generate(m, p.data(), offsets, 1, &o, s3.data(), nullptr, len.data(), nullptr), TF_OK);
  EXPECT_EQ(s2, s3);
  EXPECT_NE(s2, greedy);  // a near-uniform tiny model samples away from argmax
  o.top_p = 1e-6f;        // the nucleus shrinks to the top token
  ASSERT_EQ(tf_generate(m, p.data(), offsets, 1, &o, s3.data(), nullptr, len.data(), nullptr), TF_OK);
  EXPECT_EQ(s3, greedy);
  tf_model_free(m);
}

TEST(Lifecycle, BadArgumentsReturnStatusesNotCrashes) {
  tf_model *m = nullptr;
  EXPECT_EQ(tf_model_load(nullptr, nullptr, &m), TF_ERR_INVALID_ARGUMENT);
  tf_load_options o{"cuda", 1};
  EXPECT_EQ(tf_model_load(kLlama.c_str(), &o, &m), TF_ERR_UNSUPPORTED);
  m = load(kLlama);
  const int32_t bad[2] = {1, 100000};
  std::vector<float> logits(2 * 867);
  EXPECT_EQ(tf_model_forward(m, bad, nullptr, 1, 2, logits.data()), TF_ERR_INVALID_ARGUMENT);
  tf_train_config c = config(TF_MODE_LORA);
  c.lora_rank = 0;
  tf_trainer *t = nullptr;
  EXPECT_EQ(tf_trainer_create(m, &c, &t), TF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tf_model_save_adapter(m, "x", nullptr, "/tmp/never"), TF_ERR_STATE);
  tf_model_free(m);
}

}  // namespace

namespace {

TEST(Lifecycle, PeftAdapterWrittenByPeftLoadsAndMatchesGoldenLogits) {
  const std::string golden = kRoot + "/tools/parity/golden/tiny-llama";
  if (!fs::exists(golden + "/lora_adapter_init/adapter_config.json")) GTEST_SKIP() << "no golden adapter";
  tf_model *m = load(kLlama);
  ASSERT_EQ(tf_model_load_adapter(m, (golden + "/lora_adapter_init").c_str()), TF_OK) << tf_last_error();
  const json c = tf::read_json_file(golden + "/case.json");
  std::vector<int32_t> ids, pos;
  for (auto &row : c["input_ids"]) for (auto &v : row) ids.push_back(v);
  for (auto &row : c["position_ids"]) for (auto &v : row) pos.push_back(v);
  std::vector<float> logits(ids.size() * 867), want(ids.size() * 867);
  ASSERT_EQ(tf_model_forward(m, ids.data(), pos.data(), 2, (int)ids.size() / 2, logits.data()), TF_OK);
  tf::SafetensorsFile lora(golden + "/lora.safetensors");
  lora.read_f32(*lora.find("logits"), want.data());
  for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(logits[i], want[i], 1e-4);
  // A second adapter is refused; a LoRA trainer with the same shape continues this one.
  EXPECT_EQ(tf_model_load_adapter(m, (golden + "/lora_adapter_init").c_str()), TF_ERR_STATE);
  tf_train_config cfg = config(TF_MODE_LORA);
  cfg.lora_targets = 0x7f;
  tf_trainer *t = nullptr;
  ASSERT_EQ(tf_trainer_create(m, &cfg, &t), TF_OK) << tf_last_error();
  float loss = 0;
  const std::vector<int32_t> labels(ids.begin(), ids.end());
  ASSERT_EQ(tf_trainer_accumulate(t, ids.data(), labels.data(), pos.data(), 2, (int)ids.size() / 2, &loss), TF_OK);
  tf_trainer_free(t);
  cfg.lora_rank = 8;
  EXPECT_EQ(tf_trainer_create(m, &cfg, &t), TF_ERR_STATE);
  tf_model_free(m);
}

TEST(Lifecycle, UnsupportedAdapterConfigsAreNamed) {
  const std::string dir = temp_dir("dora");
  fs::create_directories(dir);
  tf::write_json_file(dir + "/adapter_config.json",
                      {{"peft_type", "LORA"}, {"r", 4}, {"lora_alpha", 8}, {"target_modules", {"q_proj"}}, {"use_dora", true}});
  tf_model *m = load(kLlama);
  EXPECT_EQ(tf_model_load_adapter(m, dir.c_str()), TF_ERR_UNSUPPORTED);
  EXPECT_NE(std::string(tf_last_error()).find("use_dora"), std::string::npos);
  tf::write_json_file(dir + "/adapter_config.json",
                      {{"peft_type", "LORA"}, {"r", 4}, {"lora_alpha", 8}, {"target_modules", {"q_proj"}}});
  EXPECT_EQ(tf_model_load_adapter(m, dir.c_str()), TF_ERR_IO);  // no weights file: nothing stays attached
  EXPECT_EQ(tf_model_save_adapter(m, "x", nullptr, (dir + "/out").c_str()), TF_ERR_STATE);
  tf_model_free(m);
  fs::remove_all(dir);
}

}  // namespace

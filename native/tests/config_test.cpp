// Architecture variants and learning-rate schedules.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <vector>

#include "error.h"
#include "fsutil.h"
#include "model.h"
#include "trainer.h"

namespace {

namespace fs = std::filesystem;
const std::string kLlama = std::string(TF_REPO_ROOT) + "/tools/tiny-model/models/tiny-llama";

// A Mistral directory holding the tiny Llama weights with the given sliding window.
std::string mistral_dir(int window) {
  const fs::path dir = fs::temp_directory_path() / ("tf-mistral-" + std::to_string(::getpid()) + "-" + std::to_string(window));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto cfg = tf::read_json_file(kLlama + "/config.json");
  cfg["architectures"] = {"MistralForCausalLM"};
  cfg["model_type"] = "mistral";
  cfg["sliding_window"] = window;
  tf::write_json_file((dir / "config.json").string(), cfg);
  fs::copy_file(kLlama + "/model.safetensors", dir / "model.safetensors");
  return dir.string();
}

std::vector<float> logits(const std::string &dir, int T) {
  auto m = tf::Model::load(dir, "cpu", 1);
  std::vector<int32_t> ids(T);
  for (int t = 0; t < T; ++t) ids[t] = (t * 31 + 7) % 800;
  tf::Pass pass;
  tf::prepare_pass(*m, pass, ids.data(), nullptr, 1, T);
  tf::forward(*m, pass);
  return pass.logits.to_host();
}

TEST(Architectures, MistralSlidingWindowMasksOnlyBeyondTheWindow) {
  const int T = 12;
  const auto llama = logits(kLlama, T);
  const auto wide = logits(mistral_dir(64), T);
  const auto narrow = logits(mistral_dir(4), T);
  EXPECT_EQ(llama, wide);
  const size_t V = llama.size() / T;
  for (size_t i = 0; i < 4 * V; ++i) ASSERT_EQ(narrow[i], llama[i]);  // first 4 tokens see everything anyway
  double diff = 0;
  for (size_t i = 4 * V; i < llama.size(); ++i) diff = std::max(diff, (double)std::fabs(narrow[i] - llama[i]));
  EXPECT_GT(diff, 1e-4);
}

TEST(Architectures, UnsupportedSettingsAreNamed) {
  auto cfg = tf::read_json_file(kLlama + "/config.json");
  cfg["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  tf_status status = TF_OK;
  std::string message;
  try {
    tf::ModelConfig::parse(cfg, "config.json");
  } catch (const tf::Error &e) {
    status = e.status();
    message = e.what();
  }
  EXPECT_EQ(status, TF_ERR_UNSUPPORTED);
  EXPECT_NE(message.find("yarn"), std::string::npos);
}

// Qwen3ForCausalLM as transformers' Qwen3Config reads it: head_dim defaults to 128 (not hidden / heads),
// attention_bias puts a bias on q, k, v and o.
TEST(Architectures, Qwen3ConfigFollowsQwen3Config) {
  const auto base = tf::read_json_file(std::string(TF_REPO_ROOT) + "/tools/tiny-model/models/tiny-qwen3/config.json");
  auto c = tf::ModelConfig::parse(base, "config.json");
  EXPECT_TRUE(c.qk_norm);
  EXPECT_EQ(c.head_dim, 32);
  EXPECT_FALSE(c.attention_bias || c.o_bias);
  EXPECT_EQ(c.sliding_window, 0);
  auto cfg = base;
  cfg.erase("head_dim");
  EXPECT_EQ(tf::ModelConfig::parse(cfg, "config.json").head_dim, 128);
  cfg = base;
  cfg["attention_bias"] = true;
  c = tf::ModelConfig::parse(cfg, "config.json");
  EXPECT_TRUE(c.attention_bias && c.o_bias);
  EXPECT_FALSE(tf::ModelConfig::parse(tf::read_json_file(kLlama + "/config.json"), "config.json").qk_norm);

}

// Qwen2Config and Qwen3Config window the layers i >= max_window_layers (default 28) when use_sliding_window is set.
TEST(Architectures, QwenSlidingWindowFollowsMaxWindowLayers) {
  for (const char *name : {"tiny-qwen2", "tiny-qwen3"}) {
    auto cfg = tf::read_json_file(std::string(TF_REPO_ROOT) + "/tools/tiny-model/models/" + name + "/config.json");
    cfg["use_sliding_window"] = true;
    cfg["sliding_window"] = 8;
    cfg["max_window_layers"] = 0;  // every layer windowed
    EXPECT_EQ(tf::ModelConfig::parse(cfg, "config.json").sliding_window, 8) << name;
    cfg["max_window_layers"] = 2;  // none (the model has two layers)
    EXPECT_EQ(tf::ModelConfig::parse(cfg, "config.json").sliding_window, 0) << name;
    cfg.erase("max_window_layers");  // 28 by default: none either
    EXPECT_EQ(tf::ModelConfig::parse(cfg, "config.json").sliding_window, 0) << name;
    cfg["max_window_layers"] = 1;  // the second layer only
    tf_status status = TF_OK;
    try {
      tf::ModelConfig::parse(cfg, "config.json");
    } catch (const tf::Error &e) {
      status = e.status();
    }
    EXPECT_EQ(status, TF_ERR_UNSUPPORTED) << name;
    cfg.erase("max_window_layers");
    cfg["layer_types"] = {"sliding_attention", "sliding_attention"};
    EXPECT_EQ(tf::ModelConfig::parse(cfg, "config.json").sliding_window, 8) << name;
    cfg["use_sliding_window"] = false;  // the window is off whatever layer_types says
    EXPECT_EQ(tf::ModelConfig::parse(cfg, "config.json").sliding_window, 0) << name;
  }
}

TEST(Schedules, MatchTransformersClosedForms) {
  auto model = tf::Model::load(kLlama, "cpu", 1);
  tf_train_config c{};
  c.lr = 1.0f;
  c.beta1 = 0.9f;
  c.beta2 = 0.999f;
  c.eps = 1e-8f;
  c.warmup_steps = 4;
  c.total_steps = 20;
  for (int schedule : {TF_SCHEDULE_CONSTANT, TF_SCHEDULE_LINEAR, TF_SCHEDULE_COSINE}) {
    c.schedule = schedule;
    tf::Trainer t(*model, c);
    for (int s = 0; s < 24; ++s) {
      double want;
      if (s < 4) {
        want = s / 4.0;
      } else if (schedule == TF_SCHEDULE_CONSTANT) {
        want = 1.0;
      } else if (schedule == TF_SCHEDULE_LINEAR) {
        want = std::max(0.0, (20.0 - s) / 16.0);
      } else {
        want = std::max(0.0, 0.5 * (1 + std::cos(M_PI * (s - 4) / 16.0)));
      }
      EXPECT_NEAR(t.lr_at(s), want, 1e-6) << schedule << " step " << s;
    }
  }
}

}  // namespace

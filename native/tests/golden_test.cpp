// Parity with the PyTorch golden files in tools/parity/golden (also checked
// from JavaScript in libs/engine); here for fast iteration on the kernels.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "fsutil.h"
#include "safetensors.h"
#include "tuneforge.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kRoot = TF_REPO_ROOT;

struct Golden {
  json c;
  std::vector<int32_t> ids, labels, pos;
  int B, T;
  std::string model_dir;
};

Golden load_case(const std::string &name) {
  Golden g;
  g.c = tf::read_json_file(kRoot + "/tools/parity/golden/" + name + "/case.json");
  g.B = g.c["batch_size"];
  g.T = g.c["seq_len"];
  for (auto &row : g.c["input_ids"]) for (auto &v : row) g.ids.push_back(v);
  for (auto &row : g.c["labels"]) for (auto &v : row) g.labels.push_back(v);
  for (auto &row : g.c["position_ids"]) for (auto &v : row) g.pos.push_back(v);
  g.model_dir = kRoot + "/" + g.c["model_dir"].get<std::string>();
  return g;
}

std::vector<float> tensor(const tf::SafetensorsFile &f, const std::string &name) {
  const tf::TensorInfo *info = f.find(name);
  EXPECT_NE(info, nullptr) << name;
  if (!info) return {};
  std::vector<float> out(info->numel());
  f.read_f32(*info, out.data());
  return out;
}

double rel_err(const std::vector<float> &a, const std::vector<float> &b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += (double)(a[i] - b[i]) * (a[i] - b[i]);
    den += (double)b[i] * b[i];
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

tf_train_config train_config(const Golden &g, int mode) {
  const json &o = g.c["optimizer"];
  tf_train_config cfg{};
  cfg.mode = mode;
  cfg.lora_rank = g.c["lora"]["r"];
  cfg.lora_alpha = g.c["lora"]["alpha"];
  cfg.lora_targets = 0x7f;
  cfg.lr = o["lr"];
  cfg.beta1 = o["betas"][0];
  cfg.beta2 = o["betas"][1];
  cfg.eps = o["eps"];
  cfg.weight_decay = o["weight_decay"];
  cfg.max_grad_norm = o["max_grad_norm"];
  cfg.schedule = TF_SCHEDULE_COSINE;
  cfg.warmup_steps = o["warmup_steps"];
  cfg.total_steps = o["num_training_steps"];
  return cfg;
}

class GoldenTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!fs::exists(kRoot + "/tools/parity/golden/" + GetParam() + "/case.json"))
      GTEST_SKIP() << "no golden files for " << GetParam();
    g = load_case(GetParam());
    tf_load_options opt{"cpu", 2};
    ASSERT_EQ(tf_model_load(g.model_dir.c_str(), &opt, &model), TF_OK) << tf_last_error();
  }
  void TearDown() override { tf_model_free(model); }
  Golden g;
  tf_model *model = nullptr;
};

TEST_P(GoldenTest, LogitsLossAndGradients) {
  tf::SafetensorsFile full(kRoot + "/tools/parity/golden/" + GetParam() + "/full.safetensors");
  const int V = g.c["vocab_size"];
  std::vector<float> logits((size_t)g.B * g.T * V);
  ASSERT_EQ(tf_model_forward(model, g.ids.data(), g.pos.data(), g.B, g.T, logits.data()), TF_OK) << tf_last_error();
  const auto want = tensor(full, "logits");
  double max_diff = 0, max_ref = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    max_diff = std::max(max_diff, (double)std::fabs(want[i] - logits[i]));
    max_ref = std::max(max_ref, (double)std::fabs(want[i]));
  }
  EXPECT_LE(max_diff, 1e-4);
  std::printf("[%s] logits max abs diff %.3g (relative to max |logit| %.3g)\n", GetParam().c_str(), max_diff,
              max_diff / max_ref);

  tf_trainer *trainer = nullptr;
  const tf_train_config cfg = train_config(g, TF_MODE_FULL);
  ASSERT_EQ(tf_trainer_create(model, &cfg, &trainer), TF_OK) << tf_last_error();
  float loss = 0;
  ASSERT_EQ(tf_trainer_accumulate(trainer, g.ids.data(), g.labels.data(), g.pos.data(), g.B, g.T, &loss), TF_OK);
  const float want_loss = tensor(full, "loss")[0];
  EXPECT_LE(std::fabs(loss - want_loss) / want_loss, 1e-5) << loss << " vs " << want_loss;
  double worst = 0, worst_abs = 0;
  std::string worst_name;
  for (int i = 0; i < tf_trainer_num_params(trainer); ++i) {
    const std::string name = tf_trainer_param_name(trainer, i);
    int64_t n = 0;
    tf_trainer_grad(trainer, name.c_str(), nullptr, 0, &n);
    std::vector<float> grad(n);
    ASSERT_EQ(tf_trainer_grad(trainer, name.c_str(), grad.data(), n, &n), TF_OK);
    const auto ref = tensor(full, "grad." + name);
    const double e = rel_err(grad, ref);
    if (e > worst) worst = e, worst_name = name;
    for (size_t j = 0; j < ref.size(); ++j) worst_abs = std::max(worst_abs, (double)std::fabs(grad[j] - ref[j]));
    EXPECT_LE(e, 1e-3) << name;
  }
  std::printf("[%s] loss rel err %.3g, worst grad rel err %.3g (%s), max abs grad diff %.3g\n", GetParam().c_str(),
              std::fabs(loss - want_loss) / want_loss, worst, worst_name.c_str(), worst_abs);
  tf_trainer_free(trainer);
}

TEST_P(GoldenTest, LoraGradients) {
  const std::string dir = kRoot + "/tools/parity/golden/" + GetParam();
  tf::SafetensorsFile lora(dir + "/lora.safetensors");
  tf_trainer *trainer = nullptr;
  const tf_train_config cfg = train_config(g, TF_MODE_LORA);
  ASSERT_EQ(tf_trainer_create(model, &cfg, &trainer), TF_OK) << tf_last_error();
  ASSERT_EQ(tf_trainer_load_adapter(trainer, (dir + "/lora.safetensors").c_str(), "init."), TF_OK) << tf_last_error();
  float loss = 0;
  ASSERT_EQ(tf_trainer_accumulate(trainer, g.ids.data(), g.labels.data(), g.pos.data(), g.B, g.T, &loss), TF_OK);
  const float want_loss = tensor(lora, "loss")[0];
  EXPECT_LE(std::fabs(loss - want_loss) / want_loss, 1e-5);
  int golden_grads = 0;
  for (const auto &t : lora.tensors()) golden_grads += t.name.rfind("grad.", 0) == 0;
  ASSERT_EQ(tf_trainer_num_params(trainer), golden_grads);
  double worst = 0;
  for (int i = 0; i < tf_trainer_num_params(trainer); ++i) {
    const std::string name = tf_trainer_param_name(trainer, i);
    int64_t n = 0;
    tf_trainer_grad(trainer, name.c_str(), nullptr, 0, &n);
    std::vector<float> grad(n);
    ASSERT_EQ(tf_trainer_grad(trainer, name.c_str(), grad.data(), n, &n), TF_OK);
    const double e = rel_err(grad, tensor(lora, "grad." + name));
    worst = std::max(worst, e);
    EXPECT_LE(e, 1e-3) << name;
  }
  std::printf("[%s] LoRA loss rel err %.3g, worst LoRA grad rel err %.3g\n", GetParam().c_str(),
              std::fabs(loss - want_loss) / want_loss, worst);
  tf_trainer_free(trainer);
}

// 20 AdamW steps: full, full with two accumulated micro-batches, LoRA.
TEST_P(GoldenTest, Trajectories) {
  const std::string dir = kRoot + "/tools/parity/golden/" + GetParam();
  const json traj = tf::read_json_file(dir + "/trajectory.json");
  for (const std::string kind : {"full", "full_grad_accum_2", "lora"}) {
    tf_model_free(model);
    tf_load_options opt{"cpu", 2};
    ASSERT_EQ(tf_model_load(g.model_dir.c_str(), &opt, &model), TF_OK);
    tf_trainer *trainer = nullptr;
    const tf_train_config cfg = train_config(g, kind == "lora" ? TF_MODE_LORA : TF_MODE_FULL);
    ASSERT_EQ(tf_trainer_create(model, &cfg, &trainer), TF_OK) << tf_last_error();
    if (kind == "lora")
      ASSERT_EQ(tf_trainer_load_adapter(trainer, (dir + "/lora.safetensors").c_str(), "init."), TF_OK);
    const auto &want = traj[kind]["losses"];
    double worst = 0;
    for (size_t s = 0; s < want.size(); ++s) {
      if (kind == "full_grad_accum_2") {
        for (int b = 0; b < g.B; ++b)
          ASSERT_EQ(tf_trainer_accumulate(trainer, g.ids.data() + b * g.T, g.labels.data() + b * g.T,
                                          g.pos.data() + b * g.T, 1, g.T, nullptr), TF_OK);
      } else {
        ASSERT_EQ(tf_trainer_accumulate(trainer, g.ids.data(), g.labels.data(), g.pos.data(), g.B, g.T, nullptr), TF_OK);
      }
      tf_step_result r{};
      ASSERT_EQ(tf_trainer_step(trainer, &r), TF_OK) << tf_last_error();
      const double e = std::fabs(r.loss - want[s].get<double>());
      worst = std::max(worst, e);
      EXPECT_LE(e, 1e-4) << kind << " step " << s;
      EXPECT_NEAR(r.lr, traj[kind]["lrs"][s].get<double>(), 1e-9);
    }
    std::printf("[%s] %s trajectory worst abs loss diff %.3g\n", GetParam().c_str(), kind.c_str(), worst);
    tf_trainer_free(trainer);
  }
}

TEST_P(GoldenTest, GreedyGeneration) {
  const json gr = tf::read_json_file(kRoot + "/tools/parity/golden/" + GetParam() + "/greedy.json");
  std::vector<int32_t> prompt = gr["prompt_ids"].get<std::vector<int32_t>>();
  const std::vector<int32_t> want = gr["generated_ids"].get<std::vector<int32_t>>();
  const int32_t offsets[2] = {0, (int32_t)prompt.size()};
  tf_generate_options o{};
  o.max_new_tokens = (int)want.size();
  std::vector<int32_t> toks(want.size());
  std::vector<float> lps(want.size());
  int32_t len = 0, finish = 0;
  ASSERT_EQ(tf_generate(model, prompt.data(), offsets, 1, &o, toks.data(), lps.data(), &len, &finish), TF_OK)
      << tf_last_error();
  ASSERT_EQ(len, (int)want.size());
  EXPECT_EQ(toks, want);
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(lps[i], gr["logprobs"][i].get<double>(), 1e-4);
    worst = std::max(worst, std::fabs(lps[i] - gr["logprobs"][i].get<double>()));
  }
  std::printf("[%s] greedy %zu/%zu tokens equal, worst log-prob diff %.3g\n", GetParam().c_str(),
              (size_t)std::inner_product(toks.begin(), toks.end(), want.begin(), 0, std::plus<>(), std::equal_to<>()),
              want.size(), worst);
}

INSTANTIATE_TEST_SUITE_P(Models, GoldenTest,
                         ::testing::Values("tiny-llama", "tiny-qwen2", "tiny-qwen3", "tiny-mistral"));

}  // namespace

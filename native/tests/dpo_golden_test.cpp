// DPO parity with PyTorch (tools/parity/make_dpo_golden.py: TRL's sigmoid loss + RPO term, written out):
// reference log-probs from tf_model_token_logprobs, a policy log-prob pass, per-token weights
// (chosen +beta*sigmoid(-beta*z) + alpha*pairs/chosen tokens, rejected -beta*sigmoid(-beta*z)) and
// tf_trainer_accumulate_weighted with units = pairs give the golden loss and every gradient. The
// engine's JavaScript DPO step (libs/engine/src/dpo.ts) is checked against the same goldens.
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

struct Pair {
  std::vector<int32_t> prompt, chosen, rejected;
};

std::vector<Pair> read_pairs(const json &c) {
  std::vector<Pair> pairs;
  for (const auto &p : c["pairs"])
    pairs.push_back({p["prompt_ids"].get<std::vector<int32_t>>(), p["chosen_ids"].get<std::vector<int32_t>>(),
                     p["rejected_ids"].get<std::vector<int32_t>>()});
  return pairs;
}

// Summed log-probs of each pair's chosen and rejected continuation, teacher-forced after its prompt.
void continuation_sums(tf_model *model, const std::vector<Pair> &pairs, std::vector<double> &chosen,
                       std::vector<double> &rejected) {
  std::vector<int32_t> tokens, offsets{0};
  for (const Pair &p : pairs) {
    for (const auto *cont : {&p.chosen, &p.rejected}) {
      tokens.insert(tokens.end(), p.prompt.begin(), p.prompt.end());
      tokens.insert(tokens.end(), cont->begin(), cont->end());
      offsets.push_back((int32_t)tokens.size());
    }
  }
  std::vector<float> out(tokens.size());
  ASSERT_EQ(tf_model_token_logprobs(model, tokens.data(), offsets.data(), (int)offsets.size() - 1, out.data()), TF_OK)
      << tf_last_error();
  chosen.assign(pairs.size(), 0.0);
  rejected.assign(pairs.size(), 0.0);
  for (size_t i = 0; i < pairs.size(); ++i) {
    for (int side = 0; side < 2; ++side) {
      const int row = 2 * (int)i + side;
      double s = 0;
      for (int t = offsets[row] + (int)pairs[i].prompt.size(); t < offsets[row + 1]; ++t) s += out[t];
      (side == 0 ? chosen : rejected)[i] = s;
    }
  }
}

double log_sigmoid(double x) { return x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x)); }
double sigmoid(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }

// One step's accumulation, in micro-batches of pairs: a policy pass, then the weighted NLL; returns the DPO loss.
double accumulate_dpo(tf_model *model, tf_trainer *trainer, const std::vector<Pair> &pairs,
                      const std::vector<double> &ref_c, const std::vector<double> &ref_r, double beta, double alpha,
                      const std::vector<std::vector<int>> &micro_batches) {
  std::vector<double> pol_c, pol_r;
  continuation_sums(model, pairs, pol_c, pol_r);
  int64_t chosen_tokens = 0;
  for (const Pair &p : pairs) chosen_tokens += (int64_t)p.chosen.size();
  double loss = 0;
  for (const auto &mb : micro_batches) {
    int seq = 0;
    for (int i : mb) seq = std::max<int>(seq, (int)(pairs[i].prompt.size() + std::max(pairs[i].chosen.size(), pairs[i].rejected.size())));
    const int batch = 2 * (int)mb.size();
    std::vector<int32_t> ids((size_t)batch * seq, 0), labels((size_t)batch * seq, -100), pos((size_t)batch * seq, 0);
    std::vector<float> weights((size_t)batch * seq, 0.0f);
    for (size_t k = 0; k < mb.size(); ++k) {
      const Pair &p = pairs[mb[k]];
      const double z = (pol_c[mb[k]] - ref_c[mb[k]]) - (pol_r[mb[k]] - ref_r[mb[k]]);
      loss += -log_sigmoid(beta * z) / pairs.size();
      const double g = beta * sigmoid(-beta * z);
      for (int side = 0; side < 2; ++side) {
        const auto &cont = side == 0 ? p.chosen : p.rejected;
        const int row = 2 * (int)k + side;
        const float w = side == 0 ? (float)(g + alpha * pairs.size() / (double)chosen_tokens) : (float)-g;
        int t = 0;
        for (int32_t id : p.prompt) ids[row * seq + t] = id, pos[row * seq + t] = t, ++t;
        for (int32_t id : cont) ids[row * seq + t] = labels[row * seq + t] = id, weights[row * seq + t] = w, pos[row * seq + t] = t, ++t;
        for (; t < seq; ++t) pos[row * seq + t] = t;
      }
    }
    float surrogate = 0;
    EXPECT_EQ(tf_trainer_accumulate_weighted(trainer, ids.data(), labels.data(), weights.data(), pos.data(), batch, seq,
                                             (double)mb.size(), &surrogate, nullptr),
              TF_OK)
        << tf_last_error();
  }
  if (alpha > 0) {
    double nll = 0;
    for (double s : pol_c) nll -= s;
    loss += alpha * nll / (double)chosen_tokens;
  }
  return loss;
}

double rel_err(const std::vector<float> &a, const std::vector<float> &b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) num += (double)(a[i] - b[i]) * (a[i] - b[i]), den += (double)b[i] * b[i];
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

tf_train_config config_for(int mode) {
  tf_train_config cfg{};
  cfg.mode = mode;
  cfg.lora_rank = 4;
  cfg.lora_alpha = 8;
  cfg.lora_targets = 0x7f;
  cfg.lr = 5e-3f;
  cfg.beta1 = 0.9f;
  cfg.beta2 = 0.95f;
  cfg.eps = 1e-8f;
  cfg.weight_decay = 0.1f;
  cfg.max_grad_norm = 1.0f;
  cfg.schedule = TF_SCHEDULE_COSINE;
  cfg.warmup_steps = 5;
  cfg.total_steps = 20;
  return cfg;
}

class DpoGoldenTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir = kRoot + "/tools/parity/golden/" + GetParam();
    if (!fs::exists(dir + "/dpo.json")) GTEST_SKIP() << "no DPO golden for " << GetParam();
    c = tf::read_json_file(dir + "/dpo.json");
    pairs = read_pairs(c);
    tf_load_options opt{"cpu", 2};
    ASSERT_EQ(tf_model_load((kRoot + "/" + c["model_dir"].get<std::string>()).c_str(), &opt, &model), TF_OK)
        << tf_last_error();
  }
  void TearDown() override { tf_model_free(model); }

  // Loss and every gradient of one step against the golden section (full or lora).
  void check_step(tf_trainer *trainer, const json &section, const std::string &prefix,
                  const std::vector<std::vector<int>> &micro_batches) {
    std::vector<double> ref_c = section["ref_logps"]["chosen"], ref_r = section["ref_logps"]["rejected"];
    const double loss = accumulate_dpo(model, trainer, pairs, ref_c, ref_r, section["beta"], section["rpo_alpha"], micro_batches);
    const double want = section["metrics"]["loss"];
    EXPECT_LE(std::fabs(loss - want), 1e-4) << loss << " vs " << want;
    tf::SafetensorsFile golden(dir + "/dpo.safetensors");
    double worst = 0;
    for (int i = 0; i < tf_trainer_num_params(trainer); ++i) {
      const std::string name = tf_trainer_param_name(trainer, i);
      int64_t n = 0;
      tf_trainer_grad(trainer, name.c_str(), nullptr, 0, &n);
      std::vector<float> grad(n), ref(n);
      ASSERT_EQ(tf_trainer_grad(trainer, name.c_str(), grad.data(), n, &n), TF_OK);
      const tf::TensorInfo *info = golden.find(prefix + name);
      ASSERT_NE(info, nullptr) << prefix + name;
      golden.read_f32(*info, ref.data());
      const double e = rel_err(grad, ref);
      worst = std::max(worst, e);
      EXPECT_LE(e, 1e-4) << name;
    }
    std::printf("[%s %s, %zu micro-batches] DPO loss abs err %.3g, worst grad rel err %.3g\n", GetParam().c_str(),
                prefix.c_str(), micro_batches.size(), std::fabs(loss - want), worst);
  }

  std::string dir;
  json c;
  std::vector<Pair> pairs;
  tf_model *model = nullptr;
};

TEST_P(DpoGoldenTest, ReferenceLogprobsOfTheBaseModel) {
  std::vector<double> chosen, rejected;
  continuation_sums(model, pairs, chosen, rejected);
  for (size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_NEAR(chosen[i], c["full"]["ref_logps"]["chosen"][i].get<double>(), 1e-3);
    EXPECT_NEAR(rejected[i], c["full"]["ref_logps"]["rejected"][i].get<double>(), 1e-3);
  }
}

TEST_P(DpoGoldenTest, FullFineTuningLossAndGradients) {
  for (const auto &micro_batches : std::vector<std::vector<std::vector<int>>>{{{0, 1, 2}}, {{0}, {1, 2}}}) {
    tf_trainer *trainer = nullptr;
    const tf_train_config cfg = config_for(TF_MODE_FULL);
    ASSERT_EQ(tf_trainer_create(model, &cfg, &trainer), TF_OK) << tf_last_error();
    check_step(trainer, c["full"], "full.grad.", micro_batches);
    tf_trainer_free(trainer);
  }
}

TEST_P(DpoGoldenTest, LoraLossAndGradients) {
  // The reference is the base, read before the adapter exists (as the training pod does).
  tf_trainer *trainer = nullptr;
  const tf_train_config cfg = config_for(TF_MODE_LORA);
  ASSERT_EQ(tf_trainer_create(model, &cfg, &trainer), TF_OK) << tf_last_error();
  ASSERT_EQ(tf_trainer_load_adapter(trainer, (dir + "/lora.safetensors").c_str(), "init."), TF_OK) << tf_last_error();
  check_step(trainer, c["lora"], "lora.grad.", {{0, 2}, {1}});
  tf_trainer_free(trainer);
}

TEST_P(DpoGoldenTest, FullTrajectory) {
  const json &traj = c["trajectory_full"];
  std::vector<double> ref_c, ref_r;
  continuation_sums(model, pairs, ref_c, ref_r);
  tf_trainer *trainer = nullptr;
  const tf_train_config cfg = config_for(TF_MODE_FULL);
  ASSERT_EQ(tf_trainer_create(model, &cfg, &trainer), TF_OK) << tf_last_error();
  double worst = 0;
  for (int s = 0; s < traj["steps"].get<int>(); ++s) {
    const double loss = accumulate_dpo(model, trainer, pairs, ref_c, ref_r, traj["beta"], traj["rpo_alpha"], {{0, 1}, {2}});
    tf_step_result r{};
    ASSERT_EQ(tf_trainer_step(trainer, &r), TF_OK) << tf_last_error();
    worst = std::max(worst, std::fabs(loss - traj["losses"][s].get<double>()));
    EXPECT_NEAR(loss, traj["losses"][s].get<double>(), 1e-4) << "step " << s;
    EXPECT_NEAR(r.grad_norm, traj["grad_norms_before_clip"][s].get<double>(), 1e-3 * traj["grad_norms_before_clip"][s].get<double>());
  }
  std::printf("[%s] DPO trajectory: worst loss abs err over %d steps %.3g\n", GetParam().c_str(), traj["steps"].get<int>(), worst);
  tf_trainer_free(trainer);
}

INSTANTIATE_TEST_SUITE_P(TinyModels, DpoGoldenTest, ::testing::Values("tiny-llama", "tiny-qwen2"));

}  // namespace

// tf_model_token_logprobs_base: the model's log-probs with its own LoRA adapter left out, GRPO's reference
// policy of a LoRA run. With a trained-looking adapter (the parity LoRA init, B != 0) the plain pass moves away
// from the base and the base pass does not: it equals the log-probs of the model before the trainer existed, to
// the bit, and the adapter is back in the very next call (also after a refused call).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tuneforge.h"

namespace {

const std::string kRoot = TF_REPO_ROOT;

tf_train_config lora_config() {
  tf_train_config cfg{};
  cfg.mode = TF_MODE_LORA;
  cfg.lora_rank = 4;
  cfg.lora_alpha = 8;
  cfg.lora_targets = 0x7f;
  cfg.lr = 1e-3f;
  cfg.beta1 = 0.9f;
  cfg.beta2 = 0.95f;
  cfg.eps = 1e-8f;
  cfg.max_grad_norm = 1.0f;
  cfg.schedule = TF_SCHEDULE_CONSTANT;
  cfg.total_steps = 1;
  return cfg;
}

std::vector<float> logprobs(tf_model *model, const std::vector<int32_t> &tokens, const std::vector<int32_t> &offsets,
                            bool base) {
  std::vector<float> out(tokens.size());
  const int n = (int)offsets.size() - 1;
  const tf_status s = base ? tf_model_token_logprobs_base(model, tokens.data(), offsets.data(), n, out.data())
                           : tf_model_token_logprobs(model, tokens.data(), offsets.data(), n, out.data());
  EXPECT_EQ(s, TF_OK) << tf_last_error();
  return out;
}

double max_diff(const std::vector<float> &a, const std::vector<float> &b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, (double)std::fabs(a[i] - b[i]));
  return d;
}

class BaseLogprobsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BaseLogprobsTest, LeavesTheLoraAdapterOutForOneCall) {
  tf_model *model = nullptr;
  tf_load_options opt{"cpu", 2};
  ASSERT_EQ(tf_model_load((kRoot + "/tools/tiny-model/models/" + GetParam()).c_str(), &opt, &model), TF_OK)
      << tf_last_error();
  // Two sequences of different lengths, so offsets matter.
  const std::vector<int32_t> tokens{5, 17, 42, 8, 99, 23, 61, 7, 11, 300, 12, 13, 14, 15};
  const std::vector<int32_t> offsets{0, 9, 14};
  const std::vector<float> before = logprobs(model, tokens, offsets, false);
  // No adapter yet: the base pass is the plain pass.
  EXPECT_EQ(max_diff(logprobs(model, tokens, offsets, true), before), 0.0);

  tf_trainer *trainer = nullptr;
  const tf_train_config cfg = lora_config();
  ASSERT_EQ(tf_trainer_create(model, &cfg, &trainer), TF_OK) << tf_last_error();
  const std::string init = kRoot + "/tools/parity/golden/" + GetParam() + "/lora.safetensors";
  ASSERT_EQ(tf_trainer_load_adapter(trainer, init.c_str(), "init."), TF_OK) << tf_last_error();

  const std::vector<float> adapted = logprobs(model, tokens, offsets, false);
  EXPECT_GT(max_diff(adapted, before), 1e-3) << "the LoRA init must move the log-probs for this test to mean anything";
  EXPECT_EQ(max_diff(logprobs(model, tokens, offsets, true), before), 0.0);
  // The adapter is back for the next call.
  EXPECT_EQ(max_diff(logprobs(model, tokens, offsets, false), adapted), 0.0);
  // A refused call (decreasing offsets) restores it too.
  const std::vector<int32_t> bad{0, 9, 4};
  std::vector<float> out(tokens.size());
  EXPECT_EQ(tf_model_token_logprobs_base(model, tokens.data(), bad.data(), 2, out.data()), TF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(max_diff(logprobs(model, tokens, offsets, false), adapted), 0.0);

  tf_trainer_free(trainer);
  tf_model_free(model);
}

INSTANTIATE_TEST_SUITE_P(TinyModels, BaseLogprobsTest, ::testing::Values("tiny-llama", "tiny-qwen2"));

}  // namespace

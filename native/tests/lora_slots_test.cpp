// Multi-LoRA serving: adapters in slots beside an unmerged base, each sequence of a session decoding with its
// own slot (or the base), must give its merged model's greedy tokens, with log-probs within float noise.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fsutil.h"
#include "session_util.h"
#include "tuneforge_lora_slots.h"

namespace {

namespace fs = std::filesystem;
using namespace tfs;

std::string temp_dir(const std::string &name) {
  const fs::path p = fs::temp_directory_path() / ("tf-lora-slots-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p.string();
}

struct AdapterSpec {
  int rank, targets;
  float alpha;
  uint64_t seed;
};

// Trains a few LoRA steps (large learning rate, so the adapter moves the model) and saves the adapter; the
// model is left with the adapter merged.
void train_and_save(tf_model *m, const AdapterSpec &spec, const std::string &dir) {
  tf_train_config c{};
  c.mode = TF_MODE_LORA;
  c.lora_rank = spec.rank;
  c.lora_alpha = spec.alpha;
  c.lora_targets = spec.targets;
  c.lr = 5e-2f;
  c.beta1 = 0.9f;
  c.beta2 = 0.99f;
  c.eps = 1e-8f;
  c.max_grad_norm = 1.0f;
  c.schedule = TF_SCHEDULE_CONSTANT;
  c.total_steps = 10;
  c.seed = spec.seed;
  tf_trainer *t = nullptr;
  ASSERT_EQ(tf_trainer_create(m, &c, &t), TF_OK) << tf_last_error();
  const int B = 2, T = 16;
  std::vector<int32_t> ids, labels;
  for (int b = 0; b < B; ++b)
    for (int i = 0; i < T; ++i) {
      ids.push_back((int32_t)((b * 131 + i * (17 + spec.seed) + 5) % 200));
      labels.push_back(i == 0 ? -100 : ids.back());
    }
  for (int s = 0; s < 6; ++s) {
    ASSERT_EQ(tf_trainer_accumulate(t, ids.data(), labels.data(), nullptr, B, T, nullptr), TF_OK) << tf_last_error();
    tf_step_result r{};
    ASSERT_EQ(tf_trainer_step(t, &r), TF_OK) << tf_last_error();
  }
  tf_trainer_free(t);
  ASSERT_EQ(tf_model_save_adapter(m, "tiny", nullptr, dir.c_str()), TF_OK) << tf_last_error();
  ASSERT_EQ(tf_model_merge_adapter(m), TF_OK) << tf_last_error();
}

int32_t add_slot(tf_session *s, const Request &r, int32_t slot) {
  const tf_sequence_options o = r.sequence_options();
  int32_t id = -1;
  EXPECT_EQ(tf_session_add_slot(s, r.prompt.data(), (int)r.prompt.size(), &o, slot, &id), TF_OK) << tf_last_error();
  return id;
}

class LoraSlots : public ::testing::TestWithParam<std::string> {};

TEST_P(LoraSlots, EachSequenceGivesItsMergedModelsGreedyTokens) {
  const std::string base_dir = GetParam();
  const AdapterSpec specs[2] = {{4, TF_LORA_Q | TF_LORA_V | TF_LORA_DOWN, 8.0f, 1},
                                {8, TF_LORA_Q | TF_LORA_K | TF_LORA_V | TF_LORA_O | TF_LORA_GATE | TF_LORA_UP |
                                        TF_LORA_DOWN,
                                 16.0f, 2}};
  const std::string dirs[2] = {temp_dir("a"), temp_dir("b")};
  std::vector<Request> prompts(2);
  prompts[0].prompt = {1, 5, 9, 42, 17};
  prompts[1].prompt = {3, 77, 120, 8};
  for (auto &r : prompts) r.max_new_tokens = 40;

  // The merged models' answers, each alone.
  std::vector<std::vector<Result>> merged(2);
  for (int k = 0; k < 2; ++k) {
    tf_model *m = load(base_dir);
    train_and_save(m, specs[k], dirs[k]);
    for (const auto &r : prompts) merged[k].push_back(solo(m, r));
    tf_model_free(m);
  }
  tf_model *base = load(base_dir);
  std::vector<Result> plain;
  for (const auto &r : prompts) plain.push_back(solo(base, r));

  int32_t slot = -1;
  ASSERT_EQ(tf_model_add_lora_slot(base, dirs[0].c_str(), &slot), TF_OK) << tf_last_error();
  EXPECT_EQ(slot, 1);
  ASSERT_EQ(tf_model_add_lora_slot(base, dirs[1].c_str(), &slot), TF_OK) << tf_last_error();
  EXPECT_EQ(slot, 2);
  int64_t bytes = 0;
  ASSERT_EQ(tf_model_lora_slot_bytes(base, 2, &bytes), TF_OK);
  EXPECT_GT(bytes, 0);
  EXPECT_EQ(tf_model_lora_slot_bytes(base, 3, &bytes), TF_ERR_INVALID_ARGUMENT);

  // Every (prompt, slot) pair in one session, batched together: slot 0 is the base.
  tf_session *s = open(base, 7, 64);
  struct Entry {
    int prompt, slot;
    int32_t id;
  };
  std::vector<Entry> entries;
  for (int slot_id : {1, 2, 0})
    for (int p = 0; p < 2; ++p) entries.push_back({p, slot_id, add_slot(s, prompts[p], slot_id)});
  const Request &r0 = prompts[0];
  const tf_sequence_options o = r0.sequence_options();
  int32_t bad = -1;
  EXPECT_EQ(tf_session_add_slot(s, r0.prompt.data(), (int)r0.prompt.size(), &o, 3, &bad), TF_ERR_INVALID_ARGUMENT);
  auto results = drive(s, 7);
  tf_session_free(s);

  int differ = 0;
  for (const Entry &e : entries) {
    const Result &want = e.slot == 0 ? plain[e.prompt] : merged[e.slot - 1][e.prompt];
    const Result &got = results[e.id];
    ASSERT_GE(got.tokens.size(), 32u);
    EXPECT_EQ(got.tokens, want.tokens) << "prompt " << e.prompt << " slot " << e.slot;
    ASSERT_EQ(got.logprobs.size(), want.logprobs.size());
    float worst = 0;
    for (size_t i = 0; i < got.logprobs.size(); ++i) worst = std::max(worst, std::fabs(got.logprobs[i] - want.logprobs[i]));
    EXPECT_LT(worst, 1e-3f) << "prompt " << e.prompt << " slot " << e.slot;
    std::printf("prompt %d slot %d: %zu tokens equal, max |logprob - merged| %.2e\n", e.prompt, e.slot,
                got.tokens.size(), worst);
    if (e.slot != 0 && got.tokens != plain[e.prompt].tokens) ++differ;
  }
  // The adapters change the answers (otherwise the comparison says little).
  EXPECT_GE(differ, 2);
  tf_model_free(base);
  for (const auto &d : dirs) fs::remove_all(d);
}

INSTANTIATE_TEST_SUITE_P(Models, LoraSlots, ::testing::Values(kLlama, kQwen3),
                         [](const auto &info) { return info.param == kLlama ? "tiny_llama" : "tiny_qwen3"; });

TEST(LoraSlotsRefusals, GrownVocabulariesAndOwnAdaptersAreRefused) {
  const std::string dir = temp_dir("grown");
  tf_model *m = load(kLlama);
  ASSERT_EQ(tf_model_add_tokens(m, 2), TF_OK);
  train_and_save(m, {4, TF_LORA_Q, 8.0f, 3}, dir);
  tf_model_free(m);
  tf_model *base = load(kLlama);
  int32_t slot = -1;
  EXPECT_EQ(tf_model_add_lora_slot(base, dir.c_str(), &slot), TF_ERR_UNSUPPORTED);
  tf_model_free(base);
  // A base with its own adapter attached cannot hold slots.
  const std::string plain_dir = temp_dir("plain");
  m = load(kLlama);
  train_and_save(m, {4, TF_LORA_Q, 8.0f, 4}, plain_dir);
  tf_model_free(m);
  base = load(kLlama);
  ASSERT_EQ(tf_model_load_adapter(base, plain_dir.c_str()), TF_OK) << tf_last_error();
  EXPECT_EQ(tf_model_add_lora_slot(base, plain_dir.c_str(), &slot), TF_ERR_STATE);
  tf_model_free(base);
  fs::remove_all(dir);
  fs::remove_all(plain_dir);
}

}  // namespace

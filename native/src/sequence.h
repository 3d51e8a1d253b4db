// One sequence being decoded: its prompt's KV cache, its sampling options and random stream, the tokens
// chosen so far, and when it is done (stop sequence or length). Sessions hold many; tf_generate is a
// session whose sequences share one random stream.
#pragma once
#include <cstdint>
#include <vector>

#include "kv_cache.h"
#include "rng.h"
#include "sampling.h"
#include "tuneforge.h"

namespace tf {

// Validated copy of a sequence's tf_generate_options (stop sequences included) and its top-logprob count.
struct SequenceOptions {
  SamplingParams sampling;
  uint64_t seed = 0;
  int max_new_tokens = 0;
  std::vector<std::vector<int32_t>> stops;
  int top_logprobs = 0;
  int32_t slot = 0;  // the LoRA slot it decodes with (lora_slots.h); 0: the base alone

  // Throws TF_ERR_INVALID_ARGUMENT naming the first bad field.
  static SequenceOptions from(const tf_generate_options &o, int top_logprobs, int vocab);
};

// What one step decided for one sequence.
struct TokenChoice {
  int32_t token = 0;
  float logprob = 0.0f;  // log softmax of the raw logits (before temperature and filters)
  std::vector<TokenLogprob> top;
  int finish = TF_FINISH_NONE;
  // Trailing tokens, this one included, that the completion does not (yet) hold: a partial match of a
  // stop sequence, or on TF_FINISH_STOP the matched stop sequence itself (removed from the completion).
  int held = 0;
};

class Sequence {
 public:
  // max_context bounds prompt + generated tokens; shared_rng (may be null) replaces the sequence's own
  // Rng(seed), so that tf_generate's rows draw from one stream in row order as they always have.
  Sequence(int32_t id, const std::vector<int32_t> &prompt, SequenceOptions options, const Ops &ops, int layers,
           int kv_row, int max_context, Rng *shared_rng);

  int32_t id() const { return id_; }
  bool finished() const { return finish_ != TF_FINISH_NONE; }
  // True when the last chosen token still has to go through the model before the next choice;
  // decoded() says it has, and logits() now predict the token after it.
  bool needs_decode() const { return pending_; }
  void decoded() { pending_ = false; }
  int32_t last_token() const { return tokens_.back(); }
  KvCache &cache() { return cache_; }
  const KvCache &cache() const { return cache_; }
  const std::vector<int32_t> &prompt() const { return prompt_; }
  int32_t slot() const { return options_.slot; }
  // The next token's logits [vocab] in host memory (sampling reads them there), copied from the device by the
  // prefill or the last decoding step.
  std::vector<float> &logits() { return logits_; }

  // Chooses the next token from logits(), records it, and decides whether the sequence is done.
  TokenChoice choose();

 private:
  int held_by_partial_stop() const;

  int32_t id_;
  std::vector<int32_t> prompt_;
  SequenceOptions options_;
  int max_new_;  // max_new_tokens, clamped to what max_context leaves after the prompt
  KvCache cache_;
  Rng own_rng_;
  Rng *rng_;
  std::vector<float> logits_;
  std::vector<int32_t> tokens_;
  int finish_ = TF_FINISH_NONE;
  bool pending_ = false;
};

}  // namespace tf

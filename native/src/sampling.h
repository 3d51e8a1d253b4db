// Choosing the next token from one row of logits, and the log-probabilities reported with it.
// Shared by tf_generate and decode sessions (both go through Sequence::choose). Sampling runs on the host: the
// row is in host memory, copied from the backend by an explicit copy_d2h of that one row (session.cpp, decode.cpp).
#pragma once
#include <cstdint>
#include <vector>

#include "rng.h"

namespace tf {

struct SamplingParams {
  float temperature = 0.0f;  // <= 0: greedy
  int top_k = 0;             // 0: off
  float top_p = 1.0f;        // >= 1 (or <= 0): off
};

struct TokenLogprob {
  int32_t token;
  float logprob;
};

// log softmax of one row of raw logits (no temperature), computed once per row.
class LogSoftmax {
 public:
  LogSoftmax(const float *logits, int vocab);
  float at(int token) const { return (float)((double)(logits_[token] - max_) - log_sum_); }

 private:
  const float *logits_;
  float max_;
  double log_sum_;
};

// Greedy (ties to the lowest id, as torch.argmax) or a draw from the temperature-scaled
// distribution restricted by top-k, then top-p; a draw takes one number from rng.
int sample_token(const float *logits, int vocab, const SamplingParams &params, Rng &rng);

// The n most likely tokens, highest first (ties by id), with their log-probabilities.
std::vector<TokenLogprob> top_logprobs(const float *logits, int vocab, int n, const LogSoftmax &lsm);

}  // namespace tf

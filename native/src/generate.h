// Whole-batch generation (tf_generate: a Session run to the end) and teacher-forced token log-probabilities.
#pragma once
#include <vector>

#include "model.h"
#include "tuneforge.h"

namespace tf {

struct Generation {
  std::vector<int32_t> tokens;
  std::vector<float> logprobs;
  int finish = TF_FINISH_LENGTH;
};

std::vector<Generation> generate(Model &model, const std::vector<std::vector<int32_t>> &prompts,
                                 const tf_generate_options &options);

// out[t] = log p(seq[t] | seq[<t]) for t >= 1; out[0] = 0. greedy (may be null) gets, per t, whether seq[t]
// is the argmax of the logits at t-1 (ties to the lowest id).
std::vector<float> token_logprobs(Model &model, const std::vector<int32_t> &seq, std::vector<uint8_t> *greedy = nullptr);

}  // namespace tf

// Cross-entropy of the LM head with a weight per token: the loss (and gradient) of
// sum_t w_t * NLL_t. Preference training (DPO) is a per-token weighted NLL gradient
// (see Trainer::accumulate_weighted); an all-ones weight vector is plain SFT.
#pragma once
#include <cstdint>
#include <vector>

#include "model.h"
#include "transformer.h"

namespace tf {

// Like head_loss_backward, with weights[i] scaling row i's loss and gradient (rows whose target is
// negative count for nothing). Returns sum_i w_i * NLL_i. logprob_out (may be null): log p(target_i)
// for each counted row (0 elsewhere), from the same logits.
double head_weighted_loss_backward(Model &model, Pass &pass, const int32_t *targets, const float *weights,
                                   std::vector<float> &dhf, float *logprob_out, size_t max_logits = 16u << 20);

// Per row i: w * (softmax(x_i) - onehot(target_i)) into dx, and log p(target_i) into logprob. A row with a
// negative target gets a zero gradient and logprob 0. Returns sum_i w_i * NLL_i (rows summed in order).
double weighted_cross_entropy(const float *logits, const int32_t *targets, const float *weights, int n, int vocab,
                              float *dlogits, float *logprob);

}  // namespace tf

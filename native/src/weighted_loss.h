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
// for each counted row (0 elsewhere), from the same logits. targets, weights and logprob_out are [tokens] in
// device memory; the per-row loss is the table's weighted_cross_entropy.
double head_weighted_loss_backward(Model &model, Pass &pass, const int32_t *targets, const float *weights,
                                   FloatBuffer &dhf, float *logprob_out, size_t max_logits = 16u << 20);

}  // namespace tf

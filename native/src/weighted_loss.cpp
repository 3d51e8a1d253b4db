#include "weighted_loss.h"

#include <algorithm>

namespace tf {

double head_weighted_loss_backward(Model &model, Pass &pass, const int32_t *targets, const float *weights,
                                   FloatBuffer &dhf, float *logprob_out, size_t max_logits) {
  const Ops &ops = *model.ops;
  const int n = pass.tokens(), D = model.config.hidden_size, V = model.config.vocab_size;
  const float *w = model.lm_head->data.data();
  const int rows = (int)std::max<size_t>(1, std::min<size_t>(n, max_logits / V));
  dhf.reset(ops, (size_t)n * D);
  dhf.zero();
  FloatBuffer logits(ops, (size_t)rows * V);
  double loss = 0.0;
  for (int r0 = 0; r0 < n; r0 += rows) {
    const int m = std::min(rows, n - r0);
    const float *h = pass.hf.data() + (size_t)r0 * D;
    ops.gemm(false, true, m, V, D, 1.0f, h, D, w, D, 0.0f, logits.data(), V);
    loss += ops.weighted_cross_entropy(logits.data(), targets + r0, weights + r0, m, V, logits.data(),
                                   logprob_out ? logprob_out + r0 : nullptr);
    ops.gemm(false, false, m, D, V, 1.0f, logits.data(), V, w, D, 0.0f, dhf.data() + (size_t)r0 * D, D);
    if (!model.lm_head->grad.empty())
      ops.gemm(true, false, V, D, m, 1.0f, logits.data(), V, h, D, 1.0f, model.lm_head->grad.data(), D);
  }
  return loss;
}

}  // namespace tf

#include "weighted_loss.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace tf {

double weighted_cross_entropy(const float *logits, const int32_t *targets, const float *weights, int n, int vocab,
                              float *dlogits, float *logprob) {
  std::vector<double> row_loss(n, 0.0);
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; ++i) {
    const float *x = logits + (int64_t)i * vocab;
    float *dx = dlogits + (int64_t)i * vocab;
    if (targets[i] < 0) {
      std::memset(dx, 0, sizeof(float) * vocab);
      if (logprob) logprob[i] = 0.0f;
      continue;
    }
    float mx = x[0];
    for (int c = 1; c < vocab; ++c) mx = x[c] > mx ? x[c] : mx;
    double sum = 0.0;
    for (int c = 0; c < vocab; ++c) sum += std::exp((double)(x[c] - mx));
    const double lse = mx + std::log(sum);
    const double nll = lse - x[targets[i]];
    const float w = weights[i];
    row_loss[i] = w * nll;
    if (logprob) logprob[i] = (float)-nll;
    for (int c = 0; c < vocab; ++c) dx[c] = w * (float)std::exp((double)x[c] - lse);
    dx[targets[i]] -= w;
  }
  // Summed serially so the total does not depend on the thread count.
  double total = 0.0;
  for (int i = 0; i < n; ++i) total += row_loss[i];
  return total;
}

double head_weighted_loss_backward(Model &model, Pass &pass, const int32_t *targets, const float *weights,
                                   std::vector<float> &dhf, float *logprob_out, size_t max_logits) {
  const Ops &ops = *model.ops;
  const int n = pass.tokens(), D = model.config.hidden_size, V = model.config.vocab_size;
  const float *w = model.lm_head->data.data();
  const int rows = (int)std::max<size_t>(1, std::min<size_t>(n, max_logits / V));
  dhf.assign((size_t)n * D, 0.0f);
  std::vector<float> logits((size_t)rows * V);
  double loss = 0.0;
  for (int r0 = 0; r0 < n; r0 += rows) {
    const int m = std::min(rows, n - r0);
    const float *h = pass.hf.data() + (size_t)r0 * D;
    ops.gemm(false, true, m, V, D, 1.0f, h, D, w, D, 0.0f, logits.data(), V);
    loss += weighted_cross_entropy(logits.data(), targets + r0, weights + r0, m, V, logits.data(),
                                   logprob_out ? logprob_out + r0 : nullptr);
    ops.gemm(false, false, m, D, V, 1.0f, logits.data(), V, w, D, 0.0f, dhf.data() + (size_t)r0 * D, D);
    if (!model.lm_head->grad.empty())
      ops.gemm(true, false, V, D, m, 1.0f, logits.data(), V, h, D, 1.0f, model.lm_head->grad.data(), D);
  }
  return loss;
}

}  // namespace tf

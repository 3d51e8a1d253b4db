// Cross-entropy with a weight per row (preference and reinforcement training: a per-token weighted NLL
// gradient), its gradient and each row's log-probability, from one pass over the logits.
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels.h"

namespace tf::cpu {

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

}  // namespace tf::cpu

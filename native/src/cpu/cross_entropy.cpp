#include <cmath>
#include <cstring>
#include <vector>

#include "kernels.h"

namespace tf::cpu {

// Per-row losses are summed serially afterwards so the total is independent of threads.
double cross_entropy(const float *logits, const int32_t *targets, int n, int vocab, float *dlogits, float grad_scale) {
  std::vector<double> row_loss(n, 0.0);
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; ++i) {
    const float *x = logits + (int64_t)i * vocab;
    float *dx = dlogits ? dlogits + (int64_t)i * vocab : nullptr;
    if (targets[i] < 0) {
      if (dx) std::memset(dx, 0, sizeof(float) * vocab);
      continue;
    }
    float mx = x[0];
    for (int c = 1; c < vocab; ++c) mx = x[c] > mx ? x[c] : mx;
    double sum = 0.0;
    for (int c = 0; c < vocab; ++c) sum += std::exp((double)(x[c] - mx));
    const double lse = mx + std::log(sum);
    row_loss[i] = lse - x[targets[i]];
    if (dx) {
      for (int c = 0; c < vocab; ++c) dx[c] = grad_scale * (float)std::exp((double)x[c] - lse);
      dx[targets[i]] -= grad_scale;
    }
  }
  double total = 0.0;
  for (int i = 0; i < n; ++i) total += row_loss[i];
  return total;
}

}  // namespace tf::cpu

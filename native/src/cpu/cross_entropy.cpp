#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "vec.h"

namespace tf::cpu {

namespace {

// One row: its max and sum of exp(x - max); when dx is non-null (it may be x) it receives exp(x - max).
// The sum goes over blocks of 1024 (16 float lanes each, added to a double in order): vectorized, and the same
// order whichever clone runs.
TF_CLONES double row_sum_exp(const float *x, int vocab, float *dx, float &max_out) {
  const float mx = lanes_max(x, vocab);
  constexpr int kBlock = 1024;
  float e[kBlock];
  double sum = 0.0;
  for (int c0 = 0; c0 < vocab; c0 += kBlock) {
    const int len = std::min(kBlock, vocab - c0);
    for (int i = 0; i < len; ++i) e[i] = vexp(x[c0 + i] - mx);
    float lane[kLanes] = {};
    int i = 0;
    for (; i + kLanes <= len; i += kLanes)
      for (int l = 0; l < kLanes; ++l) lane[l] += e[i + l];
    double block = 0.0;
    for (int l = 0; l < kLanes; ++l) block += lane[l];
    for (; i < len; ++i) block += e[i];
    sum += block;
    if (dx) std::memcpy(dx + c0, e, sizeof(float) * len);
  }
  max_out = mx;
  return sum;
}

TF_CLONES void scale_row(float *dx, int vocab, float s) {
  for (int c = 0; c < vocab; ++c) dx[c] *= s;
}

}  // namespace

// Whether `target` is the row's argmax (ties to the lowest id): its logit is the max, and no lower id has it.
static bool is_greedy(const float *x, int target, float mx) {
  if (x[target] < mx) return false;
  for (int j = 0; j < target; ++j)
    if (x[j] >= mx) return false;
  return true;
}

// Per-row losses are summed serially afterwards so the total is independent of threads.
double cross_entropy(const float *logits, const int32_t *targets, int n, int vocab, float *dlogits, float grad_scale,
                     int64_t *hits) {
  std::vector<double> row_loss(n, 0.0);
  std::vector<uint8_t> row_hit(hits ? n : 0, 0);
#pragma omp parallel for schedule(static) if ((int64_t)n * vocab >= kParallelMin)
  for (int i = 0; i < n; ++i) {
    const float *x = logits + (int64_t)i * vocab;
    float *dx = dlogits ? dlogits + (int64_t)i * vocab : nullptr;
    if (targets[i] < 0) {
      if (dx) std::memset(dx, 0, sizeof(float) * vocab);
      continue;
    }
    const float target_logit = x[targets[i]];  // dx may alias x
    // Before row_sum_exp: it overwrites x when dx aliases it.
    if (hits) row_hit[i] = is_greedy(x, targets[i], lanes_max(x, vocab));
    float mx;
    const double sum = row_sum_exp(x, vocab, dx, mx);
    row_loss[i] = (double)mx + std::log(sum) - target_logit;
    if (dx) {
      scale_row(dx, vocab, (float)(grad_scale / sum));  // softmax = exp(x - max) / sum
      dx[targets[i]] -= grad_scale;
    }
  }
  double total = 0.0;
  for (int i = 0; i < n; ++i) total += row_loss[i];
  if (hits)
    for (int i = 0; i < n; ++i) *hits += row_hit[i];
  return total;
}

}  // namespace tf::cpu

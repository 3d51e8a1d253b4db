// Row-wise log-softmax consumers computed as the CPU computes them (max in f32, sum of exp in f64): the weighted
// cross-entropy of preference and reinforcement training (loss, gradient in place, each row's log-probability),
// and teacher-forced scoring (the target's log-probability and whether it is the greedy choice). One block per
// row; per-row losses go back to the host and are added in row order.
#include <vector>

#include "common.cuh"
#include "kernels.h"

namespace tf::cuda {

namespace {

constexpr int kThreads = 256;

struct RowStats {
  float mx;
  double log_sum;  // log of sum exp(x - mx)
  int first_max;   // lowest id holding the max
};

// Every thread gets the stats; the barriers inside order all reads of x before the caller's writes.
__device__ RowStats row_stats(const float *x, int vocab) {
  float mx = -INFINITY;
  for (int c = threadIdx.x; c < vocab; c += blockDim.x) mx = fmaxf(mx, x[c]);
  mx = block_max(mx);
  double sum = 0.0;
  int first = INT_MAX;
  for (int c = threadIdx.x; c < vocab; c += blockDim.x) {
    sum += exp((double)(x[c] - mx));
    if (x[c] >= mx && c < first) first = c;
  }
  first = block_min_index(first);
  sum = block_sum(sum);
  return {mx, log(sum), first};
}

__global__ void weighted_kernel(const float *logits, const int32_t *targets, const float *weights, int vocab,
                                float *dlogits, float *logprob, double *row_loss) {
  const int64_t row = blockIdx.x;
  const float *x = logits + row * vocab;
  float *dx = dlogits + row * vocab;
  const int t = targets[row];
  if (t < 0) {
    for (int c = threadIdx.x; c < vocab; c += blockDim.x) dx[c] = 0.0f;
    if (threadIdx.x == 0) {
      if (logprob) logprob[row] = 0.0f;
      row_loss[row] = 0.0;
    }
    return;
  }
  const float xt = x[t];
  const RowStats st = row_stats(x, vocab);
  const double lse = st.mx + st.log_sum, nll = lse - xt;
  const float w = weights[row];
  if (threadIdx.x == 0) {
    row_loss[row] = w * nll;
    if (logprob) logprob[row] = (float)-nll;
  }
  for (int c = threadIdx.x; c < vocab; c += blockDim.x) {
    float g = w * (float)exp((double)x[c] - lse);
    if (c == t) g -= w;
    dx[c] = g;
  }
}

__global__ void target_kernel(const float *logits, const int32_t *targets, int vocab, float *logprob,
                              uint8_t *greedy) {
  const int64_t row = blockIdx.x;
  const int t = targets[row];
  if (t < 0) {
    if (threadIdx.x == 0) {
      logprob[row] = 0.0f;
      greedy[row] = 0;
    }
    return;
  }
  const float *x = logits + row * vocab;
  const RowStats st = row_stats(x, vocab);
  if (threadIdx.x == 0) {
    logprob[row] = (float)((double)(x[t] - st.mx) - st.log_sum);  // sampling.h's LogSoftmax::at
    greedy[row] = st.first_max == t;
  }
}

}  // namespace

double weighted_cross_entropy(const float *logits, const int32_t *targets, const float *weights, int n, int vocab,
                              float *dlogits, float *logprob) {
  if (n <= 0) return 0.0;
  Scratch<double> loss(n);
  weighted_kernel<<<n, kThreads, 0, kStream>>>(logits, targets, weights, vocab, dlogits, logprob, loss.get());
  TF_CUDA_LAUNCHED(weighted_kernel);
  double total = 0.0;
  for (double l : loss.download()) total += l;
  return total;
}

void target_logprobs(const float *logits, const int32_t *targets, int n, int vocab, float *logprob, uint8_t *greedy) {
  if (n <= 0) return;
  target_kernel<<<n, kThreads, 0, kStream>>>(logits, targets, vocab, logprob, greedy);
  TF_CUDA_LAUNCHED(target_kernel);
}

}  // namespace tf::cuda

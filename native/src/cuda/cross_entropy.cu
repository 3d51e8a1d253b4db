// Cross-entropy over rows of logits with the gradient written in place (dlogits may be logits): one block per row
// reads the row for its max, its sum of exp(x - max) and its greedy id, then writes softmax * grad_scale, minus
// grad_scale at the target. The caller runs it on chunks of rows right after the LM head's GEMM into one chunk
// buffer, so the full [tokens x vocab] logits never exist (the chunked fused linear + cross-entropy).
// Per-row losses and hits go back to the host and are added in row order: the total does not depend on timing.
#include <vector>

#include "common.cuh"
#include "kernels.h"

namespace tf::cuda {

namespace {

constexpr int kThreads = 512;

__global__ void cross_entropy_kernel(const float *logits, const int32_t *targets, int vocab, float *dlogits,
                                     float grad_scale, double *row_loss, uint8_t *row_hit) {
  const int64_t row = blockIdx.x;
  const float *x = logits + row * vocab;
  float *dx = dlogits ? dlogits + row * vocab : nullptr;
  const int target = targets[row];
  if (target < 0) {
    if (dx)
      for (int c = threadIdx.x; c < vocab; c += blockDim.x) dx[c] = 0.0f;
    if (threadIdx.x == 0) {
      row_loss[row] = 0.0;
      row_hit[row] = 0;
    }
    return;
  }
  const float target_logit = x[target];  // read by every thread before any write: dx may alias x
  float mx = -INFINITY;
  for (int c = threadIdx.x; c < vocab; c += blockDim.x) mx = fmaxf(mx, x[c]);
  mx = block_max(mx);
  int first_max = INT_MAX;
  double sum = 0.0;
  for (int c = threadIdx.x; c < vocab; c += blockDim.x) {
    const float v = x[c];
    if (v >= mx && c < first_max) first_max = c;
    sum += (double)expf(v - mx);
  }
  first_max = block_min_index(first_max);
  sum = block_sum(sum);  // its barriers also order every read of x above before the writes below
  if (threadIdx.x == 0) {
    row_loss[row] = (double)mx + log(sum) - (double)target_logit;
    row_hit[row] = first_max == target;  // greedy prediction: argmax, ties to the lowest id as torch.argmax
  }
  if (!dx) return;
  const float s = (float)(grad_scale / sum);
  for (int c = threadIdx.x; c < vocab; c += blockDim.x) {
    float g = expf(x[c] - mx) * s;
    if (c == target) g -= grad_scale;
    dx[c] = g;
  }
}

}  // namespace

double cross_entropy(const float *logits, const int32_t *targets, int n, int vocab, float *dlogits, float grad_scale,
                     int64_t *hits) {
  if (n <= 0) return 0.0;
  Scratch<double> loss(n);
  Scratch<uint8_t> hit(n);
  cross_entropy_kernel<<<n, kThreads, 0, kStream>>>(logits, targets, vocab, dlogits, grad_scale, loss.get(),
                                                     hit.get());
  TF_CUDA_LAUNCHED(cross_entropy_kernel);
  double total = 0.0;
  for (double l : loss.download()) total += l;
  if (hits)
    for (uint8_t h : hit.download()) *hits += h;
  return total;
}

}  // namespace tf::cuda

// Rotary embeddings in place, "rotate_half" layout (element f pairs with f + head_dim/2), angle float(pos) *
// inv_freq in f32 as transformers computes it; backward is the inverse rotation. One thread per pair.
#include "common.cuh"
#include "kernels.h"

namespace tf::cuda {

namespace {

__global__ void rope_kernel(float *x, const int32_t *pos, int n, int heads, int head_dim, const float *inv_freq,
                            float sign) {
  const int half = head_dim / 2;
  const int64_t pairs = (int64_t)n * heads * half;
  for (int64_t p = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; p < pairs; p += (int64_t)gridDim.x * blockDim.x) {
    const int f = (int)(p % half);
    const int64_t row_head = p / half;  // i * heads + h
    const int i = (int)(row_head / heads);
    float sn, cs;
    sincosf((float)pos[i] * inv_freq[f], &sn, &cs);  // full-precision sincosf, not __sincosf
    sn *= sign;
    float *xh = x + row_head * head_dim;
    const float a = xh[f], b = xh[f + half];
    xh[f] = a * cs - b * sn;
    xh[f + half] = b * cs + a * sn;
  }
}

void rotate(float *x, const int32_t *pos, int n, int heads, int head_dim, const float *inv_freq, float sign) {
  const int64_t pairs = (int64_t)n * heads * (head_dim / 2);
  if (pairs <= 0) return;
  rope_kernel<<<blocks_for(pairs, 256), 256, 0, kStream>>>(x, pos, n, heads, head_dim, inv_freq, sign);
  TF_CUDA_LAUNCHED(rope_kernel);
}

}  // namespace

void rope_forward(float *x, const int32_t *pos, int n, int heads, int head_dim, const float *inv_freq) {
  rotate(x, pos, n, heads, head_dim, inv_freq, 1.0f);
}

void rope_backward(float *dx, const int32_t *pos, int n, int heads, int head_dim, const float *inv_freq) {
  rotate(dx, pos, n, heads, head_dim, inv_freq, -1.0f);
}

}  // namespace tf::cuda

// Elementwise ops and plain reductions: add, add_bias, mul, scale, SwiGLU (one pass reading gate and up, writing the product),
// the bias gradient and a sum of squares. Reductions are deterministic: each output is summed by one thread or
// one block in a fixed order, never with atomics.
#include <vector>

#include "column_sums.cuh"
#include "common.cuh"
#include "kernels.h"

namespace tf::cuda {

namespace {

#define GRID_STRIDE(i, n) \
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); i += (int64_t)gridDim.x * blockDim.x)

__global__ void add_kernel(float *y, const float *x, int64_t n) {
  GRID_STRIDE(i, n) y[i] += x[i];
}

__global__ void add_bias_kernel(float *y, const float *b, int64_t total, int dim) {
  GRID_STRIDE(i, total) y[i] += b[i % dim];
}

__global__ void mul_kernel(const float *x, const float *y, int64_t n, float *out, bool accumulate) {
  GRID_STRIDE(i, n) {
    const float v = x[i] * y[i];
    out[i] = accumulate ? out[i] + v : v;
  }
}

__global__ void scale_kernel(float *x, int64_t n, float s) {
  GRID_STRIDE(i, n) x[i] *= s;
}

// expf (not __expf): within 2 ulp like the CPU's vexp, so the two backends agree to f32 rounding.
__global__ void swiglu_forward_kernel(const float *gate, const float *up, int64_t n, float *out) {
  GRID_STRIDE(i, n) {
    const float g = gate[i];
    out[i] = g / (1.0f + expf(-g)) * up[i];
  }
}

// d silu(g)/dg = sig(g) * (1 + g * (1 - sig(g)))
__global__ void swiglu_backward_kernel(const float *dout, const float *gate, const float *up, int64_t n,
                                       float *dgate, float *dup) {
  GRID_STRIDE(i, n) {
    const float g = gate[i], d = dout[i];
    const float sig = 1.0f / (1.0f + expf(-g));
    dgate[i] = d * up[i] * sig * (1.0f + g * (1.0f - sig));
    dup[i] = d * g * sig;
  }
}

struct BiasTerm {
  const float *dy;
  int dim;
  __device__ double operator()(int i, int c) const { return dy[(int64_t)i * dim + c]; }
};

constexpr int64_t kChunk = 1 << 14;

// One block per chunk of kChunk elements, summed in double; the host adds the chunks in order.
__global__ void sum_squares_kernel(const float *x, int64_t n, double *part) {
  const int64_t begin = blockIdx.x * kChunk, end = begin + kChunk < n ? begin + kChunk : n;
  double acc = 0.0;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) acc += (double)x[i] * x[i];
  acc = block_sum(acc);
  if (threadIdx.x == 0) part[blockIdx.x] = acc;
}

}  // namespace

void add(float *y, const float *x, int64_t n) {
  if (n <= 0) return;
  add_kernel<<<blocks_for(n, 256), 256, 0, kStream>>>(y, x, n);
  TF_CUDA_LAUNCHED(add_kernel);
}

void add_bias(float *y, const float *b, int n, int dim) {
  const int64_t total = (int64_t)n * dim;
  if (total <= 0) return;
  add_bias_kernel<<<blocks_for(total, 256), 256, 0, kStream>>>(y, b, total, dim);
  TF_CUDA_LAUNCHED(add_bias_kernel);
}

void mul(const float *x, const float *y, int64_t n, float *out) {
  if (n <= 0) return;
  mul_kernel<<<blocks_for(n, 256), 256, 0, kStream>>>(x, y, n, out, false);
  TF_CUDA_LAUNCHED(mul_kernel);
}

void mul_accumulate(const float *x, const float *y, int64_t n, float *out) {
  if (n <= 0) return;
  mul_kernel<<<blocks_for(n, 256), 256, 0, kStream>>>(x, y, n, out, true);
  TF_CUDA_LAUNCHED(mul_kernel);
}

void scale(float *x, int64_t n, float s) {
  if (n <= 0) return;
  scale_kernel<<<blocks_for(n, 256), 256, 0, kStream>>>(x, n, s);
  TF_CUDA_LAUNCHED(scale_kernel);
}

void swiglu_forward(const float *gate, const float *up, int64_t n, float *out) {
  if (n <= 0) return;
  swiglu_forward_kernel<<<blocks_for(n, 256), 256, 0, kStream>>>(gate, up, n, out);
  TF_CUDA_LAUNCHED(swiglu_forward_kernel);
}

void swiglu_backward(const float *dout, const float *gate, const float *up, int64_t n, float *dgate, float *dup) {
  if (n <= 0) return;
  swiglu_backward_kernel<<<blocks_for(n, 256), 256, 0, kStream>>>(dout, gate, up, n, dgate, dup);
  TF_CUDA_LAUNCHED(swiglu_backward_kernel);
}

void bias_backward(const float *dy, int n, int dim, float *db) {
  column_sums(n, dim, BiasTerm{dy, dim}, db);
}

double sum_squares(const float *x, int64_t n) {
  if (n <= 0) return 0.0;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  Scratch<double> part(chunks);
  sum_squares_kernel<<<(unsigned)chunks, 256, 0, kStream>>>(x, n, part.get());
  TF_CUDA_LAUNCHED(sum_squares_kernel);
  double total = 0.0;
  for (double p : part.download()) total += p;
  return total;
}

}  // namespace tf::cuda

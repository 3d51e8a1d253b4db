// RMSNorm: one block per row for the forward pass and the input gradient (the row's sum of squares and the
// dot(dy*w, x) reduction in double, as the CPU sums in double), and deterministic column sums (column_sums.cuh)
// for the weight gradient.
#include "column_sums.cuh"
#include "common.cuh"
#include "kernels.h"

namespace tf::cuda {

namespace {

constexpr int kThreads = 256;

__global__ void rmsnorm_forward_kernel(const float *x, const float *w, int dim, float eps, float *y, float *rstd) {
  const int64_t row = blockIdx.x;
  const float *xr = x + row * dim;
  double acc = 0.0;
  for (int c = threadIdx.x; c < dim; c += blockDim.x) acc += (double)xr[c] * xr[c];
  acc = block_sum(acc);
  const float r = 1.0f / sqrtf((float)(acc / dim) + eps);
  float *yr = y + row * dim;
  for (int c = threadIdx.x; c < dim; c += blockDim.x) yr[c] = w[c] * (xr[c] * r);
  if (threadIdx.x == 0) rstd[row] = r;
}

// dx += r * (dy*w - x * r * mean(dy*w*x*r))
__global__ void rmsnorm_backward_kernel(const float *dy, const float *x, const float *w, const float *rstd, int dim,
                                        float *dx) {
  const int64_t row = blockIdx.x;
  const float *dyr = dy + row * dim, *xr = x + row * dim;
  const float r = rstd[row];
  double acc = 0.0;
  for (int c = threadIdx.x; c < dim; c += blockDim.x) acc += (double)(dyr[c] * w[c]) * xr[c];
  acc = block_sum(acc);
  const float mean = (float)(acc * r / dim);
  float *dxr = dx + row * dim;
  for (int c = threadIdx.x; c < dim; c += blockDim.x) dxr[c] += r * (dyr[c] * w[c] - xr[c] * r * mean);
}

// dw[c] += sum_i dy[i][c] * x[i][c] * rstd[i] (the product dy*x in f32, as the CPU).
struct DwTerm {
  const float *dy, *x, *rstd;
  int dim;
  __device__ double operator()(int i, int c) const {
    const int64_t k = (int64_t)i * dim + c;
    return (double)(dy[k] * x[k]) * rstd[i];
  }
};

}  // namespace

void rmsnorm_forward(const float *x, const float *w, int n, int dim, float eps, float *y, float *rstd) {
  if (n <= 0) return;
  rmsnorm_forward_kernel<<<n, kThreads, 0, kStream>>>(x, w, dim, eps, y, rstd);
  TF_CUDA_LAUNCHED(rmsnorm_forward_kernel);
}

void rmsnorm_backward(const float *dy, const float *x, const float *w, const float *rstd, int n, int dim, float *dx,
                      float *dw) {
  if (n <= 0) return;
  rmsnorm_backward_kernel<<<n, kThreads, 0, kStream>>>(dy, x, w, rstd, dim, dx);
  TF_CUDA_LAUNCHED(rmsnorm_backward_kernel);
  if (!dw) return;
  column_sums(n, dim, DwTerm{dy, x, rstd, dim}, dw);
}

}  // namespace tf::cuda

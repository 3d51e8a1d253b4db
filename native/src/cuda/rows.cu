// Whole rows moved between matrices (gather, scatter-add of distinct rows, a decoding step's K/V rows into each
// sequence's cache) and a transpose (LoRA's rank-sized matrices).
#include <vector>

#include "common.cuh"
#include "kernels.h"

namespace tf::cuda {

namespace {

__global__ void gather_kernel(const float *src, const int32_t *rows, int64_t total, int dim, float *dst) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x)
    dst[i] = src[(int64_t)rows[i / dim] * dim + i % dim];
}

// Rows are distinct (backend.h), so no two threads add into one element.
__global__ void scatter_add_kernel(const float *src, const int32_t *rows, int64_t total, int dim, float *dst) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x)
    dst[(int64_t)rows[i / dim] * dim + i % dim] += src[i];
}

__global__ void transpose_kernel(const float *src, int rows, int cols, float *dst, bool accumulate) {
  const int64_t total = (int64_t)rows * cols;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t r = i / cols, c = i % cols;
    float &d = dst[c * rows + r];
    d = accumulate ? d + src[i] : src[i];
  }
}

}  // namespace

void gather_rows(const float *src, const int32_t *rows, int m, int dim, float *dst) {
  const int64_t total = (int64_t)m * dim;
  if (total <= 0) return;
  gather_kernel<<<blocks_for(total, 256), 256, 0, kStream>>>(src, rows, total, dim, dst);
  TF_CUDA_LAUNCHED(gather_kernel);
}

void scatter_add_rows(const float *src, const int32_t *rows, int m, int dim, float *dst) {
  const int64_t total = (int64_t)m * dim;
  if (total <= 0) return;
  scatter_add_kernel<<<blocks_for(total, 256), 256, 0, kStream>>>(src, rows, total, dim, dst);
  TF_CUDA_LAUNCHED(scatter_add_kernel);
}

// dst is a host list of device pointers: one device-to-device copy per sequence (n is the decoding batch).
void copy_rows_to(const float *src, int n, int64_t row, float *const *dst) {
  for (int i = 0; i < n; ++i)
    TF_CUDA_CHECK(cudaMemcpyAsync(dst[i], src + i * row, sizeof(float) * row, cudaMemcpyDeviceToDevice, kStream));
}

void transpose(const float *src, int rows, int cols, float *dst, bool accumulate) {
  const int64_t total = (int64_t)rows * cols;
  if (total <= 0) return;
  transpose_kernel<<<blocks_for(total, 256), 256, 0, kStream>>>(src, rows, cols, dst, accumulate);
  TF_CUDA_LAUNCHED(transpose_kernel);
}

}  // namespace tf::cuda

// Embedding lookup and its gradient. The gradient gives each thread one column and walks the rows in order, so
// repeated ids never race and sums keep row order (as the CPU kernel), without atomics.
#include "common.cuh"
#include "kernels.h"

namespace tf::cuda {

namespace {

__global__ void embedding_forward_kernel(const float *table, const int32_t *ids, int n, int dim, float *out) {
  const int64_t total = (int64_t)n * dim;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x)
    out[i] = table[(int64_t)ids[i / dim] * dim + i % dim];
}

__global__ void embedding_backward_kernel(const float *dout, const int32_t *ids, int n, int dim, float *dtable) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= dim) return;
  for (int i = 0; i < n; ++i) dtable[(int64_t)ids[i] * dim + c] += dout[(int64_t)i * dim + c];
}

}  // namespace

void embedding_forward(const float *table, const int32_t *ids, int n, int dim, float *out) {
  if (n <= 0 || dim <= 0) return;
  embedding_forward_kernel<<<blocks_for((int64_t)n * dim, 256), 256, 0, kStream>>>(table, ids, n, dim, out);
  TF_CUDA_LAUNCHED(embedding_forward_kernel);
}

void embedding_backward(const float *dout, const int32_t *ids, int n, int dim, float *dtable) {
  if (n <= 0 || dim <= 0) return;
  embedding_backward_kernel<<<(dim + 127) / 128, 128, 0, kStream>>>(dout, ids, n, dim, dtable);
  TF_CUDA_LAUNCHED(embedding_backward_kernel);
}

}  // namespace tf::cuda

// Deterministic sums over rows, per column: out[c] += sum_i term(i, c) for n rows. One thread per column over all
// rows would leave the GPU nearly idle (a few blocks, thousands of dependent loads each); here fixed chunks of rows
// are summed in parallel into f64 partials [chunks][dim], then each column adds its chunks in chunk order. The
// split depends only on n, so results repeat exactly from run to run. Used by the bias and RMSNorm weight
// gradients.
#pragma once
#include "common.cuh"

namespace tf::cuda {

constexpr int kColumnThreads = 128, kRowsPerChunk = 64;

template <class Term>
__global__ void column_partials(int n, int dim, Term term, double *partial) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= dim) return;
  const int r0 = blockIdx.y * kRowsPerChunk, r1 = min(n, r0 + kRowsPerChunk);
  double acc = 0.0;
  for (int i = r0; i < r1; ++i) acc += term(i, c);
  partial[(int64_t)blockIdx.y * dim + c] = acc;
}

// static: each .cu including this header gets its own copy (a non-template kernel in a header).
static __global__ void column_finish(const double *partial, int chunks, int dim, float *out) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= dim) return;
  double acc = 0.0;
  for (int k = 0; k < chunks; ++k) acc += partial[(int64_t)k * dim + c];
  out[c] += (float)acc;
}

// term(i, c) -> double, a __device__ callable copied by value into the kernel.
template <class Term>
void column_sums(int n, int dim, Term term, float *out) {
  if (n <= 0 || dim <= 0) return;
  const int chunks = (n + kRowsPerChunk - 1) / kRowsPerChunk;
  Scratch<double> partial((size_t)chunks * dim);
  const dim3 grid((dim + kColumnThreads - 1) / kColumnThreads, chunks);
  column_partials<<<grid, kColumnThreads, 0, kStream>>>(n, dim, term, partial.get());
  TF_CUDA_LAUNCHED(column_partials);
  column_finish<<<(dim + kColumnThreads - 1) / kColumnThreads, kColumnThreads, 0, kStream>>>(partial.get(), chunks,
                                                                                             dim, out);
  TF_CUDA_LAUNCHED(column_finish);
}

}  // namespace tf::cuda

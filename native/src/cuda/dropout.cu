// Inverted dropout. The CPU draws its mask in index order from one xoshiro stream, which a GPU cannot follow in
// parallel; here element i's draw is a counter-based hash of (seed, i) (splitmix64's finaliser), so the mask is
// a pure function of (seed, i) as backend.h asks, the same for recomputation and resume, but not the CPU's mask.
#include "common.cuh"
#include "kernels.h"

namespace tf::cuda {

namespace {

__device__ __forceinline__ uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

__global__ void dropout_kernel(const float *x, int64_t n, float p, uint64_t seed, float *mask, float *out) {
  const float keep = 1.0f / (1.0f - p);
  const uint64_t key = mix(seed);
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const float u = (float)(mix(key + 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1)) >> 40) * (1.0f / 16777216.0f);
    const float m = u < p ? 0.0f : keep;
    mask[i] = m;
    out[i] = x[i] * m;
  }
}

}  // namespace

void dropout(const float *x, int64_t n, float p, uint64_t seed, float *mask, float *out) {
  require(p >= 0.0f && p < 1.0f, TF_ERR_INVALID_ARGUMENT, "dropout probability must be in [0, 1)");
  if (n <= 0) return;
  dropout_kernel<<<blocks_for(n, 256), 256, 0, kStream>>>(x, n, p, seed, mask, out);
  TF_CUDA_LAUNCHED(dropout_kernel);
}

}  // namespace tf::cuda

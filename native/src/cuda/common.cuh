// Helpers shared by the CUDA kernels: launch sizes, warp and block reductions, and a stream-ordered scratch
// buffer for the few temporaries an op needs (chunk tables, per-row results).
#pragma once
#include <cuda_runtime.h>

#include <climits>
#include <cstdint>
#include <vector>

#include "check.h"

namespace tf::cuda {

// All work goes to the legacy default stream: the engine issues its ops in order from one thread per model, and
// scalar-returning ops synchronize anyway. (A stream per model is a later step, see docs/gpu.md.)
constexpr cudaStream_t kStream = 0;

inline unsigned blocks_for(int64_t n, int threads) {
  const int64_t b = (n + threads - 1) / threads;
  return (unsigned)(b < 65535LL * 32 ? b : 65535LL * 32);  // grid-stride loops cover the rest
}

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result. The order is fixed
// by the thread layout, so results repeat exactly from run to run.
template <typename T>
__device__ T block_sum(T v) {
  __shared__ T part[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_sum(v);
  __syncthreads();  // part[] may still be read by a previous call
  if (lane == 0) part[warp] = v;
  __syncthreads();
  T total = lane < warps ? part[lane] : T(0);
  return warp_sum(total);
}

__device__ inline float block_max(float v) {
  __shared__ float part[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_max(v);
  __syncthreads();
  if (lane == 0) part[warp] = v;
  __syncthreads();
  float m = lane < warps ? part[lane] : -INFINITY;
  return warp_max(m);
}

// Lowest index over the block (every thread gets it).
__device__ inline int block_min_index(int v) {
  __shared__ int part[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  for (int o = 16; o > 0; o >>= 1) v = min(v, __shfl_xor_sync(0xffffffffu, v, o));
  __syncthreads();
  if (lane == 0) part[warp] = v;
  __syncthreads();
  int m = lane < warps ? part[lane] : INT_MAX;
  for (int o = 16; o > 0; o >>= 1) m = min(m, __shfl_xor_sync(0xffffffffu, m, o));
  return m;
}

// Device memory for one op's temporaries, from the stream-ordered pool (cheap after the first call).
template <typename T>
class Scratch {
 public:
  explicit Scratch(size_t count) : count_(count) {
    if (count) TF_CUDA_CHECK(cudaMallocAsync((void **)&p_, sizeof(T) * count, kStream));
  }
  // Uploads a host vector.
  explicit Scratch(const std::vector<T> &host) : Scratch(host.size()) {
    if (count_)
      TF_CUDA_CHECK(cudaMemcpyAsync(p_, host.data(), sizeof(T) * count_, cudaMemcpyHostToDevice, kStream));
  }
  ~Scratch() {
    if (p_) cudaFreeAsync(p_, kStream);  // no throw from a destructor; a failure here shows at the next call
  }
  Scratch(const Scratch &) = delete;
  Scratch &operator=(const Scratch &) = delete;
  T *get() const { return p_; }
  std::vector<T> download() const {
    std::vector<T> host(count_);
    if (count_) {
      TF_CUDA_CHECK(cudaMemcpyAsync(host.data(), p_, sizeof(T) * count_, cudaMemcpyDeviceToHost, kStream));
      TF_CUDA_CHECK(cudaStreamSynchronize(kStream));
    }
    return host;
  }

 private:
  T *p_ = nullptr;
  size_t count_;
};

}  // namespace tf::cuda

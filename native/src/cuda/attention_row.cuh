// Building blocks of the attention kernels: one warp owns one query (or key) row, its head_dim elements spread
// over the lanes (element d on lane d % 32, slot d / 32), so a dot product is P fused multiply-adds per lane and
// one warp reduction, and a row update is P FMAs per lane. P = ceil(head_dim / 32) is a template parameter
// (head_dim <= 256), so the row lives in registers.
#pragma once
#include "common.cuh"

namespace tf::cuda {

constexpr int kMaxHeadDim = 256;

template <int P>
__device__ __forceinline__ void load_row(const float *src, int hd, float (&r)[P]) {
  const int lane = threadIdx.x & 31;
#pragma unroll
  for (int i = 0; i < P; ++i) {
    const int d = lane + 32 * i;
    r[i] = d < hd ? src[d] : 0.0f;
  }
}

template <int P>
__device__ __forceinline__ float dot_row(const float (&r)[P], const float *src, int hd) {
  const int lane = threadIdx.x & 31;
  float acc = 0.0f;
#pragma unroll
  for (int i = 0; i < P; ++i) {
    const int d = lane + 32 * i;
    if (d < hd) acc += r[i] * src[d];
  }
  return warp_sum(acc);
}

template <int P>
__device__ __forceinline__ void store_row(float *dst, int hd, const float (&r)[P], float s) {
  const int lane = threadIdx.x & 31;
#pragma unroll
  for (int i = 0; i < P; ++i) {
    const int d = lane + 32 * i;
    if (d < hd) dst[d] = r[i] * s;
  }
}

// r = r * a + b * src
template <int P>
__device__ __forceinline__ void axpby_row(float (&r)[P], float a, float b, const float *src, int hd) {
  const int lane = threadIdx.x & 31;
#pragma unroll
  for (int i = 0; i < P; ++i) {
    const int d = lane + 32 * i;
    r[i] = r[i] * a + (d < hd ? b * src[d] : 0.0f);
  }
}

// Dispatches a kernel template on P for a head_dim; false when head_dim is too wide.
#define TF_DISPATCH_HEAD_DIM(hd, P, ...)          \
  [&]() -> bool {                                 \
    if ((hd) <= 32) {                             \
      constexpr int P = 1;                        \
      __VA_ARGS__;                                \
    } else if ((hd) <= 64) {                      \
      constexpr int P = 2;                        \
      __VA_ARGS__;                                \
    } else if ((hd) <= 128) {                     \
      constexpr int P = 4;                        \
      __VA_ARGS__;                                \
    } else if ((hd) <= kMaxHeadDim) {             \
      constexpr int P = 8;                        \
      __VA_ARGS__;                                \
    } else {                                      \
      return false;                               \
    }                                             \
    return true;                                  \
  }()

}  // namespace tf::cuda

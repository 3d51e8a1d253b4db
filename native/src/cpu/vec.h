// Helpers for the elementwise kernels: a branch-free exp that loops vectorize, function clones for wider
// vector units picked at load time, and the size below which a loop is not worth a fork/join.
#pragma once
#include <cmath>
#include <cstdint>

// The library is built for x86-64-v2 (SSE4.2) so it runs anywhere; the hot elementwise loops also get AVX2+FMA
// and AVX-512 clones, chosen once per process by the CPU (ifunc). A clone may round differently from another
// (FMA contraction), never differently from run to run on one machine.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(TF_NO_CLONES)
#define TF_CLONES __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define TF_CLONES
#endif

namespace tf::cpu {

// Loops over fewer elements than this run on the calling thread: a fork/join of the team costs microseconds on
// a quiet machine and, when another process holds a core, waits until a descheduled thread runs again.
constexpr int64_t kParallelMin = 1 << 15;

// e^x in f32 (Cephes' expf: range reduction by ln 2 split in two, degree-6 polynomial), within 2 ulp of the
// correctly rounded value; 0 below -87.3 (also -inf: no subnormal results), +inf above 88.3, NaN for NaN.
// Straight-line code, so a loop calling it vectorizes where the libm call would not.
__attribute__((always_inline)) inline float vexp(float x) {
  float xc = x < -87.3f ? -87.3f : x;  // not fmin/fmax: those are libm calls without -ffinite-math-only
  xc = xc > 88.3f ? 88.3f : xc;
  const float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const int32_t bits = ((int32_t)n + 127) << 23;
  const float y = p * __builtin_bit_cast(float, bits);
  return x < -87.3f ? 0.0f : (x > 88.3f ? INFINITY : (x != x ? x : y));
}

// Max and sum over 16 fixed lanes, then across the lanes in order: the loop-carried dependency of a running
// max or sum limits a loop to one element per add latency; lanes let it vectorize. The order is fixed by the
// code (not the vector width), so every clone gives the same result.
constexpr int kLanes = 16;

__attribute__((always_inline)) inline float lanes_max(const float *x, int n) {
  float lane[kLanes];
  for (int l = 0; l < kLanes; ++l) lane[l] = -INFINITY;
  int i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lane[l] = x[i + l] > lane[l] ? x[i + l] : lane[l];
  float m = -INFINITY;
  for (int l = 0; l < kLanes; ++l) m = lane[l] > m ? lane[l] : m;
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

__attribute__((always_inline)) inline float lanes_sum(const float *x, int n) {
  float lane[kLanes] = {};
  int i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lane[l] += x[i + l];
  float s = 0.0f;
  for (int l = 0; l < kLanes; ++l) s += lane[l];
  for (; i < n; ++i) s += x[i];
  return s;
}

__attribute__((always_inline)) inline float lanes_dot(const float *a, const float *b, int n) {
  float lane[kLanes] = {};
  int i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lane[l] += a[i + l] * b[i + l];
  float s = 0.0f;
  for (int l = 0; l < kLanes; ++l) s += lane[l];
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

}  // namespace tf::cpu

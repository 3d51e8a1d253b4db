#include <algorithm>

#include "kernels.h"
#include "vec.h"

namespace tf::cpu {

namespace {

constexpr int64_t kChunk = 1 << 14;

TF_CLONES void swiglu_forward_span(const float *gate, const float *up, int64_t n, float *out) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + vexp(-g)) * up[i];
  }
}

// d silu(g)/dg = sig(g) * (1 + g * (1 - sig(g)))
TF_CLONES void swiglu_backward_span(const float *dout, const float *gate, const float *up, int64_t n, float *dgate,
                                    float *dup) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    const float sig = 1.0f / (1.0f + vexp(-g));
    dgate[i] = dout[i] * up[i] * sig * (1.0f + g * (1.0f - sig));
    dup[i] = dout[i] * g * sig;
  }
}

}  // namespace

void swiglu_forward(const float *gate, const float *up, int64_t n, float *out) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t i = c * kChunk;
    swiglu_forward_span(gate + i, up + i, std::min(kChunk, n - i), out + i);
  }
}

void swiglu_backward(const float *dout, const float *gate, const float *up, int64_t n, float *dgate, float *dup) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t i = c * kChunk;
    swiglu_backward_span(dout + i, gate + i, up + i, std::min(kChunk, n - i), dgate + i, dup + i);
  }
}

}  // namespace tf::cpu

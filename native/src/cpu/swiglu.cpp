#include <cmath>

#include "kernels.h"

namespace tf::cpu {

void swiglu_forward(const float *gate, const float *up, int64_t n, float *out) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

// d silu(g)/dg = sig(g) * (1 + g * (1 - sig(g)))
void swiglu_backward(const float *dout, const float *gate, const float *up, int64_t n, float *dgate, float *dup) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    const float sig = 1.0f / (1.0f + std::exp(-g));
    dgate[i] = dout[i] * up[i] * sig * (1.0f + g * (1.0f - sig));
    dup[i] = dout[i] * g * sig;
  }
}

}  // namespace tf::cpu

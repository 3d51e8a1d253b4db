// Mirrors torch.optim.AdamW (decoupled weight decay) operation by operation,
// including where scalars are rounded to f32, so trajectories agree closely.
#include <cmath>

#include "kernels.h"

namespace tf::cpu {

void adamw(float *param, const float *grad, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
           float eps, float weight_decay, float bias_correction1, float bias_correction2) {
  const float decay = (float)(1.0 - (double)lr * weight_decay);
  const float w1 = (float)(1.0 - (double)beta1);
  const float w2 = (float)(1.0 - (double)beta2);
  const float step_size = (float)((double)lr / bias_correction1);
  const float bc2_sqrt = (float)std::sqrt((double)bias_correction2);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float g = grad[i];
    const float p = param[i] * decay;
    m[i] = m[i] + w1 * (g - m[i]);
    v[i] = v[i] * beta2 + w2 * g * g;
    const float denom = std::sqrt(v[i]) / bc2_sqrt + eps;
    param[i] = p - step_size * (m[i] / denom);
  }
}

}  // namespace tf::cpu

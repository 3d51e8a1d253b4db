// Rotary embeddings in the Hugging Face "rotate_half" layout: element i pairs
// with i + head_dim/2. Angles are float(pos) * inv_freq in f32, as transformers
// computes them, so the cos/sin tables agree to the last bit or two.
#include <cmath>

#include "kernels.h"
#include "vec.h"

namespace tf::cpu {

static void rotate(float *x, const int32_t *pos, int n, int heads, int head_dim, const float *inv_freq, float sign) {
  const int half = head_dim / 2;
#pragma omp parallel for schedule(static) if ((int64_t)n * heads * head_dim >= kParallelMin)
  for (int i = 0; i < n; ++i) {
    float cs[512], sn[512];  // head_dim/2 <= 512 is checked at load
    for (int f = 0; f < half; ++f) {
      const float angle = (float)pos[i] * inv_freq[f];
      cs[f] = std::cos(angle);
      sn[f] = sign * std::sin(angle);
    }
    for (int h = 0; h < heads; ++h) {
      float *xh = x + ((int64_t)i * heads + h) * head_dim;
      for (int f = 0; f < half; ++f) {
        const float a = xh[f], b = xh[f + half];
        xh[f] = a * cs[f] - b * sn[f];
        xh[f + half] = b * cs[f] + a * sn[f];
      }
    }
  }
}

void rope_forward(float *x, const int32_t *pos, int n, int heads, int head_dim, const float *inv_freq) {
  rotate(x, pos, n, heads, head_dim, inv_freq, 1.0f);
}

// The rotation is orthogonal, so its gradient is the inverse rotation.
void rope_backward(float *dx, const int32_t *pos, int n, int heads, int head_dim, const float *inv_freq) {
  rotate(dx, pos, n, heads, head_dim, inv_freq, -1.0f);
}

}  // namespace tf::cpu

#include <cmath>
#include <vector>

#include "kernels.h"

namespace tf::cpu {

void rmsnorm_forward(const float *x, const float *w, int n, int dim, float eps, float *y, float *rstd) {
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; ++i) {
    const float *xi = x + (int64_t)i * dim;
    float *yi = y + (int64_t)i * dim;
    double ss = 0.0;
    for (int c = 0; c < dim; ++c) ss += (double)xi[c] * xi[c];
    const float r = 1.0f / std::sqrt((float)(ss / dim) + eps);
    rstd[i] = r;
    for (int c = 0; c < dim; ++c) yi[c] = w[c] * (xi[c] * r);
  }
}

// With xhat = x*rstd: dx = rstd * (dy*w - xhat * mean(dy*w*xhat)), dw = sum_rows dy*xhat.
void rmsnorm_backward(const float *dy, const float *x, const float *w, const float *rstd, int n, int dim, float *dx,
                      float *dw) {
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; ++i) {
    const float *dyi = dy + (int64_t)i * dim;
    const float *xi = x + (int64_t)i * dim;
    float *dxi = dx + (int64_t)i * dim;
    const float r = rstd[i];
    double dot = 0.0;
    for (int c = 0; c < dim; ++c) dot += (double)dyi[c] * w[c] * xi[c] * r;
    const float mean = (float)(dot / dim);
    for (int c = 0; c < dim; ++c) dxi[c] += r * (dyi[c] * w[c] - xi[c] * r * mean);
  }
  constexpr int kBlock = 16;
  const int blocks = (dim + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static)
  for (int blk = 0; blk < blocks; ++blk) {
    const int c0 = blk * kBlock, c1 = c0 + kBlock < dim ? c0 + kBlock : dim;
    double acc[kBlock] = {0};
    for (int i = 0; i < n; ++i) {
      const float *dyi = dy + (int64_t)i * dim;
      const float *xi = x + (int64_t)i * dim;
      for (int c = c0; c < c1; ++c) acc[c - c0] += (double)dyi[c] * xi[c] * rstd[i];
    }
    for (int c = c0; c < c1; ++c) dw[c] += (float)acc[c - c0];
  }
}

}  // namespace tf::cpu

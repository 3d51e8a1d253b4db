#include <cmath>
#include <vector>

#include "kernels.h"
#include "vec.h"

namespace tf::cpu {

namespace {

// Sum of a[c] * b[c] (b may be a): 16 float lanes over blocks of 256, each block added to a double in order.
// Vectorizes, and sums in the same order whichever clone runs.
inline double lane_dot(const float *a, const float *b, int n) {
  constexpr int kBlock = 256;
  double total = 0.0;
  int c = 0;
  for (; c + kBlock <= n; c += kBlock) {
    float lane[kLanes] = {};
    for (int j = 0; j < kBlock; j += kLanes)
      for (int l = 0; l < kLanes; ++l) lane[l] += a[c + j + l] * b[c + j + l];
    double block = 0.0;
    for (int l = 0; l < kLanes; ++l) block += lane[l];
    total += block;
  }
  float lane[kLanes] = {};
  int j = c;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) lane[l] += a[j + l] * b[j + l];
  double rest = 0.0;
  for (int l = 0; l < kLanes; ++l) rest += lane[l];
  for (; j < n; ++j) rest += (double)a[j] * b[j];
  return total + rest;
}

TF_CLONES float row_forward(const float *x, const float *w, int dim, float eps, float *y) {
  const float r = 1.0f / std::sqrt((float)(lane_dot(x, x, dim) / dim) + eps);
  for (int c = 0; c < dim; ++c) y[c] = w[c] * (x[c] * r);
  return r;
}

TF_CLONES void row_backward(const float *dy, const float *x, const float *w, float r, int dim, float *dx, float *tmp) {
  for (int c = 0; c < dim; ++c) tmp[c] = dy[c] * w[c];
  const float mean = (float)(lane_dot(tmp, x, dim) * r / dim);
  for (int c = 0; c < dim; ++c) dx[c] += r * (tmp[c] - x[c] * r * mean);
}

// dw[c0, c1) += sum over rows of dy * x * rstd, rows in order (one double per column).
TF_CLONES void dw_columns(const float *dy, const float *x, const float *rstd, int n, int dim, int c0, int c1,
                          float *dw) {
  constexpr int kBlock = 16;
  double acc[kBlock] = {};
  const int w = c1 - c0;
  for (int i = 0; i < n; ++i) {
    const float *dyi = dy + (int64_t)i * dim + c0;
    const float *xi = x + (int64_t)i * dim + c0;
    for (int c = 0; c < w; ++c) acc[c] += (double)(dyi[c] * xi[c]) * rstd[i];
  }
  for (int c = 0; c < w; ++c) dw[c0 + c] += (float)acc[c];
}

}  // namespace

void rmsnorm_forward(const float *x, const float *w, int n, int dim, float eps, float *y, float *rstd) {
#pragma omp parallel for schedule(static) if ((int64_t)n * dim >= kParallelMin)
  for (int i = 0; i < n; ++i) rstd[i] = row_forward(x + (int64_t)i * dim, w, dim, eps, y + (int64_t)i * dim);
}

// With xhat = x*rstd: dx = rstd * (dy*w - xhat * mean(dy*w*xhat)), dw = sum_rows dy*xhat.
void rmsnorm_backward(const float *dy, const float *x, const float *w, const float *rstd, int n, int dim, float *dx,
                      float *dw) {
  const bool parallel = (int64_t)n * dim >= kParallelMin;
#pragma omp parallel if (parallel)
  {
    std::vector<float> tmp(dim);
#pragma omp for schedule(static)
    for (int i = 0; i < n; ++i)
      row_backward(dy + (int64_t)i * dim, x + (int64_t)i * dim, w, rstd[i], dim, dx + (int64_t)i * dim, tmp.data());
  }
  if (!dw) return;
  constexpr int kBlock = 16;
  const int blocks = (dim + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (parallel)
  for (int blk = 0; blk < blocks; ++blk) {
    const int c0 = blk * kBlock, c1 = c0 + kBlock < dim ? c0 + kBlock : dim;
    dw_columns(dy, x, rstd, n, dim, c0, c1, dw);
  }
}

}  // namespace tf::cpu

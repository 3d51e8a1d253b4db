#include <vector>

#include "kernels.h"
#include "vec.h"

namespace tf::cpu {

void add(float *y, const float *x, int64_t n) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

void add_bias(float *y, const float *b, int n, int dim) {
#pragma omp parallel for schedule(static) if ((int64_t)n * dim >= kParallelMin)
  for (int i = 0; i < n; ++i) {
    float *row = y + (int64_t)i * dim;
    for (int j = 0; j < dim; ++j) row[j] += b[j];
  }
}

void mul(const float *x, const float *y, int64_t n, float *out) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] * y[i];
}

void mul_accumulate(const float *x, const float *y, int64_t n, float *out) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) out[i] += x[i] * y[i];
}

void scale(float *x, int64_t n, float s) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) x[i] *= s;
}

// Fixed chunking (not per-thread) keeps the sum identical for any thread count.
double sum_squares(const float *x, int64_t n) {
  constexpr int64_t kChunk = 1 << 14;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> part(chunks, 0.0);
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t end = (c + 1) * kChunk < n ? (c + 1) * kChunk : n;
    double acc = 0.0;
    for (int64_t i = c * kChunk; i < end; ++i) acc += (double)x[i] * x[i];
    part[c] = acc;
  }
  double total = 0.0;
  for (double p : part) total += p;
  return total;
}

void bias_backward(const float *dy, int n, int dim, float *db) {
#pragma omp parallel for schedule(static) if ((int64_t)n * dim >= kParallelMin)
  for (int c = 0; c < dim; ++c) {
    double acc = 0.0;
    for (int i = 0; i < n; ++i) acc += dy[(int64_t)i * dim + c];
    db[c] += (float)acc;
  }
}

}  // namespace tf::cpu

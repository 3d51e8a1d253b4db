// GEMM goes to OpenBLAS: it is the bulk of the flops and no hand-written
// kernel here would beat a tuned BLAS.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <atomic>

#include "kernels.h"
#include "vec.h"

// v16 values never cross a call boundary (the helpers are always inlined), so the vector ABI note is moot.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace tf::cpu {

// OpenMP's thread count is per calling thread (each libuv worker has its own),
// so this runs before every engine call; OpenBLAS's is process-wide and only
// changed when it differs, because changing it resizes its pool.
void set_threads(int threads) {
  if (threads <= 0) threads = default_threads();
  static std::atomic<int> blas_threads{0};
  if (blas_threads.exchange(threads) != threads) openblas_set_num_threads(threads);
  omp_set_num_threads(threads);
}

void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
          int ldb, float beta, float *c, int ldc) {
  if (m == 0 || n == 0) return;
  if (m == 1) {
    // One row (single-sequence decoding): GEMV streams the weights once, where
    // GEMM would first pack them, doubling the memory traffic of a bandwidth-bound step.
    const int inc_a = trans_a ? lda : 1;
    if (trans_b) {
      cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, alpha, b, ldb, a, inc_a, beta, c, 1);
    } else {
      cblas_sgemv(CblasRowMajor, CblasTrans, k, n, alpha, b, ldb, a, inc_a, beta, c, 1);
    }
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha,
              a, lda, b, ldb, beta, c, ldc);
}

namespace {

typedef float v16 __attribute__((vector_size(64)));

__attribute__((always_inline)) inline v16 load16(const float *p) {
  v16 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

__attribute__((always_inline)) inline float lanes_total(v16 v) {
  float s = 0.0f;
  for (int l = 0; l < 16; ++l) s += v[l];
  return s;
}

constexpr int kDotRows = 4;

// y[r] = W[r] . x + beta * y[r] for rows [0, n) of W (row stride k). Four rows at a time share each load of x;
// sixteen lanes per row, summed in a fixed order, so a row's result depends neither on the thread that computes
// it nor on where a thread's range starts.
TF_CLONES void dot_rows(int64_t n, int k, const float *w, const float *x, float beta, float *y) {
  const int k16 = k & ~15;
  int64_t r = 0;
  for (; r + kDotRows <= n; r += kDotRows) {
    v16 acc[kDotRows] = {};
    const float *wr = w + r * k;
    for (int i = 0; i < k16; i += 16) {
      const v16 xv = load16(x + i);
      for (int j = 0; j < kDotRows; ++j) acc[j] += load16(wr + (int64_t)j * k + i) * xv;
    }
    for (int j = 0; j < kDotRows; ++j) {
      float s = lanes_total(acc[j]);
      for (int i = k16; i < k; ++i) s += wr[(int64_t)j * k + i] * x[i];
      y[r + j] = beta == 0.0f ? s : s + beta * y[r + j];
    }
  }
  for (; r < n; ++r) {
    v16 acc = {};
    const float *wr = w + r * k;
    for (int i = 0; i < k16; i += 16) acc += load16(wr + i) * load16(x + i);
    float s = lanes_total(acc);
    for (int i = k16; i < k; ++i) s += wr[i] * x[i];
    y[r] = beta == 0.0f ? s : s + beta * y[r];
  }
}

}  // namespace

// The threads split the matrices' rows, concatenated, into equal contiguous ranges (multiples of 16 rows) and
// each computes the dot products of its rows: one fork/join for the group instead of one per matrix. Not
// OpenBLAS's GEMV: its pthreads build (Debian's) forks its own pool inside each call, so two calls from our team
// ran four threads on two cores that serialised on the pool's lock (perf: 12 % of decode time in futex waits).
void gemv_multi(int count, const float *const *w, const int *rows, int k, const float *x, float beta, float *const *y) {
  int64_t total = 0;
  for (int i = 0; i < count; ++i) total += rows[i];
  const bool parallel = total * k >= 4 * kParallelMin;
#pragma omp parallel if (parallel)
  {
    const int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t blocks = (total + 15) / 16;
    const int64_t r0 = std::min(total, blocks * t / nt * 16), r1 = std::min(total, blocks * (t + 1) / nt * 16);
    int64_t base = 0;
    for (int i = 0; i < count; ++i) {
      const int64_t a = std::max(r0, base), b = std::min(r1, base + rows[i]);
      if (a < b) dot_rows(b - a, k, w[i] + (a - base) * k, x, beta, y[i] + (a - base));
      base += rows[i];
    }
  }
}

}  // namespace tf::cpu

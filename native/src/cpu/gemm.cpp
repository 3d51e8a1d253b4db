// GEMM goes to OpenBLAS: it is the bulk of the flops and no hand-written
// kernel here would beat a tuned BLAS.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <atomic>

#include "kernels.h"
#include "vec.h"

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

// The threads split the matrices' rows, concatenated, into equal contiguous ranges (multiples of 16 rows) and run
// single-threaded GEMVs (OpenBLAS does not fork inside a parallel region) on the parts of each matrix in their
// range: one fork/join for the group instead of one per matrix, each row's dot product as one GEMV computes it.
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
      if (a < b)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)(b - a), k, 1.0f, w[i] + (a - base) * k, k, x, 1, beta,
                    y[i] + (a - base), 1);
      base += rows[i];
    }
  }
}

}  // namespace tf::cpu

// GEMM goes to OpenBLAS: it is the bulk of the flops and no hand-written
// kernel here would beat a tuned BLAS.
#include <cblas.h>
#include <omp.h>

#include <atomic>

#include "kernels.h"

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

}  // namespace tf::cpu

#include <cstring>

#include "kernels.h"
#include "vec.h"

namespace tf::cpu {

void embedding_forward(const float *table, const int32_t *ids, int n, int dim, float *out) {
#pragma omp parallel for schedule(static) if ((int64_t)n * dim >= kParallelMin)
  for (int i = 0; i < n; ++i) std::memcpy(out + (int64_t)i * dim, table + (int64_t)ids[i] * dim, sizeof(float) * dim);
}

// Threads own column blocks, so repeated ids never race and sums keep row order.
void embedding_backward(const float *dout, const int32_t *ids, int n, int dim, float *dtable) {
  constexpr int kBlock = 64;
  const int blocks = (dim + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if ((int64_t)n * dim >= kParallelMin)
  for (int blk = 0; blk < blocks; ++blk) {
    const int c0 = blk * kBlock, c1 = c0 + kBlock < dim ? c0 + kBlock : dim;
    for (int i = 0; i < n; ++i) {
      float *dst = dtable + (int64_t)ids[i] * dim;
      const float *src = dout + (int64_t)i * dim;
      for (int c = c0; c < c1; ++c) dst[c] += src[c];
    }
  }
}

}  // namespace tf::cpu

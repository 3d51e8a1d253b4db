// Whole rows moved between matrices: a LoRA slot's rows gathered and its delta added back (multi-LoRA
// decoding), the logits rows a prefill needs, and a decoding step's K/V rows into each sequence's cache.
#include <cstring>

#include "kernels.h"
#include "vec.h"

namespace tf::cpu {

void gather_rows(const float *src, const int32_t *rows, int m, int dim, float *dst) {
#pragma omp parallel for schedule(static) if ((int64_t)m * dim >= kParallelMin)
  for (int i = 0; i < m; ++i)
    std::memcpy(dst + (int64_t)i * dim, src + (int64_t)rows[i] * dim, sizeof(float) * dim);
}

// Rows are distinct, so threads never write the same row.
void scatter_add_rows(const float *src, const int32_t *rows, int m, int dim, float *dst) {
#pragma omp parallel for schedule(static) if ((int64_t)m * dim >= kParallelMin)
  for (int i = 0; i < m; ++i) {
    float *d = dst + (int64_t)rows[i] * dim;
    const float *s = src + (int64_t)i * dim;
    for (int j = 0; j < dim; ++j) d[j] += s[j];
  }
}

void copy_rows_to(const float *src, int n, int64_t row, float *const *dst) {
  for (int i = 0; i < n; ++i) std::memcpy(dst[i], src + i * row, sizeof(float) * row);
}

}  // namespace tf::cpu

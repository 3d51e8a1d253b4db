// A matrix transposed, set or added into its destination: LoRA's A^T for the narrow GEMM, and B's gradient
// from the narrow kernel's B^T layout. Rank-sized matrices, so one thread.
#include "kernels.h"

namespace tf::cpu {

void transpose(const float *src, int rows, int cols, float *dst, bool accumulate) {
  for (int r = 0; r < rows; ++r) {
    const float *s = src + (int64_t)r * cols;
    if (accumulate) {
      for (int c = 0; c < cols; ++c) dst[(int64_t)c * rows + r] += s[c];
    } else {
      for (int c = 0; c < cols; ++c) dst[(int64_t)c * rows + r] = s[c];
    }
  }
}

}  // namespace tf::cpu

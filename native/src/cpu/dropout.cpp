// Inverted dropout for the LoRA input. The mask is drawn in index order from one xoshiro stream seeded by the
// caller, so a seed always gives the same mask (recomputation, resume) whatever the thread count.
#include "../rng.h"
#include "kernels.h"

namespace tf::cpu {

void dropout(const float *x, int64_t n, float p, uint64_t seed, float *mask, float *out) {
  Rng rng(seed);
  const float keep = 1.0f / (1.0f - p);
  for (int64_t i = 0; i < n; ++i) {
    mask[i] = rng.uniform() < p ? 0.0f : keep;
    out[i] = x[i] * mask[i];
  }
}

}  // namespace tf::cpu

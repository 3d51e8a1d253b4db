// Teacher-forced scoring: the log-probability of each row's target and whether it is the greedy choice,
// computed by the sampler's own LogSoftmax so scores and sampled log-probs agree to the bit.
#include <algorithm>

#include "../sampling.h"
#include "kernels.h"
#include "vec.h"

namespace tf::cpu {

void target_logprobs(const float *logits, const int32_t *targets, int n, int vocab, float *logprob,
                     uint8_t *greedy) {
#pragma omp parallel for schedule(static) if ((int64_t)n * vocab >= kParallelMin)
  for (int i = 0; i < n; ++i) {
    const float *row = logits + (int64_t)i * vocab;
    if (targets[i] < 0) {
      logprob[i] = 0.0f;
      greedy[i] = 0;
      continue;
    }
    logprob[i] = LogSoftmax(row, vocab).at(targets[i]);
    greedy[i] = std::max_element(row, row + vocab) - row == targets[i];
  }
}

}  // namespace tf::cpu

#include "sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tf {

LogSoftmax::LogSoftmax(const float *logits, int vocab) : logits_(logits) {
  float mx = logits[0];
  for (int c = 1; c < vocab; ++c) mx = std::max(mx, logits[c]);
  double sum = 0.0;
  for (int c = 0; c < vocab; ++c) sum += std::exp((double)(logits[c] - mx));
  max_ = mx;
  log_sum_ = std::log(sum);
}

// Highest logit first, ties by id.
static void order_top(const float *logits, std::vector<int> &idx, int keep) {
  const auto higher = [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  std::partial_sort(idx.begin(), idx.begin() + keep, idx.end(), higher);
}

int sample_token(const float *logits, int vocab, const SamplingParams &o, Rng &rng) {
  if (o.temperature <= 0.0f) {  // greedy; ties go to the lowest id, as torch.argmax
    return (int)(std::max_element(logits, logits + vocab) - logits);
  }
  std::vector<int> idx(vocab);
  std::iota(idx.begin(), idx.end(), 0);
  // With top-k only the first k need ordering.
  int keep = vocab;
  if (o.top_k > 0) keep = std::min(keep, o.top_k);
  order_top(logits, idx, keep);
  std::vector<double> p(keep);
  const double mx = logits[idx[0]] / o.temperature;
  double sum = 0.0;
  for (int i = 0; i < keep; ++i) sum += p[i] = std::exp(logits[idx[i]] / o.temperature - mx);
  if (o.top_p > 0.0f && o.top_p < 1.0f) {
    double cum = 0.0;
    int cut = keep;
    for (int i = 0; i < keep; ++i) {
      cum += p[i] / sum;
      if (cum >= o.top_p) {
        cut = i + 1;
        break;
      }
    }
    keep = cut;
    sum = std::accumulate(p.begin(), p.begin() + keep, 0.0);
  }
  double u = rng.uniform() * sum;
  for (int i = 0; i < keep; ++i) {
    u -= p[i];
    if (u < 0) return idx[i];
  }
  return idx[keep - 1];
}

std::vector<TokenLogprob> top_logprobs(const float *logits, int vocab, int n, const LogSoftmax &lsm) {
  n = std::min(n, vocab);
  if (n <= 0) return {};
  std::vector<int> idx(vocab);
  std::iota(idx.begin(), idx.end(), 0);
  order_top(logits, idx, n);
  std::vector<TokenLogprob> out(n);
  for (int i = 0; i < n; ++i) out[i] = {idx[i], lsm.at(idx[i])};
  return out;
}

}  // namespace tf

#include "sequence.h"

#include <algorithm>
#include <cmath>

#include "error.h"

namespace tf {

SequenceOptions SequenceOptions::from(const tf_generate_options &o, int top_logprobs, int vocab) {
  require(o.max_new_tokens > 0, TF_ERR_INVALID_ARGUMENT, "max_new_tokens must be positive");
  require(o.top_k >= 0, TF_ERR_INVALID_ARGUMENT, "top_k must be non-negative");
  require(!std::isnan(o.temperature) && !std::isnan(o.top_p), TF_ERR_INVALID_ARGUMENT,
          "temperature and top_p must be numbers");
  require(top_logprobs >= 0 && top_logprobs <= TF_MAX_TOP_LOGPROBS, TF_ERR_INVALID_ARGUMENT,
          "top_logprobs must be between 0 and " + std::to_string(TF_MAX_TOP_LOGPROBS));
  require(o.n_stop >= 0, TF_ERR_INVALID_ARGUMENT, "n_stop must be non-negative");
  require(o.n_stop == 0 || (o.stop_tokens && o.stop_offsets), TF_ERR_INVALID_ARGUMENT,
          "stop sequences need stop_tokens and stop_offsets");
  SequenceOptions out;
  out.sampling = {o.temperature, o.top_k, o.top_p};
  out.seed = o.seed;
  out.max_new_tokens = o.max_new_tokens;
  out.top_logprobs = top_logprobs;
  for (int s = 0; s < o.n_stop; ++s) {
    require(o.stop_offsets[s + 1] > o.stop_offsets[s], TF_ERR_INVALID_ARGUMENT, "stop sequences must not be empty");
    out.stops.emplace_back(o.stop_tokens + o.stop_offsets[s], o.stop_tokens + o.stop_offsets[s + 1]);
    for (int32_t t : out.stops.back())
      require(t >= 0 && t < vocab, TF_ERR_INVALID_ARGUMENT,
              "stop token " + std::to_string(t) + " is outside the vocabulary");
  }
  return out;
}

Sequence::Sequence(int32_t id, const std::vector<int32_t> &prompt, SequenceOptions options, const Ops &ops,
                   int layers, int kv_row, int max_context, Rng *shared_rng)
    : id_(id),
      prompt_(prompt),
      options_(std::move(options)),
      max_new_(std::min(options_.max_new_tokens, max_context - (int)prompt.size())),
      // The last chosen token never enters the cache, so the cache holds at most prompt + max_new - 1.
      cache_(ops, layers, kv_row, (int)prompt.size() + std::max(0, max_new_ - 1)),
      own_rng_(options_.seed),
      rng_(shared_rng ? shared_rng : &own_rng_) {
  require(!prompt.empty(), TF_ERR_INVALID_ARGUMENT, "prompts must not be empty");
  require(max_new_ > 0, TF_ERR_INVALID_ARGUMENT,
          "a prompt of " + std::to_string(prompt.size()) + " tokens leaves no room in a context of " +
              std::to_string(max_context));
}

int Sequence::held_by_partial_stop() const {
  // The longest suffix of the generated tokens that is a proper prefix of some stop sequence.
  int held = 0;
  for (const auto &s : options_.stops) {
    for (int j = std::min((int)s.size() - 1, (int)tokens_.size()); j > held; --j) {
      if (std::equal(s.begin(), s.begin() + j, tokens_.end() - j)) {
        held = j;
        break;
      }
    }
  }
  return held;
}

TokenChoice Sequence::choose() {
  require(!finished() && !pending_, TF_ERR_INTERNAL, "choose needs the logits after the last token");
  const int vocab = (int)logits_.size();
  const float *row = logits_.data();
  const LogSoftmax lsm(row, vocab);
  TokenChoice c;
  c.token = sample_token(row, vocab, options_.sampling, *rng_);
  c.logprob = lsm.at(c.token);
  c.top = top_logprobs(row, vocab, options_.top_logprobs, lsm);
  tokens_.push_back(c.token);
  pending_ = true;
  for (const auto &s : options_.stops) {
    if (tokens_.size() >= s.size() && std::equal(s.begin(), s.end(), tokens_.end() - s.size())) {
      c.finish = finish_ = TF_FINISH_STOP;
      pending_ = false;
      c.held = (int)s.size();
      return c;
    }
  }
  if ((int)tokens_.size() >= max_new_) {
    c.finish = finish_ = TF_FINISH_LENGTH;
    pending_ = false;
    return c;
  }
  c.held = held_by_partial_stop();
  return c;
}

}  // namespace tf

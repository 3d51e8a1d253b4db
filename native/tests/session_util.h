// Helpers for the decode-session tests: solo tf_generate runs to compare against, and a session driven by a
// schedule of joins and removals that collects every sequence's tokens the way a streaming client would.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tuneforge.h"

namespace tfs {

const std::string kRoot = TF_REPO_ROOT;
const std::string kLlama = kRoot + "/tools/tiny-model/models/tiny-llama";
const std::string kQwen = kRoot + "/tools/tiny-model/models/tiny-qwen2";
const std::string kQwen3 = kRoot + "/tools/tiny-model/models/tiny-qwen3";    // per-head q/k norms
const std::string kMistral = kRoot + "/tools/tiny-model/models/tiny-mistral";  // sliding window 6

inline tf_model *load(const std::string &dir) {
  tf_model *m = nullptr;
  tf_load_options o{"cpu", 2};
  EXPECT_EQ(tf_model_load(dir.c_str(), &o, &m), TF_OK) << tf_last_error();
  return m;
}

// A request: prompt, tf_generate options (stops owned here) and how many alternatives to report.
struct Request {
  std::vector<int32_t> prompt;
  int max_new_tokens = 8;
  float temperature = 0.0f;
  int top_k = 0;
  float top_p = 1.0f;
  uint64_t seed = 0;
  std::vector<std::vector<int32_t>> stops;
  int top_logprobs = 0;

  // Flattened stops; valid while this Request lives and is not modified.
  tf_generate_options generate_options() const {
    flat_.clear();
    offsets_.assign(1, 0);
    for (const auto &s : stops) {
      flat_.insert(flat_.end(), s.begin(), s.end());
      offsets_.push_back((int32_t)flat_.size());
    }
    tf_generate_options o{};
    o.max_new_tokens = max_new_tokens;
    o.temperature = temperature;
    o.top_k = top_k;
    o.top_p = top_p;
    o.seed = seed;
    o.n_stop = (int)stops.size();
    o.stop_tokens = flat_.data();
    o.stop_offsets = offsets_.data();
    return o;
  }
  tf_sequence_options sequence_options() const { return {generate_options(), top_logprobs}; }

 private:
  mutable std::vector<int32_t> flat_, offsets_;
};

struct Result {
  std::vector<int32_t> tokens;  // the completion (a matched stop sequence removed)
  std::vector<float> logprobs;
  int finish = TF_FINISH_NONE;
  std::vector<tf_step_output> steps;  // everything the session reported for this sequence
};

// tf_generate for one prompt alone.
inline Result solo(tf_model *m, const Request &r) {
  const int32_t offsets[2] = {0, (int32_t)r.prompt.size()};
  const tf_generate_options o = r.generate_options();
  std::vector<int32_t> toks(r.max_new_tokens);
  std::vector<float> lps(r.max_new_tokens);
  int32_t len = 0, fin = 0;
  EXPECT_EQ(tf_generate(m, r.prompt.data(), offsets, 1, &o, toks.data(), lps.data(), &len, &fin), TF_OK)
      << tf_last_error();
  return {std::vector<int32_t>(toks.begin(), toks.begin() + len), std::vector<float>(lps.begin(), lps.begin() + len),
          fin, {}};
}

// Appends one step's output to its sequence's result; at the end drops the held tokens, as tf_generate does.
inline void collect(std::map<int32_t, Result> &results, const tf_step_output &o) {
  Result &r = results[o.id];
  r.steps.push_back(o);
  r.tokens.push_back(o.token);
  r.logprobs.push_back(o.logprob);
  if (o.finish == TF_FINISH_NONE) return;
  r.tokens.resize(r.tokens.size() - o.held);
  r.logprobs.resize(r.logprobs.size() - o.held);
  r.finish = o.finish;
}

// Steps the session until it is empty after step last_event; before step k, at_step(k) may add or
// remove sequences.
inline std::map<int32_t, Result> drive(tf_session *s, int max_sequences,
                                       const std::function<void(int step)> &at_step = nullptr, int last_event = 0) {
  std::map<int32_t, Result> results;
  std::vector<tf_step_output> out(max_sequences);
  for (int k = 0; k < 1000; ++k) {
    if (at_step) at_step(k);
    int n = 0;
    EXPECT_EQ(tf_session_step(s, out.data(), max_sequences, &n), TF_OK) << tf_last_error();
    if (n == 0 && k >= last_event) break;
    for (int i = 0; i < n; ++i) collect(results, out[i]);
  }
  return results;
}

inline int32_t add(tf_session *s, const Request &r) {
  const tf_sequence_options o = r.sequence_options();
  int32_t id = -1;
  EXPECT_EQ(tf_session_add(s, r.prompt.data(), (int)r.prompt.size(), &o, &id), TF_OK) << tf_last_error();
  return id;
}

inline tf_session *open(tf_model *m, int max_sequences, int max_context) {
  tf_session_options o{max_sequences, max_context};
  tf_session *s = nullptr;
  EXPECT_EQ(tf_session_create(m, &o, &s), TF_OK) << tf_last_error();
  return s;
}

}  // namespace tfs

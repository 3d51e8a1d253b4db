// Decode sessions: how sequences finish (stop sequences, max tokens, max context), top log-probabilities,
// cache memory that follows each sequence's length, and refused arguments.
#include <gtest/gtest.h>

#include <cmath>

#include "kv_cache.h"
#include "model.h"
#include "session.h"
#include "session_util.h"

namespace {

using tfs::Request;
using tfs::Result;

const std::vector<int32_t> kPrompt = {1, 451, 201, 752};

Request greedy(int max_new) {
  Request r;
  r.prompt = kPrompt;
  r.max_new_tokens = max_new;
  return r;
}

Result one(tf_model *m, const Request &r, int max_context = 64) {
  tf_session *s = tfs::open(m, 1, max_context);
  const int32_t id = tfs::add(s, r);
  auto results = tfs::drive(s, 1);
  tf_session_free(s);
  return results.at(id);
}

TEST(SessionFinish, StopSequencesAndMaxTokensFinishAsTfGenerateDoes) {
  tf_model *m = tfs::load(tfs::kLlama);
  const std::vector<int32_t> g = tfs::solo(m, greedy(8)).tokens;
  ASSERT_EQ(g.size(), 8u);
  // Max tokens: 'length' on the 8th step, nothing held.
  const Result len = one(m, greedy(8));
  EXPECT_EQ(len.finish, TF_FINISH_LENGTH);
  EXPECT_EQ(len.tokens, g);
  EXPECT_EQ(len.steps.back().held, 0);
  // Stop on the 3rd..4th tokens: 'stop' on step 4 with both held (removed), as tf_generate cuts them.
  Request stop = greedy(8);
  stop.stops = {{g[5], g[6]}, {g[2], g[3]}};
  const Result st = one(m, stop), want = tfs::solo(m, stop);
  EXPECT_EQ(st.finish, TF_FINISH_STOP);
  EXPECT_EQ(want.finish, TF_FINISH_STOP);
  EXPECT_EQ(st.tokens, want.tokens);
  EXPECT_EQ(st.tokens, std::vector<int32_t>(g.begin(), g.begin() + 2));
  ASSERT_EQ(st.steps.size(), 4u);
  EXPECT_EQ(st.steps[2].held, 1);  // g[2] might start the stop sequence: not yet part of the completion
  EXPECT_EQ(st.steps[3].held, 2);
  // A partial match that breaks is released: held goes 1 then 0.
  Request partial = greedy(6);
  partial.stops = {{g[1], (g[2] + 1) % 867, 5}};
  const Result p = one(m, partial);
  EXPECT_EQ(p.finish, TF_FINISH_LENGTH);
  EXPECT_EQ(p.tokens, std::vector<int32_t>(g.begin(), g.begin() + 6));
  EXPECT_EQ(p.steps[1].held, 1);
  EXPECT_EQ(p.steps[2].held, 0);
  // A stop matched on the last allowed token wins over the length limit, as in tf_generate.
  Request last = greedy(4);
  last.stops = {{g[3]}};
  EXPECT_EQ(one(m, last).finish, TF_FINISH_STOP);
  EXPECT_EQ(one(m, last).tokens, tfs::solo(m, last).tokens);
  tf_model_free(m);
}

TEST(SessionFinish, MaxContextEndsASequenceWithLength) {
  tf_model *m = tfs::load(tfs::kQwen);
  const std::vector<int32_t> g = tfs::solo(m, greedy(10)).tokens;
  const Result r = one(m, greedy(10), (int)kPrompt.size() + 3);  // room for 3 generated tokens
  EXPECT_EQ(r.finish, TF_FINISH_LENGTH);
  EXPECT_EQ(r.tokens, std::vector<int32_t>(g.begin(), g.begin() + 3));
  // A prompt that fills the context is refused.
  tf_session *s = tfs::open(m, 1, (int)kPrompt.size());
  const tf_sequence_options o = greedy(4).sequence_options();
  int32_t id = -1;
  EXPECT_EQ(tf_session_add(s, kPrompt.data(), (int)kPrompt.size(), &o, &id), TF_ERR_INVALID_ARGUMENT);
  tf_session_free(s);
  tf_model_free(m);
}

TEST(SessionFinish, TopLogprobsAreSortedIncludeTheChoiceAndMatchLogSoftmax) {
  tf_model *m = tfs::load(tfs::kLlama);
  tf_model_info info{};
  ASSERT_EQ(tf_model_info_get(m, &info), TF_OK);
  const int V = info.vocab_size;
  for (int n : {1, 5, TF_MAX_TOP_LOGPROBS}) {
    for (float temperature : {0.0f, 1.3f}) {
      Request r = greedy(10);
      r.temperature = temperature;
      r.seed = 3;
      r.top_logprobs = n;
      const Result got = one(m, r);
      // Reference: full-sequence logits of prompt + generated tokens, log-softmaxed in double.
      std::vector<int32_t> seq = kPrompt;
      seq.insert(seq.end(), got.tokens.begin(), got.tokens.end());
      std::vector<float> logits(seq.size() * V);
      ASSERT_EQ(tf_model_forward(m, seq.data(), nullptr, 1, (int)seq.size(), logits.data()), TF_OK);
      bool chosen_outside_top = false;
      for (size_t k = 0; k < got.steps.size(); ++k) {
        const tf_step_output &o = got.steps[k];
        ASSERT_EQ(o.n_top, n);
        const float *row = logits.data() + (kPrompt.size() - 1 + k) * V;
        double mx = row[0], sum = 0;
        for (int c = 0; c < V; ++c) mx = std::max(mx, (double)row[c]);
        for (int c = 0; c < V; ++c) sum += std::exp(row[c] - mx);
        const auto lsm = [&](int t) { return row[t] - mx - std::log(sum); };
        EXPECT_NEAR(o.logprob, lsm(o.token), 1e-4);
        bool has_choice = false;
        for (int i = 0; i < n; ++i) {
          EXPECT_NEAR(o.top[i].logprob, lsm(o.top[i].token), 1e-4);
          if (i > 0) EXPECT_GE(o.top[i - 1].logprob, o.top[i].logprob);
          if (o.top[i].token == o.token) {
            has_choice = true;
            EXPECT_EQ(o.top[i].logprob, o.logprob);
          }
        }
        // Every token outside the list is no more likely than its last entry.
        for (int c = 0; c < V; ++c) {
          bool listed = false;
          for (int i = 0; i < n; ++i) listed = listed || o.top[i].token == c;
          if (!listed) ASSERT_LE(lsm(c), lsm(o.top[n - 1].token) + 1e-6);
        }
        if (temperature == 0.0f) EXPECT_EQ(o.top[0].token, o.token);  // greedy picks the first entry
        chosen_outside_top = chosen_outside_top || !has_choice;
        if (!has_choice) EXPECT_LE(o.logprob, o.top[n - 1].logprob);
      }
      if (temperature == 0.0f) EXPECT_FALSE(chosen_outside_top);
    }
  }
  tf_model_free(m);
}

TEST(SessionFinish, EachCacheGrowsWithItsSequenceNotWithTheSessionMaximum) {
  // Directly: capacity follows the length geometrically and never passes the sequence's own limit.
  tf::KvCache c(tf::cpu_ops(), 2, 8, 40);
  EXPECT_EQ(c.capacity(), 0);
  c.extend(5);
  EXPECT_EQ(c.length(), 5);
  EXPECT_EQ(c.capacity(), 16);
  for (int i = 0; i < 12; ++i) c.extend(1);
  EXPECT_EQ(c.capacity(), 32);  // twice the 16 it held
  for (int i = 0; i < 20; ++i) c.extend(1);
  EXPECT_EQ(c.length(), 37);
  EXPECT_EQ(c.capacity(), 40);  // capped at the limit
  c.truncate(30);
  EXPECT_EQ(c.length(), 30);
  // A session over a huge context and many slots allocates nothing for them up front, and a sequence's
  // cache holds at most its prompt + max_new_tokens - 1 positions (the last token is never fed back).
  auto model = tf::Model::load(tfs::kLlama, "cpu", 2);
  tf::Session session(*model, 1 << 20, 1 << 30);
  Request r = greedy(3);
  r.prompt.assign(100, 7);
  const int32_t id = session.add(r.prompt, tf::SequenceOptions::from(r.generate_options(), 0, 867));
  const tf::KvCache &cache = session.find(id)->cache();
  EXPECT_EQ(cache.limit(), 102);
  EXPECT_EQ(cache.length(), 100);
  EXPECT_LE(cache.capacity(), 102);
  session.step();
  session.step();
  EXPECT_EQ(cache.length(), 101);
  EXPECT_LE(cache.capacity(), 102);
  EXPECT_EQ(session.step().at(0).choice.finish, TF_FINISH_LENGTH);
  EXPECT_EQ(session.active(), 0);
}

TEST(SessionFinish, BadArgumentsReturnStatuses) {
  tf_model *m = tfs::load(tfs::kLlama);
  tf_session *s = nullptr;
  tf_session_options so{0, 16};
  EXPECT_EQ(tf_session_create(m, &so, &s), TF_ERR_INVALID_ARGUMENT);
  so = {2, 1};
  EXPECT_EQ(tf_session_create(m, &so, &s), TF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tf_session_create(nullptr, &so, &s), TF_ERR_INVALID_ARGUMENT);
  s = tfs::open(m, 2, 16);
  int32_t id = -1;
  Request r = greedy(4);
  const auto add = [&](const Request &q) {
    const tf_sequence_options o = q.sequence_options();
    return tf_session_add(s, q.prompt.data(), (int)q.prompt.size(), &o, &id);
  };
  r.top_logprobs = TF_MAX_TOP_LOGPROBS + 1;
  EXPECT_EQ(add(r), TF_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(tf_last_error()).find("top_logprobs"), std::string::npos);
  r = greedy(0);
  EXPECT_EQ(add(r), TF_ERR_INVALID_ARGUMENT);
  r = greedy(4);
  r.prompt = {1, 100000};
  EXPECT_EQ(add(r), TF_ERR_INVALID_ARGUMENT);
  r = greedy(4);
  r.stops = {{}};
  EXPECT_EQ(add(r), TF_ERR_INVALID_ARGUMENT);
  r.stops = {{5000}};
  EXPECT_EQ(add(r), TF_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(add(greedy(4)), TF_OK);
  EXPECT_EQ(id, 0);  // refused adds take no id
  EXPECT_EQ(add(greedy(4)), TF_OK);
  tf_step_output out[2];
  int n = -1;
  EXPECT_EQ(tf_session_step(s, out, 1, &n), TF_ERR_INVALID_ARGUMENT);  // two are active
  EXPECT_EQ(tf_session_step(s, out, 2, &n), TF_OK);
  EXPECT_EQ(n, 2);
  // A grown vocabulary would make the cached rows and sampled ids disagree: the session refuses.
  ASSERT_EQ(tf_model_add_tokens(m, 1), TF_OK);
  EXPECT_EQ(tf_session_step(s, out, 2, &n), TF_ERR_STATE);
  EXPECT_EQ(tf_session_remove(s, 0, nullptr), TF_OK);  // removal still works
  tf_session_free(s);
  tf_model_free(m);
}

}  // namespace

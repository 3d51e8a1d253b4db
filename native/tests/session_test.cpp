// Decode sessions against tf_generate: the same tokens and log-probabilities, whoever joins or leaves,
// and slots that removal frees.
#include <gtest/gtest.h>

#include "session_util.h"

namespace {

using tfs::Request;
using tfs::Result;

const std::vector<int32_t> kA = {1, 451, 201, 752}, kB = {1, 616, 201, 36, 71, 436, 306}, kC = {1, 20, 30, 40},
                           kD = {5, 9, 300, 12, 800, 3, 3, 77, 41, 1, 2};

Request greedy(const std::vector<int32_t> &prompt, int max_new = 8) {
  Request r;
  r.prompt = prompt;
  r.max_new_tokens = max_new;
  return r;
}

Request sampled(const std::vector<int32_t> &prompt, uint64_t seed, int max_new = 8) {
  Request r = greedy(prompt, max_new);
  r.temperature = 0.9f;
  r.top_k = 40;
  r.top_p = 0.95f;
  r.seed = seed;
  return r;
}

void expect_same(const Result &got, const Result &want, const char *what, double tol = 0.0) {
  EXPECT_EQ(got.tokens, want.tokens) << what;
  EXPECT_EQ(got.finish, want.finish) << what;
  ASSERT_EQ(got.logprobs.size(), want.logprobs.size()) << what;
  for (size_t i = 0; i < want.logprobs.size(); ++i) {
    if (tol == 0.0) {
      EXPECT_EQ(got.logprobs[i], want.logprobs[i]) << what << " at " << i;
    } else {
      EXPECT_NEAR(got.logprobs[i], want.logprobs[i], tol) << what << " at " << i;
    }
  }
}

TEST(Session, ASequenceAloneIsExactlyTfGenerate) {
  for (const std::string &dir : {tfs::kLlama, tfs::kQwen, tfs::kQwen3, tfs::kMistral}) {
    tf_model *m = tfs::load(dir);
    for (const Request &r : {greedy(kA, 12), greedy(kD, 10), sampled(kB, 7, 12), sampled(kC, 123, 16)}) {
      tf_session *s = tfs::open(m, 4, 64);
      const int32_t id = tfs::add(s, r);
      EXPECT_EQ(id, 0);
      const auto results = tfs::drive(s, 4);
      ASSERT_EQ(results.size(), 1u);
      expect_same(results.at(id), tfs::solo(m, r), dir.c_str());
      EXPECT_EQ(results.at(id).steps.size(), (size_t)r.max_new_tokens);
      tf_session_free(s);
    }
    tf_model_free(m);
  }
}

TEST(Session, SeededSamplingDependsOnTheSeedNotOnTheOtherSequences) {
  tf_model *m = tfs::load(tfs::kQwen);
  // The same prompt three times: seeds 1 and 2 differ, two sequences with seed 1 agree.
  tf_session *s = tfs::open(m, 3, 64);
  const Request a = sampled(kC, 1, 12), b = sampled(kC, 2, 12);
  tfs::add(s, a);
  tfs::add(s, b);
  tfs::add(s, a);
  const auto results = tfs::drive(s, 3);
  EXPECT_EQ(results.at(0).tokens, results.at(2).tokens);
  EXPECT_NE(results.at(0).tokens, results.at(1).tokens);
  expect_same(results.at(0), tfs::solo(m, a), "seed 1", 1e-5);
  expect_same(results.at(1), tfs::solo(m, b), "seed 2", 1e-5);
  tf_session_free(s);
  tf_model_free(m);
}

TEST(Session, JoiningLateAndLeavingEarlyDoNotChangeTheOthers) {
  for (const std::string &dir : {tfs::kLlama, tfs::kQwen, tfs::kQwen3, tfs::kMistral}) {
    tf_model *m = tfs::load(dir);
    // 0 runs throughout; 1 joins at step 3; 2 joins at step 5 and stops after 2 tokens (length);
    // 3 joins at step 1 and is removed at step 6; 4 joins at step 6, into the slot 3 left.
    const std::vector<Request> reqs = {sampled(kA, 11, 20), greedy(kB, 12), sampled(kD, 5, 2), greedy(kC, 30),
                                       sampled(kB, 9, 10)};
    tf_session *s = tfs::open(m, 4, 64);
    const std::map<int, int> joins = {{0, 0}, {3, 1}, {5, 2}, {1, 3}, {6, 4}};
    std::map<int, int32_t> ids;  // request -> id
    const auto results = tfs::drive(
        s, 4,
        [&](int k) {
          if (k == 6) {
            int removed = 0;
            EXPECT_EQ(tf_session_remove(s, ids.at(3), &removed), TF_OK) << tf_last_error();
            EXPECT_EQ(removed, 1);
          }
          for (const auto &[at, req] : joins)
            if (at == k) ids[req] = tfs::add(s, reqs[req]);
        },
        6);
    for (int req : {0, 1, 2, 4}) {
      const Result &got = results.at(ids.at(req));
      // Other rows change the GEMM's shape (one row takes the GEMV path), so log-probs may differ in the last bits.
      expect_same(got, tfs::solo(m, reqs[req]), (dir + " request " + std::to_string(req)).c_str(), 1e-5);
      EXPECT_EQ(got.steps.size(), (size_t)reqs[req].max_new_tokens);
    }
    // The removed sequence produced exactly its first five tokens (steps 1..5) and no finish.
    const Result &cut = results.at(ids.at(3));
    const Result full = tfs::solo(m, reqs[3]);
    ASSERT_EQ(cut.steps.size(), 5u);
    EXPECT_EQ(cut.finish, TF_FINISH_NONE);
    EXPECT_EQ(cut.tokens, std::vector<int32_t>(full.tokens.begin(), full.tokens.begin() + 5));
    tf_session_free(s);
    tf_model_free(m);
  }
}

TEST(Session, RemovingASequenceFreesItsSlot) {
  tf_model *m = tfs::load(tfs::kLlama);
  tf_session *s = tfs::open(m, 2, 32);
  const Request r = greedy(kA, 20), other = greedy(kB, 6);
  const int32_t a = tfs::add(s, r), b = tfs::add(s, greedy(kC, 20));
  // Full: a third sequence is refused until a slot frees.
  const tf_sequence_options o = other.sequence_options();
  int32_t id = -1;
  EXPECT_EQ(tf_session_add(s, other.prompt.data(), (int)other.prompt.size(), &o, &id), TF_ERR_STATE);
  std::vector<tf_step_output> out(2);
  int n = 0;
  for (int k = 0; k < 3; ++k) ASSERT_EQ(tf_session_step(s, out.data(), 2, &n), TF_OK);
  int removed = -1;
  EXPECT_EQ(tf_session_remove(s, b, &removed), TF_OK);  // mid-generation
  EXPECT_EQ(removed, 1);
  EXPECT_EQ(tf_session_remove(s, b, &removed), TF_OK);  // again: already gone, not an error
  EXPECT_EQ(removed, 0);
  EXPECT_EQ(tf_session_remove(s, 99, &removed), TF_ERR_INVALID_ARGUMENT);  // never issued
  ASSERT_EQ(tf_session_step(s, out.data(), 2, &n), TF_OK);
  ASSERT_EQ(n, 1);  // only a is left
  EXPECT_EQ(out[0].id, a);
  EXPECT_EQ(tf_session_add(s, other.prompt.data(), (int)other.prompt.size(), &o, &id), TF_OK) << tf_last_error();
  EXPECT_EQ(id, 2);  // ids are never reused
  const auto results = tfs::drive(s, 2);
  expect_same(results.at(id), tfs::solo(m, other), "the newcomer", 1e-5);
  // a's remaining tokens continue its solo run after the 4 it has already produced.
  const Result full = tfs::solo(m, r);
  EXPECT_EQ(results.at(a).tokens, std::vector<int32_t>(full.tokens.begin() + 4, full.tokens.end()));
  // Removing everything leaves an empty session that steps to nothing.
  ASSERT_EQ(tf_session_step(s, out.data(), 2, &n), TF_OK);
  EXPECT_EQ(n, 0);
  tf_session_free(s);
  tf_model_free(m);
}

TEST(Session, TfGenerateWithManyPromptsStillMatchesOneByOne) {
  tf_model *m = tfs::load(tfs::kQwen);
  // One row stops early (on its own 4th token), the other runs to the length limit.
  Request a = greedy(kA, 10), b = greedy(kD, 10);
  b.stops = {{tfs::solo(m, b).tokens[3]}};
  a.stops = b.stops;
  const Result sa = tfs::solo(m, a), sb = tfs::solo(m, b);
  ASSERT_EQ(sb.finish, TF_FINISH_STOP);
  std::vector<int32_t> both = kA;
  both.insert(both.end(), kD.begin(), kD.end());
  const int32_t offsets[3] = {0, (int32_t)kA.size(), (int32_t)both.size()};
  const tf_generate_options o = b.generate_options();
  std::vector<int32_t> toks(20), lens(2), fin(2);
  std::vector<float> lps(20);
  ASSERT_EQ(tf_generate(m, both.data(), offsets, 2, &o, toks.data(), lps.data(), lens.data(), fin.data()), TF_OK);
  for (int i = 0; i < 2; ++i) {
    const Result &want = i == 0 ? sa : sb;
    const Result got{std::vector<int32_t>(toks.begin() + 10 * i, toks.begin() + 10 * i + lens[i]),
                     std::vector<float>(lps.begin() + 10 * i, lps.begin() + 10 * i + lens[i]), fin[i], {}};
    expect_same(got, want, i == 0 ? "row 0" : "row 1", 1e-5);
  }
  tf_model_free(m);
}

}  // namespace

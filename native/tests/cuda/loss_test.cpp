// Cross-entropy (loss, in-place gradient, token-accuracy hits with ties), the weighted cross-entropy and
// teacher-forced target log-probs against the CPU table; the cross-entropy gradient by finite differences.
#include "cuda_test_util.h"
#include "test_util.h"

using namespace tfc;

namespace {

// Logits with ties at the max in some rows (hits go to the lowest id) and ignored targets (-1).
void make_rows(int n, int vocab, std::mt19937 &gen, std::vector<float> &logits, std::vector<int32_t> &targets) {
  logits = randn((size_t)n * vocab, gen, 3.0f);
  targets.resize(n);
  for (int i = 0; i < n; ++i) {
    float *row = logits.data() + (size_t)i * vocab;
    targets[i] = (int32_t)(gen() % vocab);
    if (i % 5 == 0) targets[i] = -1;
    if (i % 3 == 0) {  // a tie for the max between the target and a lower id, or the target alone at the max
      const int t = targets[i] < 0 ? 1 : targets[i];
      row[t] = 100.0f;
      if (i % 2 == 0 && t > 0) row[t - 1] = 100.0f;
    }
  }
}

}  // namespace

TEST(CudaCrossEntropy, AgainstCpuInPlaceWithHits) {
  auto gen = fresh_gen();
  for (int vocab : {1000, 151936}) {
    const int n = vocab > 100000 ? 12 : 97;
    std::vector<float> logits;
    std::vector<int32_t> targets;
    make_rows(n, vocab, gen, logits, targets);
    std::vector<float> dl = logits;  // in place, as the trainer runs it
    int64_t cpu_hits = 0, gpu_hits = 0;
    const double want = cpu().cross_entropy(dl.data(), targets.data(), n, vocab, dl.data(), 0.5f, &cpu_hits);
    Dev<float> L(logits);
    Dev<int32_t> T(targets);
    const double got = gpu().cross_entropy(L.get(), T.get(), n, vocab, L.get(), 0.5f, &gpu_hits);
    EXPECT_NEAR(got, want, 1e-5 * std::fabs(want)) << vocab;
    EXPECT_EQ(gpu_hits, cpu_hits) << vocab;
    EXPECT_GT(cpu_hits, 0);
    EXPECT_REL_L2(L.host(), dl, kF32) << vocab;
    // Loss only, no gradient, no hits.
    Dev<float> L2(logits);
    EXPECT_NEAR(gpu().cross_entropy(L2.get(), T.get(), n, vocab, nullptr, 1.0f, nullptr), want, 1e-5 * std::fabs(want));
    EXPECT_EQ(L2.host(), logits);
  }
}

TEST(CudaCrossEntropy, FiniteDifferences) {
  auto gen = fresh_gen();
  const int n = 4, vocab = 50;
  std::vector<float> x = randn((size_t)n * vocab, gen);
  const std::vector<int32_t> targets = {3, -1, 49, 0};
  Dev<int32_t> T(targets);
  auto f = [&] {
    Dev<float> X(x);
    return gpu().cross_entropy(X.get(), T.get(), n, vocab, nullptr, 1.0f, nullptr);
  };
  Dev<float> X(x), D(x.size());
  gpu().cross_entropy(X.get(), T.get(), n, vocab, D.get(), 1.0f, nullptr);
  tft::check_gradient(x, D.host(), f, "cross-entropy dlogits");
}

TEST(CudaWeightedCrossEntropy, AgainstCpu) {
  auto gen = fresh_gen();
  const int n = 64, vocab = 5000;
  std::vector<float> logits;
  std::vector<int32_t> targets;
  make_rows(n, vocab, gen, logits, targets);
  const std::vector<float> w = randn(n, gen);
  std::vector<float> dl(logits.size()), lp(n);
  const double want = cpu().weighted_cross_entropy(logits.data(), targets.data(), w.data(), n, vocab, dl.data(),
                                                   lp.data());
  Dev<float> L(logits), W(w), LP(n);
  Dev<int32_t> T(targets);
  const double got = gpu().weighted_cross_entropy(L.get(), T.get(), W.get(), n, vocab, L.get(), LP.get());
  EXPECT_NEAR(got, want, 1e-6 * (1 + std::fabs(want)));
  EXPECT_REL_L2(L.host(), dl, kF32);
  EXPECT_REL_L2(LP.host(), lp, kF32);
}

TEST(CudaTargetLogprobs, AgainstCpu) {
  auto gen = fresh_gen();
  const int n = 80, vocab = 3001;
  std::vector<float> logits;
  std::vector<int32_t> targets;
  make_rows(n, vocab, gen, logits, targets);
  std::vector<float> lp(n);
  std::vector<uint8_t> greedy(n);
  cpu().target_logprobs(logits.data(), targets.data(), n, vocab, lp.data(), greedy.data());
  Dev<float> L(logits), LP(n);
  Dev<int32_t> T(targets);
  Dev<uint8_t> G(n);
  gpu().target_logprobs(L.get(), T.get(), n, vocab, LP.get(), G.get());
  EXPECT_REL_L2(LP.host(), lp, kF32);
  EXPECT_EQ(G.host(), greedy);
}

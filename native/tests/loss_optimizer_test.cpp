// The loss and optimizer kernels (cross-entropy with its greedy-hit count, AdamW one tensor and many, the
// reductions they use) against naive references and finite differences; the backend table's lookup.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "backend.h"
#include "cpu/kernels.h"
#include "test_util.h"

namespace {

using tft::randn;
const tf::Ops &ops = tf::cpu_ops();

TEST(CrossEntropy, LossAndGradientWithIgnoredRows) {
  const int n = 4, V = 13;
  auto logits = randn(n * V, 1, 3.0f);
  std::vector<int32_t> targets = {2, -100, 12, 0};
  double want = 0;
  for (int i = 0; i < n; ++i) {
    if (targets[i] < 0) continue;
    double mx = -INFINITY, sum = 0;
    for (int c = 0; c < V; ++c) mx = std::max(mx, (double)logits[i * V + c]);
    for (int c = 0; c < V; ++c) sum += std::exp(logits[i * V + c] - mx);
    want += mx + std::log(sum) - logits[i * V + targets[i]];
  }
  EXPECT_NEAR(ops.cross_entropy(logits.data(), targets.data(), n, V, nullptr, 1.0f, nullptr), want, 1e-5);
  std::vector<float> dl(n * V);
  ops.cross_entropy(logits.data(), targets.data(), n, V, dl.data(), 1.0f, nullptr);
  for (int c = 0; c < V; ++c) ASSERT_EQ(dl[1 * V + c], 0.0f);
  auto f = [&] { return ops.cross_entropy(logits.data(), targets.data(), n, V, nullptr, 1.0f, nullptr); };
  tft::check_gradient(logits, dl, f, "cross entropy", 1e-2f, 2e-2);
}

TEST(CrossEntropy, CountsGreedyHitsWithTorchArgmaxTies) {
  const int V = 5;
  // Row 0: target 3 is the unique max. Row 1: target 1 is not the max. Row 2: ignored. Row 3: ids 0 and 2 tie
  // for the max and the target is 2 (torch.argmax picks 0: a miss). Row 4: the tie's lowest id is the target.
  std::vector<float> logits = {0, 1, 2, 5, 1,  3, 1, 0, 0, 0,  9, 0, 0, 0, 0,  4, 0, 4, 1, 1,  4, 0, 4, 1, 1};
  std::vector<int32_t> targets = {3, 1, -100, 2, 0};
  int64_t hits = 0;
  ops.cross_entropy(logits.data(), targets.data(), 5, V, nullptr, 1.0f, &hits);
  EXPECT_EQ(hits, 2);
  // Counted before the gradient overwrites the logits in place (the chunked head passes dlogits = logits).
  hits = 0;
  ops.cross_entropy(logits.data(), targets.data(), 5, V, logits.data(), 1.0f, &hits);
  EXPECT_EQ(hits, 2);
}

TEST(AdamW, MatchesTorchFormula) {
  const int n = 9;
  auto p = randn(n, 1), g = randn(n, 2), m = randn(n, 3, 0.1f), v = randn(n, 4, 0.1f);
  for (auto &x : v) x = std::fabs(x);
  auto p2 = p, m2 = m, v2 = v;
  const float lr = 1e-2f, b1 = 0.9f, b2 = 0.95f, eps = 1e-8f, wd = 0.1f;
  const int step = 3;
  const double bc1 = 1 - std::pow(0.9, step), bc2 = 1 - std::pow(0.95, step);
  ops.adamw(p.data(), g.data(), m.data(), v.data(), n, lr, b1, b2, eps, wd, (float)bc1, (float)bc2);
  for (int i = 0; i < n; ++i) {
    double pp = p2[i] * (1 - (double)lr * wd);
    const double mm = b1 * (double)m2[i] + (1 - b1) * (double)g[i];
    const double vv = b2 * (double)v2[i] + (1 - b2) * (double)g[i] * g[i];
    pp -= lr / bc1 * mm / (std::sqrt(vv) / std::sqrt(bc2) + eps);
    ASSERT_NEAR(m[i], mm, 1e-6);
    ASSERT_NEAR(v[i], vv, 1e-6);
    ASSERT_NEAR(p[i], pp, 1e-5);
  }
}

TEST(Elementwise, SumSquaresIsExactAcrossChunksAndBiasBackward) {
  auto x = randn(40000, 1);
  double want = 0;
  for (float e : x) want += (double)e * e;
  EXPECT_NEAR(ops.sum_squares(x.data(), (int64_t)x.size()), want, 1e-6 * want);
  const int n = 5, D = 7;
  auto dy = randn(n * D, 2);
  std::vector<float> db(D, 1.0f);
  ops.bias_backward(dy.data(), n, D, db.data());
  for (int c = 0; c < D; ++c) {
    double s = 1.0;
    for (int i = 0; i < n; ++i) s += dy[i * D + c];
    ASSERT_NEAR(db[c], s, 1e-5);
  }
}

// The optimizer's multi-tensor passes equal the per-tensor kernels: grad * s * coef into adamw (each tensor its
// own weight decay), grads cleared; the norm is the sum of squares of the scaled grads, the same for 1 and 2
// threads.
TEST(AdamW, MultiTensorPassesMatchPerTensorKernels) {
  const std::vector<int64_t> sizes = {5, 40000, 16384, 3};
  std::vector<std::vector<float>> p, g, m, v;
  for (size_t i = 0; i < sizes.size(); ++i) {
    p.push_back(randn(sizes[i], 10 + i));
    g.push_back(randn(sizes[i], 20 + i));
    m.push_back(randn(sizes[i], 30 + i));
    v.push_back(randn(sizes[i], 40 + i));
    for (float &x : v.back()) x = x * x;
  }
  auto p2 = p, g2 = g, m2 = m, v2 = v;
  std::vector<tf::OptimTensor> ts;
  for (size_t i = 0; i < sizes.size(); ++i)
    ts.push_back({p2[i].data(), g2[i].data(), m2[i].data(), v2[i].data(), sizes[i], i % 2 ? 0.1f : 0.0f});
  const float s = 0.25f, coef = 0.5f;
  double want = 0;
  for (auto &gi : g)
    for (float x : gi) want += (double)(x * s) * (x * s);
  tf::cpu::set_threads(1);
  const double one = ops.grad_sum_squares(ts.data(), (int)ts.size(), s);
  tf::cpu::set_threads(2);
  EXPECT_EQ(ops.grad_sum_squares(ts.data(), (int)ts.size(), s), one);
  EXPECT_NEAR(one, want, 1e-6 * want);
  ops.adamw_multi(ts.data(), (int)ts.size(), s, coef, 1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, 0.05f);
  for (size_t i = 0; i < sizes.size(); ++i) {
    ops.scale(g[i].data(), sizes[i], s);
    ops.scale(g[i].data(), sizes[i], coef);
    ops.adamw(p[i].data(), g[i].data(), m[i].data(), v[i].data(), sizes[i], 1e-2f, 0.9f, 0.95f, 1e-8f,
              i % 2 ? 0.1f : 0.0f, 0.1f, 0.05f);
    EXPECT_EQ(p2[i], p[i]);
    EXPECT_EQ(m2[i], m[i]);
    EXPECT_EQ(v2[i], v[i]);
    EXPECT_EQ(g2[i], std::vector<float>(sizes[i], 0.0f));
  }
}

TEST(Backend, UnknownBackendsAreRefused) {
  EXPECT_THROW(tf::backend("cuda"), std::exception);
  EXPECT_THROW(tf::backend("tpu"), std::exception);
  EXPECT_STREQ(tf::backend("cpu").name, "cpu");
}

}  // namespace

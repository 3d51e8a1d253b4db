// The ops that moved into the table with issue #21 (the loops model, trainer and generation code ran by hand),
// each on random non-zero inputs against a plain reference loop. Inputs and outputs cross through Buffer
// transfers only, so the same checks hold for any backend's table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "backend.h"
#include "buffer.h"
#include "sampling.h"
#include "test_util.h"

namespace {

using tft::randn;
const tf::Ops &ops = tf::cpu_ops();

tf::FloatBuffer up(const std::vector<float> &v) { return tf::FloatBuffer::from_host(ops, v.data(), v.size()); }
tf::IntBuffer up(const std::vector<int32_t> &v) { return tf::IntBuffer::from_host(ops, v.data(), v.size()); }

TEST(TableOps, AddBiasAddsTheRowVectorToEveryRow) {
  const int n = 37, dim = 1100;  // n * dim above the parallel threshold
  const auto y0 = randn((size_t)n * dim, 1), b = randn(dim, 2);
  auto y = up(y0);
  ops.add_bias(y.data(), up(b).data(), n, dim);
  std::vector<float> want = y0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < dim; ++j) want[(size_t)i * dim + j] += b[j];
  tft::expect_close(y.to_host(), want, 0, 0, "add_bias");
}

TEST(TableOps, MulSetsAndMulAccumulateAdds) {
  for (int64_t n : {int64_t(1000), int64_t(70001)}) {
    const auto x = randn(n, 3), m = randn(n, 4), acc0 = randn(n, 5);
    tf::FloatBuffer out(ops, n);
    ops.mul(up(x).data(), up(m).data(), n, out.data());
    auto acc = up(acc0);
    ops.mul_accumulate(up(x).data(), up(m).data(), n, acc.data());
    std::vector<float> prod(n), sum(n);
    for (int64_t i = 0; i < n; ++i) prod[i] = x[i] * m[i], sum[i] = acc0[i] + x[i] * m[i];
    tft::expect_close(out.to_host(), prod, 0, 0, "mul");
    tft::expect_close(acc.to_host(), sum, 0, 0, "mul_accumulate");
  }
  // In place (out = x), as the LoRA backward uses it.
  const auto x = randn(500, 6), m = randn(500, 7);
  auto xb = up(x);
  ops.mul(xb.data(), up(m).data(), 500, xb.data());
  const auto got = xb.to_host();
  for (int i = 0; i < 500; ++i) ASSERT_EQ(got[i], x[i] * m[i]);
}

TEST(TableOps, DropoutDrawsAScaledMaskFromItsSeedAlone) {
  const int64_t n = 20000;
  const float p = 0.3f, keep = 1.0f / (1.0f - p);
  const auto x = randn(n, 8);
  auto xb = up(x);
  tf::FloatBuffer mask(ops, n), out(ops, n), mask2(ops, n), out2(ops, n), mask3(ops, n), out3(ops, n);
  ops.dropout(xb.data(), n, p, 42, mask.data(), out.data());
  ops.dropout(xb.data(), n, p, 42, mask2.data(), out2.data());
  ops.dropout(xb.data(), n, p, 43, mask3.data(), out3.data());
  const auto m = mask.to_host(), o = out.to_host();
  int64_t dropped = 0;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(m[i] == 0.0f || m[i] == keep) << i;
    ASSERT_EQ(o[i], x[i] * m[i]) << i;
    dropped += m[i] == 0.0f;
  }
  // 6000 expected; 5 standard deviations (65) either side.
  EXPECT_NEAR((double)dropped, p * n, 5 * std::sqrt(n * p * (1 - p)));
  EXPECT_EQ(mask2.to_host(), m);  // same seed, same mask (recomputation, resume)
  EXPECT_EQ(out2.to_host(), o);
  EXPECT_NE(mask3.to_host(), m);  // another seed, another mask
}

TEST(TableOps, TransposeSetsOrAccumulates) {
  const int rows = 16, cols = 203;
  const auto src = randn((size_t)rows * cols, 9), dst0 = randn((size_t)rows * cols, 10);
  tf::FloatBuffer set(ops, src.size());
  auto acc = up(dst0);
  ops.transpose(up(src).data(), rows, cols, set.data(), false);
  ops.transpose(up(src).data(), rows, cols, acc.data(), true);
  std::vector<float> want_set(src.size()), want_acc = dst0;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      want_set[(size_t)c * rows + r] = src[(size_t)r * cols + c];
      want_acc[(size_t)c * rows + r] += src[(size_t)r * cols + c];
    }
  tft::expect_close(set.to_host(), want_set, 0, 0, "transpose");
  tft::expect_close(acc.to_host(), want_acc, 0, 0, "transpose accumulate");
}

TEST(TableOps, GatherRowsAndScatterAddRows) {
  const int n = 11, dim = 3500, m = 5;
  const std::vector<int32_t> rows = {7, 0, 10, 3, 4};
  const auto src = randn((size_t)n * dim, 11), part = randn((size_t)m * dim, 12), y0 = randn((size_t)n * dim, 13);
  tf::FloatBuffer gathered(ops, (size_t)m * dim);
  ops.gather_rows(up(src).data(), up(rows).data(), m, dim, gathered.data());
  auto y = up(y0);
  ops.scatter_add_rows(up(part).data(), up(rows).data(), m, dim, y.data());
  std::vector<float> want_g((size_t)m * dim), want_y = y0;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < dim; ++j) {
      want_g[(size_t)i * dim + j] = src[(size_t)rows[i] * dim + j];
      want_y[(size_t)rows[i] * dim + j] += part[(size_t)i * dim + j];
    }
  tft::expect_close(gathered.to_host(), want_g, 0, 0, "gather_rows");
  tft::expect_close(y.to_host(), want_y, 0, 0, "scatter_add_rows");
}

TEST(TableOps, CopyRowsToPutsEachRowIntoItsOwnBuffer) {
  const int n = 3, row = 40;
  const auto src = randn((size_t)n * row, 14);
  // Three caches of different lengths; each row lands at its own position, nothing else changes.
  std::vector<tf::FloatBuffer> caches;
  std::vector<std::vector<float>> before;
  std::vector<float *> dst;
  const int pos[n] = {2, 0, 5};
  for (int i = 0; i < n; ++i) {
    before.push_back(randn((size_t)(pos[i] + 2) * row, 15 + i));
    caches.push_back(up(before.back()));
    dst.push_back(caches.back().data() + (size_t)pos[i] * row);
  }
  ops.copy_rows_to(up(src).data(), n, row, dst.data());
  for (int i = 0; i < n; ++i) {
    std::vector<float> want = before[i];
    std::copy(src.begin() + (size_t)i * row, src.begin() + (size_t)(i + 1) * row, want.begin() + (size_t)pos[i] * row);
    tft::expect_close(caches[i].to_host(), want, 0, 0, "copy_rows_to");
  }
}

TEST(TableOps, WeightedCrossEntropyMatchesAReferenceLoop) {
  const int n = 9, V = 301;
  const auto logits = randn((size_t)n * V, 20, 2.0f), weights = randn(n, 21);
  std::vector<int32_t> targets(n);
  for (int i = 0; i < n; ++i) targets[i] = i == 4 ? -100 : (i * 97 + 5) % V;
  auto lb = up(logits);
  tf::FloatBuffer logprob(ops, n);
  // dlogits written over the logits, as the head's chunked loss does.
  const double loss = ops.weighted_cross_entropy(lb.data(), up(targets).data(), up(weights).data(), n, V, lb.data(),
                                                 logprob.data());
  double want_loss = 0;
  std::vector<float> want_d((size_t)n * V, 0.0f), want_lp(n, 0.0f);
  for (int i = 0; i < n; ++i) {
    if (targets[i] < 0) continue;
    const float *x = logits.data() + (size_t)i * V;
    double mx = x[0], sum = 0;
    for (int c = 1; c < V; ++c) mx = std::max(mx, (double)x[c]);
    for (int c = 0; c < V; ++c) sum += std::exp(x[c] - mx);
    const double lse = mx + std::log(sum), nll = lse - x[targets[i]];
    want_loss += weights[i] * nll;
    want_lp[i] = (float)-nll;
    for (int c = 0; c < V; ++c) want_d[(size_t)i * V + c] = (float)(weights[i] * std::exp(x[c] - lse));
    want_d[(size_t)i * V + targets[i]] -= weights[i];
  }
  EXPECT_NEAR(loss, want_loss, 1e-6 * std::fabs(want_loss));  // the kernel subtracts the max in f32
  tft::expect_close(lb.to_host(), want_d, 1e-7, 1e-5, "weighted_cross_entropy dlogits");
  tft::expect_close(logprob.to_host(), want_lp, 1e-6, 1e-6, "weighted_cross_entropy logprob");
}

TEST(TableOps, TargetLogprobsAreTheSamplersLogSoftmaxAndArgmax) {
  const int n = 8, V = 500;
  auto logits = randn((size_t)n * V, 22, 3.0f);
  std::vector<int32_t> targets(n);
  for (int i = 0; i < n; ++i) targets[i] = (i * 61 + 2) % V;
  targets[6] = -1;
  // Row 2's target is its argmax; row 3 ties two maxima and names the higher id (not greedy: ties go low).
  const auto top = [&](int i) { return *std::max_element(logits.begin() + (size_t)i * V, logits.begin() + (size_t)(i + 1) * V); };
  logits[(size_t)2 * V + targets[2]] = top(2) + 1.0f;
  const float t3 = top(3) + 1.0f;
  logits[(size_t)3 * V + 1] = t3;
  logits[(size_t)3 * V + targets[3]] = t3;
  ASSERT_GT(targets[3], 1);
  tf::FloatBuffer lp(ops, n);
  tf::Buffer<uint8_t> greedy(ops, n);
  ops.target_logprobs(up(logits).data(), up(targets).data(), n, V, lp.data(), greedy.data());
  const auto got_lp = lp.to_host();
  const auto got_g = greedy.to_host();
  for (int i = 0; i < n; ++i) {
    if (targets[i] < 0) {
      EXPECT_EQ(got_lp[i], 0.0f);
      EXPECT_EQ(got_g[i], 0);
      continue;
    }
    const float *row = logits.data() + (size_t)i * V;
    EXPECT_EQ(got_lp[i], tf::LogSoftmax(row, V).at(targets[i])) << i;  // bit for bit: the sampler's numbers
    double mx = row[0], sum = 0;
    for (int c = 1; c < V; ++c) mx = std::max(mx, (double)row[c]);
    for (int c = 0; c < V; ++c) sum += std::exp(row[c] - mx);
    EXPECT_NEAR(got_lp[i], row[targets[i]] - mx - std::log(sum), 1e-5) << i;
    int argmax = 0;
    for (int c = 1; c < V; ++c)
      if (row[c] > row[argmax]) argmax = c;
    EXPECT_EQ(got_g[i], argmax == targets[i] ? 1 : 0) << i;
  }
  EXPECT_EQ(got_g[2], 1);
  EXPECT_EQ(got_g[3], 0);
}

}  // namespace

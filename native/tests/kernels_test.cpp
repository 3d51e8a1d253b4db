// Every CPU kernel against a naive reference, and every backward kernel
// against finite differences of its forward kernel.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "backend.h"
#include "cpu/kernels.h"
#include "test_util.h"

namespace {

using tft::randn;
const tf::Ops &ops = tf::cpu_ops();

// threads = 0: the cgroup's CPU quota caps the default (v2 cpu.max, else v1 cfs quota/period), rounded up.
TEST(CpuBudget, ReadsTheCgroupQuota) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("tf-cgroup-" + std::to_string(::getpid()));
  auto write = [&](const std::string &rel, const std::string &text) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  };
  EXPECT_EQ(tf::cpu::cgroup_cpu_quota(root.string()), 0);  // nothing there: unknown
  write("cpu/cpu.cfs_quota_us", "-1\n");
  write("cpu/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(tf::cpu::cgroup_cpu_quota(root.string()), 0);  // v1 unlimited
  write("cpu/cpu.cfs_quota_us", "150000\n");
  EXPECT_EQ(tf::cpu::cgroup_cpu_quota(root.string()), 2);  // v1 1.5 CPUs
  write("cpu.max", "max 100000\n");
  EXPECT_EQ(tf::cpu::cgroup_cpu_quota(root.string()), 0);  // v2 wins; unlimited
  write("cpu.max", "50000 100000\n");
  EXPECT_EQ(tf::cpu::cgroup_cpu_quota(root.string()), 1);
  write("cpu.max", "400000 100000\n");
  EXPECT_EQ(tf::cpu::cgroup_cpu_quota(root.string()), 4);
  fs::remove_all(root);
  EXPECT_GE(tf::cpu::default_threads(), 1);
}

TEST(Gemm, MatchesNaiveForAllTransposes) {
  const int m = 7, n = 5, k = 9;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      auto a = randn(m * k, 1), b = randn(k * n, 2), c = randn(m * n, 3);
      auto want = c;
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
          double s = 0;
          for (int p = 0; p < k; ++p) s += (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
          want[i * n + j] = (float)(0.5 * s + 2.0 * c[i * n + j]);
        }
      ops.gemm(ta, tb, m, n, k, 0.5f, a.data(), ta ? m : k, b.data(), tb ? k : n, 2.0f, c.data(), n);
      tft::expect_close(c, want, 1e-5, 1e-5, "gemm");
    }
}

// One sequence's projections in one call: each output equals its own GEMV (beta 0 and 1), also when the rows
// are split between threads (sizes above the parallel threshold, row counts not multiples of the 16-row split).
TEST(Gemm, GemvMultiMatchesSeparateGemvs) {
  const int k = 300;
  const std::vector<int> rows = {500, 37, 260};
  std::vector<std::vector<float>> w, y0;
  for (size_t i = 0; i < rows.size(); ++i) {
    w.push_back(randn(rows[i] * k, 1 + i));
    y0.push_back(randn(rows[i], 5 + i));
  }
  auto x = randn(k, 9);
  for (int threads : {1, 2}) {
    tf::cpu::set_threads(threads);
    for (float beta : {0.0f, 1.0f}) {
      auto y = y0;
      const float *wp[3] = {w[0].data(), w[1].data(), w[2].data()};
      float *yp[3] = {y[0].data(), y[1].data(), y[2].data()};
      ops.gemv_multi(3, wp, rows.data(), k, x.data(), beta, yp);
      for (size_t i = 0; i < rows.size(); ++i) {
        auto want = y0[i];
        ops.gemm(false, true, 1, rows[i], k, 1.0f, x.data(), k, w[i].data(), k, beta, want.data(), rows[i]);
        tft::expect_close(y[i], want, 1e-5, 1e-5, "gemv_multi");
      }
    }
  }
}

// The LoRA-rank kernels: every supported rank, row counts and widths that are not multiples of the blocking,
// strided operands, beta 0 and 1; and results identical for 1 and 2 threads.
TEST(Gemm, NarrowKernelsMatchNaive) {
  EXPECT_FALSE(ops.narrow_ok(5));
  EXPECT_FALSE(ops.narrow_ok(0));
  for (int r : {4, 8, 16, 32}) {
    ASSERT_TRUE(ops.narrow_ok(r));
    for (int m : {1, 7, 70}) {
      const int k = 37, ldx = k + 3, ldw = r + 2;
      auto x = randn(m * ldx, 1), w = randn(k * ldw, 2), c0 = randn(m * r, 3);
      for (float beta : {0.0f, 1.0f}) {
        auto want = c0;
        for (int i = 0; i < m; ++i)
          for (int j = 0; j < r; ++j) {
            double s = 0;
            for (int p = 0; p < k; ++p) s += (double)x[i * ldx + p] * w[p * ldw + j];
            want[i * r + j] = (float)(0.5 * s + beta * c0[i * r + j]);
          }
        auto c = c0;
        ops.gemm_xw_narrow(m, r, k, 0.5f, x.data(), ldx, w.data(), ldw, beta, c.data(), r);
        tft::expect_close(c, want, 1e-5, 1e-5, "gemm_xw_narrow");
      }
      // C[r][N] += alpha Z^T Y with n = m rows, N = 83 columns (a partial 16-column tail).
      const int N = 83, ldz = r + 1, ldy = N + 5, ldc = N + 2;
      auto z = randn(m * ldz, 4), y = randn(m * ldy, 5), c = randn(r * ldc, 6);
      auto want = c;
      for (int j = 0; j < r; ++j)
        for (int q = 0; q < N; ++q) {
          double s = 0;
          for (int i = 0; i < m; ++i) s += (double)z[i * ldz + j] * y[i * ldy + q];
          want[j * ldc + q] = (float)(c[j * ldc + q] + 1.5 * s);
        }
      ops.gemm_zty_narrow(r, N, m, 1.5f, z.data(), ldz, y.data(), ldy, c.data(), ldc);
      tft::expect_close(c, want, 1e-5, 1e-5, "gemm_zty_narrow");
    }
  }
  const int m = 4000, k = 64, r = 16;
  auto x = randn(m * k, 7), w = randn(k * r, 8);
  std::vector<float> c1(m * r), c2(m * r), t1(r * k, 0.0f), t2(r * k, 0.0f);
  tf::cpu::set_threads(1);
  ops.gemm_xw_narrow(m, r, k, 1.0f, x.data(), k, w.data(), r, 0.0f, c1.data(), r);
  ops.gemm_zty_narrow(r, k, m, 1.0f, c1.data(), r, x.data(), k, t1.data(), k);
  tf::cpu::set_threads(2);
  ops.gemm_xw_narrow(m, r, k, 1.0f, x.data(), k, w.data(), r, 0.0f, c2.data(), r);
  ops.gemm_zty_narrow(r, k, m, 1.0f, c2.data(), r, x.data(), k, t2.data(), k);
  EXPECT_EQ(c1, c2);
  EXPECT_EQ(t1, t2);
}

TEST(Gemm, SingleRowTakesTheGemvPathWithTheSameResult) {
  const int n = 6, k = 5;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      const int lda = ta ? 3 : k;  // a transposed single row is a strided column
      auto a = randn(k * 3, 1), b = randn(k * n, 2), c = randn(n, 3);
      auto want = c;
      for (int j = 0; j < n; ++j) {
        double s = 0;
        for (int p = 0; p < k; ++p) s += (double)(ta ? a[p * lda] : a[p]) * (tb ? b[j * k + p] : b[p * n + j]);
        want[j] = (float)(1.5 * s + 0.5 * c[j]);
      }
      ops.gemm(ta, tb, 1, n, k, 1.5f, a.data(), lda, b.data(), tb ? k : n, 0.5f, c.data(), n);
      tft::expect_close(c, want, 1e-5, 1e-5, "gemv");
    }
}

TEST(Embedding, ForwardAndBackwardWithRepeatedIds) {
  const int V = 11, D = 70, n = 6;
  auto table = randn(V * D, 1);
  std::vector<int32_t> ids = {3, 0, 3, 10, 5, 3};
  std::vector<float> out(n * D);
  ops.embedding_forward(table.data(), ids.data(), n, D, out.data());
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < D; ++c) ASSERT_EQ(out[i * D + c], table[ids[i] * D + c]);
  auto dout = randn(n * D, 2);
  std::vector<float> dtable(V * D, 0.0f), want(V * D, 0.0f);
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < D; ++c) want[ids[i] * D + c] += dout[i * D + c];
  ops.embedding_backward(dout.data(), ids.data(), n, D, dtable.data());
  tft::expect_close(dtable, want, 1e-6, 0, "embedding backward");
}

TEST(RmsNorm, ForwardMatchesReference) {
  const int n = 5, D = 33;
  auto x = randn(n * D, 1), w = randn(D, 2);
  std::vector<float> y(n * D), rstd(n), want(n * D);
  for (int i = 0; i < n; ++i) {
    double ss = 0;
    for (int c = 0; c < D; ++c) ss += (double)x[i * D + c] * x[i * D + c];
    const double r = 1.0 / std::sqrt(ss / D + 1e-5);
    for (int c = 0; c < D; ++c) want[i * D + c] = (float)(w[c] * x[i * D + c] * r);
  }
  ops.rmsnorm_forward(x.data(), w.data(), n, D, 1e-5f, y.data(), rstd.data());
  tft::expect_close(y, want, 1e-5, 1e-5, "rmsnorm");
}

TEST(RmsNorm, BackwardMatchesFiniteDifferences) {
  const int n = 4, D = 24;
  auto x = randn(n * D, 1), w = randn(D, 2), r = randn(n * D, 3);
  std::vector<float> y(n * D), rstd(n);
  auto f = [&] {
    ops.rmsnorm_forward(x.data(), w.data(), n, D, 1e-5f, y.data(), rstd.data());
    return tft::dot(y, r);
  };
  f();
  std::vector<float> dx(n * D, 0.0f), dw(D, 0.0f);
  ops.rmsnorm_backward(r.data(), x.data(), w.data(), rstd.data(), n, D, dx.data(), dw.data());
  tft::check_gradient(x, dx, f, "rmsnorm dx");
  tft::check_gradient(w, dw, f, "rmsnorm dw");
}

TEST(Rope, ForwardMatchesRotateHalfReference) {
  const int n = 3, H = 2, hd = 8;
  auto x = randn(n * H * hd, 1);
  std::vector<int32_t> pos = {0, 5, 17};
  std::vector<float> inv = {1.0f, 0.3f, 0.05f, 0.001f};
  auto want = x;
  for (int i = 0; i < n; ++i)
    for (int h = 0; h < H; ++h)
      for (int f = 0; f < hd / 2; ++f) {
        const double a = (double)pos[i] * inv[f];
        const float x1 = x[(i * H + h) * hd + f], x2 = x[(i * H + h) * hd + f + hd / 2];
        want[(i * H + h) * hd + f] = (float)(x1 * std::cos(a) - x2 * std::sin(a));
        want[(i * H + h) * hd + f + hd / 2] = (float)(x2 * std::cos(a) + x1 * std::sin(a));
      }
  ops.rope_forward(x.data(), pos.data(), n, H, hd, inv.data());
  tft::expect_close(x, want, 1e-5, 1e-5, "rope");
}

TEST(Rope, BackwardMatchesFiniteDifferences) {
  const int n = 3, H = 2, hd = 8;
  auto x = randn(n * H * hd, 1), r = randn(n * H * hd, 2);
  std::vector<int32_t> pos = {0, 5, 17};
  std::vector<float> inv = {1.0f, 0.3f, 0.05f, 0.001f};
  auto f = [&] {
    auto y = x;
    ops.rope_forward(y.data(), pos.data(), n, H, hd, inv.data());
    return tft::dot(y, r);
  };
  auto dx = r;
  ops.rope_backward(dx.data(), pos.data(), n, H, hd, inv.data());
  tft::check_gradient(x, dx, f, "rope dx");
}

// Qwen3's q/k norm: the RMSNorm kernel over [n*heads][head_dim] rows with one [head_dim] weight for every head
// (dw sums over tokens and heads), followed by RoPE, as layer_forward/layer_backward compose them.
TEST(QkNorm, PerHeadNormThenRopeMatchesReferenceAndFiniteDifferences) {
  const int n = 3, H = 3, hd = 8;
  auto x = randn(n * H * hd, 4), w = randn(hd, 5), r = randn(n * H * hd, 6);
  for (auto &v : w) v = 1.0f + 0.5f * v;
  std::vector<int32_t> pos = {0, 5, 17};
  std::vector<float> inv = {1.0f, 0.3f, 0.05f, 0.001f}, rstd(n * H);
  auto y = x;
  auto f = [&] {
    ops.rmsnorm_forward(x.data(), w.data(), n * H, hd, 1e-6f, y.data(), rstd.data());
    ops.rope_forward(y.data(), pos.data(), n, H, hd, inv.data());
    return tft::dot(y, r);
  };
  f();
  // Reference: every (token, head) row normalized on its own, before the rotation.
  std::vector<float> normed(n * H * hd), rotated;
  for (int row = 0; row < n * H; ++row) {
    double ss = 0;
    for (int c = 0; c < hd; ++c) ss += (double)x[row * hd + c] * x[row * hd + c];
    const double rs = 1.0 / std::sqrt(ss / hd + 1e-6);
    for (int c = 0; c < hd; ++c) normed[row * hd + c] = (float)(w[c] * x[row * hd + c] * rs);
  }
  rotated = normed;
  ops.rope_forward(rotated.data(), pos.data(), n, H, hd, inv.data());
  tft::expect_close(y, rotated, 1e-5, 1e-5, "qk norm forward");

  auto dy = r;
  ops.rope_backward(dy.data(), pos.data(), n, H, hd, inv.data());
  std::vector<float> dx(n * H * hd, 0.0f), dw(hd, 0.0f);
  ops.rmsnorm_backward(dy.data(), x.data(), w.data(), rstd.data(), n * H, hd, dx.data(), dw.data());
  tft::check_gradient(x, dx, f, "qk norm dx");
  tft::check_gradient(w, dw, f, "qk norm dw");
}

struct AttnCase {
  tf::AttentionShape s;
  std::vector<int32_t> seg;
};

// Two rows; the second packs two samples (positions restart at index 3).
AttnCase attn_case(int window) {
  AttnCase c;
  c.s = {2, 6, 4, 2, 8, window};
  c.seg = {0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3};
  return c;
}

std::vector<float> naive_attention(const std::vector<float> &q, const std::vector<float> &k,
                                   const std::vector<float> &v, const AttnCase &c) {
  const auto &s = c.s;
  std::vector<float> out((size_t)s.batch * s.seq * s.heads * s.head_dim, 0.0f);
  for (int b = 0; b < s.batch; ++b)
    for (int h = 0; h < s.heads; ++h)
      for (int t = 0; t < s.seq; ++t) {
        const int kvh = h / (s.heads / s.kv_heads);
        std::vector<double> sc(s.seq, -INFINITY);
        double mx = -INFINITY;
        for (int j = 0; j <= t; ++j) {
          if (j < c.seg[b * s.seq + t]) continue;
          if (s.window > 0 && j <= t - s.window) continue;
          double d = 0;
          for (int e = 0; e < s.head_dim; ++e)
            d += (double)q[((b * s.seq + t) * s.heads + h) * s.head_dim + e] *
                 k[((b * s.seq + j) * s.kv_heads + kvh) * s.head_dim + e];
          sc[j] = d / std::sqrt((double)s.head_dim);
          mx = std::max(mx, sc[j]);
        }
        double sum = 0;
        for (int j = 0; j <= t; ++j) sum += std::isinf(sc[j]) ? 0 : std::exp(sc[j] - mx);
        for (int j = 0; j <= t; ++j) {
          if (std::isinf(sc[j])) continue;
          const double p = std::exp(sc[j] - mx) / sum;
          for (int e = 0; e < s.head_dim; ++e)
            out[((b * s.seq + t) * s.heads + h) * s.head_dim + e] +=
                (float)(p * v[((b * s.seq + j) * s.kv_heads + kvh) * s.head_dim + e]);
        }
      }
  return out;
}

using AttnForward = void (*)(const float *, const float *, const float *, const int32_t *, const tf::AttentionShape &,
                            float *, float *);
using AttnBackward = void (*)(const float *, const float *, const float *, const float *, const float *,
                              const int32_t *, const tf::AttentionShape &, float *, float *, float *);
const AttnForward kForwards[] = {tf::cpu::attention_forward_v1, tf::cpu::attention_forward_v2,
                                 tf::cpu::attention_forward_v3};
const AttnBackward kBackwards[] = {tf::cpu::attention_backward_v1, tf::cpu::attention_backward_v2,
                                   tf::cpu::attention_backward_v3};

// Parameters: (window, kernel variant index)
class Attention : public ::testing::TestWithParam<std::tuple<int, int>> {
 protected:
  int window() const { return std::get<0>(GetParam()); }
  AttnForward fwd() const { return kForwards[std::get<1>(GetParam())]; }
  AttnBackward bwd() const { return kBackwards[std::get<1>(GetParam())]; }
};

TEST_P(Attention, ForwardMatchesNaiveWithGqaPackingAndWindow) {
  const AttnCase c = attn_case(window());
  const auto &s = c.s;
  const size_t nq = (size_t)s.batch * s.seq * s.heads * s.head_dim, nk = nq / 2;
  auto q = randn(nq, 1), k = randn(nk, 2), v = randn(nk, 3);
  std::vector<float> out(nq), probs((size_t)s.batch * s.heads * s.seq * s.seq);
  fwd()(q.data(), k.data(), v.data(), c.seg.data(), s, out.data(), probs.data());
  tft::expect_close(out, naive_attention(q, k, v, c), 1e-5, 1e-4, "attention");
}

TEST_P(Attention, BackwardMatchesFiniteDifferences) {
  const AttnCase c = attn_case(window());
  const auto &s = c.s;
  const size_t nq = (size_t)s.batch * s.seq * s.heads * s.head_dim, nk = nq / 2;
  auto q = randn(nq, 1), k = randn(nk, 2), v = randn(nk, 3), r = randn(nq, 4);
  std::vector<float> out(nq), probs((size_t)s.batch * s.heads * s.seq * s.seq);
  auto f = [&] {
    fwd()(q.data(), k.data(), v.data(), c.seg.data(), s, out.data(), probs.data());
    return tft::dot(out, r);
  };
  f();
  std::vector<float> dq(nq), dk(nk), dv(nk);
  bwd()(r.data(), q.data(), k.data(), v.data(), probs.data(), c.seg.data(), s, dq.data(), dk.data(),
                         dv.data());
  tft::check_gradient(q, dq, f, "attention dq");
  tft::check_gradient(k, dk, f, "attention dk");
  tft::check_gradient(v, dv, f, "attention dv");
}

TEST_P(Attention, DecodeMatchesLastRowOfForward) {
  AttnCase c = attn_case(window());
  c.s.batch = 1;
  c.seg.assign(c.s.seq, 0);
  const auto &s = c.s;
  const int T = s.seq, hd = s.head_dim;
  auto q = randn((size_t)T * s.heads * hd, 1), k = randn((size_t)T * s.kv_heads * hd, 2),
       v = randn((size_t)T * s.kv_heads * hd, 3);
  const auto full = naive_attention(q, k, v, c);
  // Two rows with their own caches, position-major [len][kv_heads][hd] as projected: row 0 is the last
  // query (all T keys), row 1 the one before it (T-1 keys) in a separate buffer with spare room after it.
  const size_t qrow = (size_t)s.heads * hd, krow = (size_t)s.kv_heads * hd;
  std::vector<float> k1(k.begin(), k.end() - krow), v1(v.begin(), v.end() - krow);
  k1.resize(k.size() + 4 * krow, NAN);
  v1.resize(v.size() + 4 * krow, NAN);
  std::vector<float> qs(q.end() - qrow, q.end());
  qs.insert(qs.end(), q.end() - 2 * qrow, q.end() - qrow);
  const float *k_rows[2] = {k.data(), k1.data()}, *v_rows[2] = {v.data(), v1.data()};
  const int32_t lens[2] = {T, T - 1};
  std::vector<float> out(2 * qrow);
  ops.attention_decode(qs.data(), k_rows, v_rows, lens, 2, s.heads, s.kv_heads, hd, s.window, out.data());
  std::vector<float> want(full.end() - qrow, full.end());
  want.insert(want.end(), full.end() - 2 * qrow, full.end() - qrow);
  tft::expect_close(out, want, 1e-5, 1e-4, "attention decode");
}

INSTANTIATE_TEST_SUITE_P(WindowsAndVariants, Attention,
                         ::testing::Combine(::testing::Values(0, 3), ::testing::Values(0, 1, 2)));

// v3 works in blocks of 64 query rows: check a sequence spanning several blocks,
// with packed samples that start inside and across block boundaries.
TEST(AttentionBlocks, V3MatchesV1AcrossBlockBoundaries) {
  for (int window : {0, 50}) {
    AttnCase c;
    c.s = {1, 150, 4, 2, 16, window};
    c.seg.resize(150);
    for (int t = 0; t < 150; ++t) c.seg[t] = t < 60 ? 0 : t < 130 ? 60 : 130;
    const auto &s = c.s;
    const size_t nq = (size_t)s.seq * s.heads * s.head_dim, nk = nq / 2;
    auto q = randn(nq, 1), k = randn(nk, 2), v = randn(nk, 3), r = randn(nq, 4);
    std::vector<float> o1(nq), o3(nq), probs((size_t)s.heads * s.seq * s.seq), lse((size_t)s.heads * s.seq);
    tf::cpu::attention_forward_v1(q.data(), k.data(), v.data(), c.seg.data(), s, o1.data(), probs.data());
    tf::cpu::attention_forward_v3(q.data(), k.data(), v.data(), c.seg.data(), s, o3.data(), lse.data());
    tft::expect_close(o3, o1, 1e-5, 1e-4, "v3 forward");
    tft::expect_close(o1, naive_attention(q, k, v, c), 1e-5, 1e-4, "v1 forward");
    std::vector<float> dq1(nq), dk1(nk), dv1(nk), dq3(nq), dk3(nk), dv3(nk);
    tf::cpu::attention_backward_v1(r.data(), q.data(), k.data(), v.data(), probs.data(), c.seg.data(), s, dq1.data(),
                                   dk1.data(), dv1.data());
    tf::cpu::attention_backward_v3(r.data(), q.data(), k.data(), v.data(), lse.data(), c.seg.data(), s, dq3.data(),
                                   dk3.data(), dv3.data());
    tft::expect_close(dq3, dq1, 1e-5, 1e-4, "v3 dq");
    tft::expect_close(dk3, dk1, 1e-5, 1e-4, "v3 dk");
    tft::expect_close(dv3, dv1, 1e-5, 1e-4, "v3 dv");
  }
}

TEST(SwiGlu, ForwardAndFiniteDifferences) {
  const int n = 50;
  auto g = randn(n, 1, 2.0f), u = randn(n, 2), r = randn(n, 3);
  std::vector<float> out(n);
  ops.swiglu_forward(g.data(), u.data(), n, out.data());
  for (int i = 0; i < n; ++i) ASSERT_NEAR(out[i], g[i] / (1 + std::exp(-g[i])) * u[i], 1e-5);
  auto f = [&] {
    ops.swiglu_forward(g.data(), u.data(), n, out.data());
    return tft::dot(out, r);
  };
  std::vector<float> dg(n), du(n);
  ops.swiglu_backward(r.data(), g.data(), u.data(), n, dg.data(), du.data());
  tft::check_gradient(g, dg, f, "swiglu dgate", 1e-2f, 2e-2, n);
  tft::check_gradient(u, du, f, "swiglu dup", 1e-2f, 2e-2, n);
}

}  // namespace

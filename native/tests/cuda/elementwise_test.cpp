// Elementwise ops, row moves and dropout against the CPU table on fresh random inputs.
#include "cuda_test_util.h"

using namespace tfc;

TEST(CudaElementwise, AddScaleMulBias) {
  auto gen = fresh_gen();
  const int n = 1000, dim = 77;
  const std::vector<float> x = randn((size_t)n * dim, gen), y = randn(x.size(), gen), b = randn(dim, gen);
  const int64_t N = (int64_t)x.size();
  {  // add, scale, add_bias
    std::vector<float> want = x;
    cpu().add(want.data(), y.data(), N);
    cpu().scale(want.data(), N, 0.7f);
    cpu().add_bias(want.data(), b.data(), n, dim);
    Dev<float> dx(x), dy(y), db(b);
    gpu().add(dx.get(), dy.get(), N);
    gpu().scale(dx.get(), N, 0.7f);
    gpu().add_bias(dx.get(), db.get(), n, dim);
    EXPECT_REL_L2(dx.host(), want, kF32);
  }
  {  // mul (set), mul_accumulate
    std::vector<float> want(x.size()), acc = y;
    cpu().mul(x.data(), y.data(), N, want.data());
    cpu().mul_accumulate(x.data(), y.data(), N, acc.data());
    Dev<float> dx(x), dy(y), out(x.size()), dacc(y);
    gpu().mul(dx.get(), dy.get(), N, out.get());
    gpu().mul_accumulate(dx.get(), dy.get(), N, dacc.get());
    EXPECT_REL_L2(out.host(), want, kF32);
    EXPECT_REL_L2(dacc.host(), acc, kF32);
  }
}

TEST(CudaElementwise, SwigluForwardBackward) {
  auto gen = fresh_gen();
  const int64_t n = 300001;
  const std::vector<float> g = randn(n, gen, 3.0f), u = randn(n, gen), d = randn(n, gen);
  std::vector<float> out(n), dg(n), du(n);
  cpu().swiglu_forward(g.data(), u.data(), n, out.data());
  cpu().swiglu_backward(d.data(), g.data(), u.data(), n, dg.data(), du.data());
  Dev<float> G(g), U(u), D(d), O(n), DG(n), DU(n);
  gpu().swiglu_forward(G.get(), U.get(), n, O.get());
  gpu().swiglu_backward(D.get(), G.get(), U.get(), n, DG.get(), DU.get());
  EXPECT_REL_L2(O.host(), out, kF32);
  EXPECT_REL_L2(DG.host(), dg, kF32);
  EXPECT_REL_L2(DU.host(), du, kF32);
}

TEST(CudaElementwise, ReductionsAndBiasGradient) {
  auto gen = fresh_gen();
  const int n = 513, dim = 300;
  const std::vector<float> x = randn((size_t)n * dim, gen), db0 = randn(dim, gen);
  Dev<float> X(x);
  EXPECT_NEAR(gpu().sum_squares(X.get(), (int64_t)x.size()), cpu().sum_squares(x.data(), (int64_t)x.size()),
              1e-9 * cpu().sum_squares(x.data(), (int64_t)x.size()));
  std::vector<float> db = db0;
  cpu().bias_backward(x.data(), n, dim, db.data());
  Dev<float> DB(db0);
  gpu().bias_backward(X.get(), n, dim, DB.get());
  EXPECT_REL_L2(DB.host(), db, kF32);
}

TEST(CudaRows, GatherScatterTransposeCopyRows) {
  auto gen = fresh_gen();
  const int rows = 50, dim = 33, m = 20;
  const std::vector<float> src = randn((size_t)rows * dim, gen), small = randn((size_t)m * dim, gen);
  std::vector<int32_t> idx(rows);
  for (int i = 0; i < rows; ++i) idx[i] = i;
  std::shuffle(idx.begin(), idx.end(), gen);
  idx.resize(m);  // distinct rows
  std::vector<float> gathered((size_t)m * dim), scattered = src, t((size_t)rows * dim), t_acc = src;
  cpu().gather_rows(src.data(), idx.data(), m, dim, gathered.data());
  cpu().scatter_add_rows(small.data(), idx.data(), m, dim, scattered.data());
  cpu().transpose(src.data(), rows, dim, t.data(), false);
  cpu().transpose(src.data(), rows, dim, t_acc.data(), true);
  Dev<float> S(src), SM(small), G((size_t)m * dim), SC(src), T((size_t)rows * dim), TA(src);
  Dev<int32_t> I(idx);
  gpu().gather_rows(S.get(), I.get(), m, dim, G.get());
  gpu().scatter_add_rows(SM.get(), I.get(), m, dim, SC.get());
  gpu().transpose(S.get(), rows, dim, T.get(), false);
  gpu().transpose(S.get(), rows, dim, TA.get(), true);
  EXPECT_EQ(G.host(), gathered);
  EXPECT_REL_L2(SC.host(), scattered, kF32);
  EXPECT_EQ(T.host(), t);
  EXPECT_REL_L2(TA.host(), t_acc, kF32);
  // copy_rows_to: row i of src into its own destination.
  Dev<float> A(dim), B(dim);
  float *dst[2] = {A.get(), B.get()};
  gpu().copy_rows_to(S.get(), 2, dim, dst);
  EXPECT_EQ(A.host(), std::vector<float>(src.begin(), src.begin() + dim));
  EXPECT_EQ(B.host(), std::vector<float>(src.begin() + dim, src.begin() + 2 * dim));
}

// The CUDA mask is not the CPU's (a counter hash instead of one sequential stream, see dropout.cu): checked for
// its values, its rate, out = x * mask, and that a seed gives the same mask again.
TEST(CudaDropout, MaskValuesRateAndRepeat) {
  auto gen = fresh_gen();
  const int64_t n = 1 << 20;
  const float p = 0.1f;
  const std::vector<float> x = randn(n, gen);
  Dev<float> X(x), M(n), O(n), M2(n), O2(n);
  gpu().dropout(X.get(), n, p, 1234, M.get(), O.get());
  gpu().dropout(X.get(), n, p, 1234, M2.get(), O2.get());
  const std::vector<float> mask = M.host(), out = O.host();
  EXPECT_EQ(M2.host(), mask);
  int64_t dropped = 0;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(mask[i] == 0.0f || mask[i] == 1.0f / (1.0f - p)) << i << " " << mask[i];
    dropped += mask[i] == 0.0f;
    ASSERT_EQ(out[i], x[i] * mask[i]);
  }
  // Binomial(n, p): sd = sqrt(n p (1-p)) ~ 307; 6 sd.
  EXPECT_NEAR((double)dropped, n * (double)p, 6 * 307.0);
  Dev<float> M3(n), O3(n);
  gpu().dropout(X.get(), n, p, 1235, M3.get(), O3.get());
  EXPECT_NE(M3.host(), mask);
}

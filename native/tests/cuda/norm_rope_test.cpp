// RMSNorm, RoPE and the embedding against the CPU table, and their backward passes by finite differences of the
// CUDA forward.
#include "cuda_test_util.h"
#include "test_util.h"

using namespace tfc;

TEST(CudaRmsnorm, ForwardBackwardAgainstCpu) {
  auto gen = fresh_gen();
  for (int dim : {64, 896, 1537}) {
    const int n = dim == 896 ? 300 : 37;  // 300 rows: several chunks of the weight-gradient column sums
    const std::vector<float> x = randn((size_t)n * dim, gen, 2.0f), w = randn(dim, gen), dy = randn(x.size(), gen),
                             dx0 = randn(x.size(), gen), dw0 = randn(dim, gen);
    std::vector<float> y(x.size()), rstd(n), dx = dx0, dw = dw0;
    cpu().rmsnorm_forward(x.data(), w.data(), n, dim, 1e-6f, y.data(), rstd.data());
    cpu().rmsnorm_backward(dy.data(), x.data(), w.data(), rstd.data(), n, dim, dx.data(), dw.data());
    Dev<float> X(x), W(w), DY(dy), Y(x.size()), R(n), DX(dx0), DW(dw0), DX2(dx0);
    gpu().rmsnorm_forward(X.get(), W.get(), n, dim, 1e-6f, Y.get(), R.get());
    gpu().rmsnorm_backward(DY.get(), X.get(), W.get(), R.get(), n, dim, DX.get(), DW.get());
    gpu().rmsnorm_backward(DY.get(), X.get(), W.get(), R.get(), n, dim, DX2.get(), nullptr);  // frozen weight
    EXPECT_REL_L2(Y.host(), y, kF32) << dim;
    EXPECT_REL_L2(R.host(), rstd, kF32) << dim;
    EXPECT_REL_L2(DX.host(), dx, kF32) << dim;
    EXPECT_REL_L2(DW.host(), dw, kF32) << dim;
    EXPECT_REL_L2(DX2.host(), dx, kF32) << dim;
  }
}

TEST(CudaRmsnorm, FiniteDifferences) {
  auto gen = fresh_gen();
  const int n = 5, dim = 48;
  std::vector<float> x = randn((size_t)n * dim, gen), w = randn(dim, gen);
  const std::vector<float> r = randn(x.size(), gen);  // f = sum(y * r)
  auto f = [&] {
    Dev<float> X(x), W(w), Y(x.size()), R(n);
    gpu().rmsnorm_forward(X.get(), W.get(), n, dim, 1e-6f, Y.get(), R.get());
    return tft::dot(Y.host(), r);
  };
  Dev<float> X(x), W(w), Y(x.size()), R(n), DY(r), DX(std::vector<float>(x.size(), 0.0f)),
      DW(std::vector<float>(dim, 0.0f));
  gpu().rmsnorm_forward(X.get(), W.get(), n, dim, 1e-6f, Y.get(), R.get());
  gpu().rmsnorm_backward(DY.get(), X.get(), W.get(), R.get(), n, dim, DX.get(), DW.get());
  tft::check_gradient(x, DX.host(), f, "rmsnorm dx");
  tft::check_gradient(w, DW.host(), f, "rmsnorm dw");
}

TEST(CudaRope, ForwardBackwardAgainstCpuAndInverse) {
  auto gen = fresh_gen();
  const int n = 300, heads = 6, hd = 64;
  std::vector<float> inv(hd / 2);
  for (int f = 0; f < hd / 2; ++f) inv[f] = std::pow(10000.0f, -2.0f * f / hd);
  std::vector<int32_t> pos(n);
  for (int i = 0; i < n; ++i) pos[i] = (int32_t)(gen() % 4096);  // packed samples restart positions
  const std::vector<float> x = randn((size_t)n * heads * hd, gen);
  std::vector<float> fwd = x, bwd = x;
  cpu().rope_forward(fwd.data(), pos.data(), n, heads, hd, inv.data());
  cpu().rope_backward(bwd.data(), pos.data(), n, heads, hd, inv.data());
  Dev<float> F(x), B(x), I(inv);
  Dev<int32_t> P(pos);
  gpu().rope_forward(F.get(), P.get(), n, heads, hd, I.get());
  gpu().rope_backward(B.get(), P.get(), n, heads, hd, I.get());
  EXPECT_REL_L2(F.host(), fwd, kF32);
  EXPECT_REL_L2(B.host(), bwd, kF32);
  gpu().rope_backward(F.get(), P.get(), n, heads, hd, I.get());  // the inverse rotation
  EXPECT_REL_L2(F.host(), x, kF32);
}

TEST(CudaEmbedding, ForwardBackwardAgainstCpu) {
  auto gen = fresh_gen();
  const int vocab = 500, dim = 130, n = 2000;  // repeated ids: the backward sums them
  std::vector<int32_t> ids(n);
  for (auto &i : ids) i = (int32_t)(gen() % vocab);
  const std::vector<float> table = randn((size_t)vocab * dim, gen), dout = randn((size_t)n * dim, gen);
  std::vector<float> out((size_t)n * dim), dtable = table;
  cpu().embedding_forward(table.data(), ids.data(), n, dim, out.data());
  cpu().embedding_backward(dout.data(), ids.data(), n, dim, dtable.data());
  Dev<float> T(table), O(out.size()), D(dout), DT(table);
  Dev<int32_t> I(ids);
  gpu().embedding_forward(T.get(), I.get(), n, dim, O.get());
  gpu().embedding_backward(D.get(), I.get(), n, dim, DT.get());
  EXPECT_EQ(O.host(), out);
  EXPECT_REL_L2(DT.host(), dtable, kF32);
}

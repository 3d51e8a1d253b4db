// GEMMs (cuBLASLt, bf16 operands, f32 accumulation) against the CPU's OpenBLAS f32: every transpose combination,
// leading dimensions wider than the matrix, beta 0 over a poisoned C and beta 1 accumulating, one-row products
// (decode), k = 0, the narrow LoRA products and gemv_multi. Tolerance kBf16 (cuda_test_util.h); set
// TF_CUDA_GEMM=fp32 to run the same products exactly in f32 (then kF32 would hold).
#include <cstdlib>

#include "cuda_test_util.h"

using namespace tfc;

namespace {

struct Shape {
  bool ta, tb;
  int m, n, k, pad;
  int off = 0;  // operands start `off` floats into their buffers: 4-byte alignment, as a head's columns are
};

void check(const Shape &s, float beta, std::mt19937 &gen) {
  const int lda = (s.ta ? s.m : s.k) + s.pad, ldb = (s.tb ? s.k : s.n) + s.pad, ldc = s.n + s.pad;
  const std::vector<float> a = randn((size_t)(s.ta ? s.k : s.m) * lda, gen),
                           b = randn((size_t)(s.tb ? s.n : s.k) * ldb, gen), c0 = randn((size_t)s.m * ldc, gen);
  std::vector<float> want = c0;
  cpu().gemm(s.ta, s.tb, s.m, s.n, s.k, 0.5f, a.data(), lda, b.data(), ldb, beta, want.data(), ldc);
  auto shifted = [&](const std::vector<float> &v) {
    std::vector<float> out(s.off, 7.0f);
    out.insert(out.end(), v.begin(), v.end());
    return out;
  };
  Dev<float> A(shifted(a)), B(shifted(b)), C(shifted(c0));
  if (beta == 0.0f) C.poison();  // beta 0 must not read C
  gpu().gemm(s.ta, s.tb, s.m, s.n, s.k, 0.5f, A.get() + s.off, lda, B.get() + s.off, ldb, beta, C.get() + s.off, ldc);
  std::vector<float> got = C.host();
  got.erase(got.begin(), got.begin() + s.off);
  // Padding columns of C are outside the product: beta 0 leaves them poisoned, so compare the m x n part only.
  std::vector<float> g, w;
  for (int i = 0; i < s.m; ++i)
    for (int j = 0; j < s.n; ++j) {
      g.push_back(got[(size_t)i * ldc + j]);
      w.push_back(want[(size_t)i * ldc + j]);
    }
  EXPECT_REL_L2(g, w, kBf16) << "ta " << s.ta << " tb " << s.tb << " m " << s.m << " n " << s.n << " k " << s.k
                             << " pad " << s.pad << " beta " << beta;
}

}  // namespace

TEST(CudaGemm, TransposesStridesBeta) {
  auto gen = fresh_gen();
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (float beta : {0.0f, 1.0f}) {
        check({ta, tb, 67, 129, 200, 0}, beta, gen);
        check({ta, tb, 33, 65, 17, 3}, beta, gen);
        check({ta, tb, 1, 300, 256, 0}, beta, gen);  // one row: the decode step
        check({ta, tb, 40, 72, 64, 1, 1}, beta, gen);  // 4-byte aligned operands, odd leading dimensions
      }
}

TEST(CudaGemm, EmptyInnerDimensionScalesC) {
  auto gen = fresh_gen();
  const std::vector<float> c = randn(12, gen);
  Dev<float> C(c), A(4), B(4);
  gpu().gemm(false, false, 3, 4, 0, 1.0f, A.get(), 1, B.get(), 4, 1.0f, C.get(), 4);
  EXPECT_EQ(C.host(), c);
  gpu().gemm(false, false, 3, 4, 0, 1.0f, A.get(), 1, B.get(), 4, 0.0f, C.get(), 4);
  EXPECT_EQ(C.host(), std::vector<float>(12, 0.0f));
}

TEST(CudaGemm, NarrowLoraProducts) {
  auto gen = fresh_gen();
  for (int r : {4, 8, 16, 5}) {
    ASSERT_TRUE(gpu().narrow_ok(r));
    const int m = 300, k = 96, N = 80;
    const std::vector<float> x = randn((size_t)m * k, gen), w = randn((size_t)k * r, gen),
                             c0 = randn((size_t)m * r, gen), z = randn((size_t)m * r, gen),
                             y = randn((size_t)m * N, gen), d0 = randn((size_t)r * N, gen);
    std::vector<float> c = c0, d = d0;
    cpu().gemm(false, false, m, r, k, 0.5f, x.data(), k, w.data(), r, 1.0f, c.data(), r);
    cpu().gemm(true, false, r, N, m, 0.25f, z.data(), r, y.data(), N, 1.0f, d.data(), N);
    Dev<float> X(x), W(w), C(c0), Z(z), Y(y), D(d0);
    gpu().gemm_xw_narrow(m, r, k, 0.5f, X.get(), k, W.get(), r, 1.0f, C.get(), r);
    gpu().gemm_zty_narrow(r, N, m, 0.25f, Z.get(), r, Y.get(), N, D.get(), N);
    EXPECT_REL_L2(C.host(), c, kBf16) << "r " << r;
    EXPECT_REL_L2(D.host(), d, kBf16) << "r " << r;
  }
}

TEST(CudaGemm, GemvMulti) {
  auto gen = fresh_gen();
  const int k = 160;
  const int rows[3] = {96, 32, 257};
  const std::vector<float> x = randn(k, gen);
  std::vector<std::vector<float>> w, y0, want;
  for (int r : rows) {
    w.push_back(randn((size_t)r * k, gen));
    y0.push_back(randn(r, gen));
  }
  want = y0;
  const float *wp[3];
  float *yp[3];
  for (int i = 0; i < 3; ++i) {
    wp[i] = w[i].data();
    yp[i] = want[i].data();
  }
  cpu().gemv_multi(3, wp, rows, k, x.data(), 1.0f, yp);
  Dev<float> X(x), W0(w[0]), W1(w[1]), W2(w[2]), Y0(y0[0]), Y1(y0[1]), Y2(y0[2]);
  const float *dw[3] = {W0.get(), W1.get(), W2.get()};
  float *dy[3] = {Y0.get(), Y1.get(), Y2.get()};
  gpu().gemv_multi(3, dw, rows, k, X.get(), 1.0f, dy);
  EXPECT_REL_L2(Y0.host(), want[0], kBf16);
  EXPECT_REL_L2(Y1.host(), want[1], kBf16);
  EXPECT_REL_L2(Y2.host(), want[2], kBf16);
}

// Fused attention against the CPU kernel (v3): causal, GQA, packed samples with random boundaries, sliding
// windows, several head dims; its backward by finite differences of the CUDA forward; decode attention over
// per-row caches of different lengths.
#include <memory>

#include "cuda_test_util.h"
#include "test_util.h"

using namespace tfc;

namespace {

// Random packed samples: each row cut into pieces, seg_start[t] = first index of t's piece.
std::vector<int32_t> packed(int batch, int T, std::mt19937 &gen) {
  std::vector<int32_t> seg((size_t)batch * T);
  for (int b = 0; b < batch; ++b) {
    int start = 0;
    for (int t = 0; t < T; ++t) {
      if (t > 0 && gen() % 40 == 0) start = t;
      seg[(size_t)b * T + t] = start;
    }
  }
  return seg;
}

struct Case {
  int batch, seq, heads, kv_heads, head_dim, window;
};

void check(const Case &c, std::mt19937 &gen) {
  const tf::AttentionShape s{c.batch, c.seq, c.heads, c.kv_heads, c.head_dim, c.window};
  const size_t nq = (size_t)c.batch * c.seq * c.heads * c.head_dim, nk = (size_t)c.batch * c.seq * c.kv_heads * c.head_dim;
  const std::vector<float> q = randn(nq, gen), k = randn(nk, gen), v = randn(nk, gen), dout = randn(nq, gen);
  const std::vector<int32_t> seg = packed(c.batch, c.seq, gen);
  ASSERT_EQ(gpu().attention_saved_floats(s), cpu().attention_saved_floats(s));
  std::vector<float> out(nq), saved(cpu().attention_saved_floats(s)), dq(nq), dk(nk), dv(nk);
  cpu().attention_forward(q.data(), k.data(), v.data(), seg.data(), s, out.data(), saved.data());
  cpu().attention_backward(dout.data(), q.data(), k.data(), v.data(), saved.data(), seg.data(), s, dq.data(),
                           dk.data(), dv.data());
  Dev<float> Q(q), K(k), V(v), DO(dout), O(nq), S(saved.size()), DQ(nq), DK(nk), DV(nk);
  Dev<int32_t> SEG(seg);
  gpu().attention_forward(Q.get(), K.get(), V.get(), SEG.get(), s, O.get(), S.get());
  gpu().attention_backward(DO.get(), Q.get(), K.get(), V.get(), S.get(), SEG.get(), s, DQ.get(), DK.get(), DV.get());
  const std::string what = "B" + std::to_string(c.batch) + " T" + std::to_string(c.seq) + " H" +
                           std::to_string(c.heads) + "/" + std::to_string(c.kv_heads) + " hd" +
                           std::to_string(c.head_dim) + " window " + std::to_string(c.window);
  EXPECT_REL_L2(O.host(), out, kF32) << what;
  EXPECT_REL_L2(S.host(), saved, kF32) << what;
  EXPECT_REL_L2(DQ.host(), dq, kF32) << what;
  EXPECT_REL_L2(DK.host(), dk, kF32) << what;
  EXPECT_REL_L2(DV.host(), dv, kF32) << what;
}

}  // namespace

TEST(CudaAttention, AgainstCpu) {
  auto gen = fresh_gen();
  check({2, 200, 4, 2, 64, 0}, gen);
  check({1, 257, 6, 1, 32, 0}, gen);    // MQA, a length past a CPU block boundary
  check({2, 130, 4, 4, 100, 7}, gen);   // MHA, head_dim not a multiple of 32, sliding window
  check({1, 96, 14, 2, 128, 0}, gen);   // Qwen2-0.5B's heads
  check({1, 64, 2, 1, 256, 20}, gen);   // the widest head_dim
}

TEST(CudaAttention, FiniteDifferences) {
  auto gen = fresh_gen();
  const tf::AttentionShape s{1, 24, 4, 2, 16, 9};
  const size_t nq = 24 * 4 * 16, nk = 24 * 2 * 16;
  std::vector<float> q = randn(nq, gen), k = randn(nk, gen), v = randn(nk, gen);
  const std::vector<float> r = randn(nq, gen);
  std::vector<int32_t> seg(24);
  for (int t = 0; t < 24; ++t) seg[t] = t < 10 ? 0 : 10;  // two packed samples
  Dev<int32_t> SEG(seg);
  auto f = [&] {
    Dev<float> Q(q), K(k), V(v), O(nq), S(gpu().attention_saved_floats(s));
    gpu().attention_forward(Q.get(), K.get(), V.get(), SEG.get(), s, O.get(), S.get());
    return tft::dot(O.host(), r);
  };
  Dev<float> Q(q), K(k), V(v), O(nq), S(gpu().attention_saved_floats(s)), R(r), DQ(nq), DK(nk), DV(nk);
  gpu().attention_forward(Q.get(), K.get(), V.get(), SEG.get(), s, O.get(), S.get());
  gpu().attention_backward(R.get(), Q.get(), K.get(), V.get(), S.get(), SEG.get(), s, DQ.get(), DK.get(), DV.get());
  tft::check_gradient(q, DQ.host(), f, "attention dq");
  tft::check_gradient(k, DK.host(), f, "attention dk");
  tft::check_gradient(v, DV.host(), f, "attention dv");
}

TEST(CudaAttention, DecodeAgainstCpu) {
  auto gen = fresh_gen();
  const int batch = 5, heads = 8, kv = 2, hd = 64;
  for (int window : {0, 6}) {
    std::vector<std::vector<float>> kc, vc;
    std::vector<int32_t> len(batch);
    for (int b = 0; b < batch; ++b) {
      len[b] = 1 + (int)(gen() % 300);
      kc.push_back(randn((size_t)len[b] * kv * hd, gen));
      vc.push_back(randn((size_t)len[b] * kv * hd, gen));
    }
    const std::vector<float> q = randn((size_t)batch * heads * hd, gen);
    std::vector<const float *> kp, vp;
    for (int b = 0; b < batch; ++b) {
      kp.push_back(kc[b].data());
      vp.push_back(vc[b].data());
    }
    std::vector<float> out(q.size());
    cpu().attention_decode(q.data(), kp.data(), vp.data(), len.data(), batch, heads, kv, hd, window, out.data());
    std::vector<std::unique_ptr<Dev<float>>> dk, dv;
    std::vector<const float *> dkp, dvp;
    for (int b = 0; b < batch; ++b) {
      dk.push_back(std::make_unique<Dev<float>>(kc[b]));
      dv.push_back(std::make_unique<Dev<float>>(vc[b]));
      dkp.push_back(dk.back()->get());
      dvp.push_back(dv.back()->get());
    }
    Dev<float> Q(q), O(q.size());
    gpu().attention_decode(Q.get(), dkp.data(), dvp.data(), len.data(), batch, heads, kv, hd, window, O.get());
    EXPECT_REL_L2(O.host(), out, kF32) << "window " << window;
  }
}

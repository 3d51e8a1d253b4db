// AdamW (single tensor and multi-tensor with per-tensor weight decay, gradient scale and clip coefficient, then
// zeroed gradients) and the multi-tensor gradient sum of squares against the CPU table, over several steps.
#include <memory>

#include "cuda_test_util.h"

using namespace tfc;

TEST(CudaAdamw, SingleTensorSteps) {
  auto gen = fresh_gen();
  const int64_t n = 100000;
  std::vector<float> p = randn(n, gen), m(n, 0.0f), v(n, 0.0f);
  Dev<float> P(p), M(m), V(v);
  for (int step = 1; step <= 3; ++step) {
    const std::vector<float> g = randn(n, gen);
    Dev<float> G(g);
    const float bc1 = 1.0f - std::pow(0.9f, step), bc2 = 1.0f - std::pow(0.999f, step);
    cpu().adamw(p.data(), g.data(), m.data(), v.data(), n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, bc1, bc2);
    gpu().adamw(P.get(), G.get(), M.get(), V.get(), n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, bc1, bc2);
  }
  EXPECT_REL_L2(P.host(), p, kF32);
  EXPECT_REL_L2(M.host(), m, kF32);
  EXPECT_REL_L2(V.host(), v, kF32);
}

TEST(CudaAdamw, MultiTensorWithNormAndClip) {
  auto gen = fresh_gen();
  const std::vector<int64_t> sizes = {70000, 1, 16384, 33, 100000};
  std::vector<std::vector<float>> p, g, m, v;
  std::vector<std::unique_ptr<Dev<float>>> dev;
  std::vector<tf::OptimTensor> ct, gt;
  for (size_t i = 0; i < sizes.size(); ++i) {
    p.push_back(randn(sizes[i], gen));
    g.push_back(randn(sizes[i], gen));
    m.push_back(randn(sizes[i], gen, 0.1f));
    std::vector<float> vv = randn(sizes[i], gen, 0.1f);
    for (auto &x : vv) x = x * x;
    v.push_back(vv);
  }
  for (size_t i = 0; i < sizes.size(); ++i) {
    const float wd = i % 2 ? 0.0f : 0.1f;
    ct.push_back({p[i].data(), g[i].data(), m[i].data(), v[i].data(), sizes[i], wd});
    float *d[4];
    int j = 0;
    for (const std::vector<float> *src : {&p[i], &g[i], &m[i], &v[i]}) {  // param, grad, m, v
      dev.push_back(std::make_unique<Dev<float>>(*src));
      d[j++] = dev.back()->get();
    }
    gt.push_back({d[0], d[1], d[2], d[3], sizes[i], wd});
  }
  const int count = (int)sizes.size();
  const double want = cpu().grad_sum_squares(ct.data(), count, 0.5f);
  const double got = gpu().grad_sum_squares(gt.data(), count, 0.5f);
  EXPECT_NEAR(got, want, 1e-6 * want);
  const float coef = (float)std::min(1.0, 1.0 / std::sqrt(want));  // clipping to norm 1
  cpu().adamw_multi(ct.data(), count, 0.5f, coef, 2e-3f, 0.9f, 0.95f, 1e-8f, 0.19f, 0.0975f);
  gpu().adamw_multi(gt.data(), count, 0.5f, coef, 2e-3f, 0.9f, 0.95f, 1e-8f, 0.19f, 0.0975f);
  for (int i = 0; i < count; ++i) {
    const size_t base = (size_t)i * 4;
    EXPECT_REL_L2(dev[base]->host(), p[i], kF32) << "param " << i;
    EXPECT_EQ(dev[base + 1]->host(), std::vector<float>(sizes[i], 0.0f)) << "grad " << i << " not zeroed";
    EXPECT_REL_L2(dev[base + 2]->host(), m[i], kF32) << "m " << i;
    EXPECT_REL_L2(dev[base + 3]->host(), v[i], kF32) << "v " << i;
  }
}

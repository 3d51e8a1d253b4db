// Helpers shared by the kernel tests: random data, comparisons, and a central
// finite-difference gradient of a scalar function of one input buffer.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <vector>

namespace tft {

inline std::vector<float> randn(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto &x : v) x = d(gen);
  return v;
}

inline void expect_close(const std::vector<float> &got, const std::vector<float> &want, double atol, double rtol,
                         const char *what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], atol + rtol * std::fabs(want[i])) << what << " at " << i;
}

// d f / d x[i] for a sample of indices, by central differences in f32 inputs.
inline void check_gradient(std::vector<float> &x, const std::vector<float> &analytic,
                           const std::function<double()> &f, const char *what, float h = 1e-2f,
                           double tol = 2e-2, int samples = 40) {
  ASSERT_EQ(x.size(), analytic.size());
  std::mt19937 gen(7);
  double max_abs = 1e-6;
  for (float g : analytic) max_abs = std::max(max_abs, (double)std::fabs(g));
  for (int s = 0; s < samples; ++s) {
    const size_t i = gen() % x.size();
    const float saved = x[i];
    x[i] = saved + h;
    const double up = f();
    x[i] = saved - h;
    const double down = f();
    x[i] = saved;
    const double numeric = (up - down) / (2.0 * h);
    ASSERT_NEAR(analytic[i], numeric, tol * max_abs) << what << " index " << i;
  }
}

inline double dot(const std::vector<float> &a, const std::vector<float> &b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (double)a[i] * b[i];
  return s;
}

}  // namespace tft

// Shared by the CUDA kernel tests: device arrays through the CUDA table's own memory ops, poisoned outputs, and
// the relative L2 error ||got - want|| / ||want|| (METHOD.md), which fails on any NaN or infinity.
//
// Tolerances (relative L2 against the CPU backend, which computes in f32 with f64 reductions):
//   kF32 = 2e-5   kernels computed in f32 on both sides: the differences are the summation order (warp trees
//                 vs 16 CPU lanes), expf vs the CPU's vexp (both within 2 ulp) and sincosf; f32's unit roundoff is
//                 6e-8, and sums over up to a few thousand terms stay far under 1e-5.
//   kBf16 = 1e-2  products with bf16 operands (cuBLASLt's 32F_FAST_16BF: A and B rounded to 8 significant bits,
//                 unit roundoff 2^-9 = 2e-3, f32 accumulation): random-sign rounding errors give about
//                 2^-9 * sqrt(2) = 3e-3 in relative L2; 1e-2 is METHOD.md's upper bound for bf16 operands.
// Finite differences use tests/test_util.h's check_gradient (central differences, h = 1e-2, 2e-2 of the largest
// gradient), on the CUDA forward itself.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "backend.h"
#include "cuda/cuda_backend.h"

namespace tfc {

constexpr double kF32 = 2e-5;
constexpr double kBf16 = 1e-2;

// The CUDA table; the test binary's main() made sure a device is there.
inline const tf::Ops &gpu() {
  std::string why;
  const tf::Ops *ops = tf::cuda_ops_if_available(why);
  if (!ops) throw std::runtime_error("no CUDA device: " + why);
  return *ops;
}
inline const tf::Ops &cpu() { return tf::cpu_ops(); }

// A device array of T. Without host data it is poisoned (every byte 0xFF: NaN for floats, -1 for ints), so an
// element a kernel forgot to write shows up as NaN in the comparison.
template <class T>
class Dev {
 public:
  explicit Dev(size_t n) : n_(n) {
    p_ = static_cast<T *>(gpu().alloc(n * sizeof(T)));
    poison();
  }
  explicit Dev(const std::vector<T> &host) : n_(host.size()) {
    p_ = static_cast<T *>(gpu().alloc(n_ * sizeof(T)));
    gpu().copy_h2d(p_, host.data(), n_ * sizeof(T));
  }
  ~Dev() { gpu().free(p_); }
  Dev(const Dev &) = delete;
  Dev &operator=(const Dev &) = delete;
  T *get() { return p_; }
  void poison() {
    std::vector<unsigned char> bytes(n_ * sizeof(T), 0xFF);
    gpu().copy_h2d(p_, bytes.data(), bytes.size());
  }
  std::vector<T> host() const {
    std::vector<T> out(n_);
    gpu().copy_d2h(out.data(), p_, n_ * sizeof(T));
    return out;
  }

 private:
  T *p_ = nullptr;
  size_t n_;
};

inline std::vector<float> randn(size_t n, std::mt19937 &gen, float scale = 1.0f) {
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto &x : v) x = d(gen);
  return v;
}

// Fresh inputs every run (the seed is printed on failure), as METHOD.md asks: a kernel must compute the same
// function on any valid input, not on one fixed draw.
inline std::mt19937 fresh_gen() {
  static std::random_device rd;
  const unsigned seed = rd();
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return std::mt19937(seed);
}

inline double rel_l2(const std::vector<float> &got, const std::vector<float> &want) {
  if (got.size() != want.size()) return INFINITY;
  double num = 0, den = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!std::isfinite(got[i])) return INFINITY;  // a poisoned (unwritten) or broken element
    const double d = (double)got[i] - want[i];
    num += d * d;
    den += (double)want[i] * want[i];
  }
  return den == 0 ? std::sqrt(num) : std::sqrt(num / den);
}

#define EXPECT_REL_L2(got, want, tol) \
  EXPECT_LE(::tfc::rel_l2(got, want), tol) << #got " vs " #want " (relative L2)"

}  // namespace tfc

// Numbered kernel variants side by side (not a test): median wall time per call.
//   native/build/bench/tuneforge_kernels_bench [threads]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <vector>

#include "cpu/kernels.h"

namespace {

double median_ms(const std::function<void()> &f, int reps = 5) {
  std::vector<double> t;
  f();  // warm-up
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

std::vector<float> randn(size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d;
  std::vector<float> v(n);
  for (auto &x : v) x = d(g);
  return v;
}

}  // namespace

int main(int argc, char **argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 0;
  tf::cpu::set_threads(threads);
  std::printf("%-22s %6s %10s %10s %10s\n", "kernel", "T", "v1 ms", "v2 ms", "v3 ms");
  for (int T : {128, 256, 512}) {
    const tf::AttentionShape s{2, T, 8, 4, 64, 0};
    const size_t nq = (size_t)s.batch * T * s.heads * s.head_dim, nk = nq / 2;
    auto q = randn(nq, 1), k = randn(nk, 2), v = randn(nk, 3), dout = randn(nq, 4);
    std::vector<int32_t> seg(s.batch * T, 0);
    std::vector<float> out(nq), probs((size_t)s.batch * s.heads * T * T), dq(nq), dk(nk), dv(nk);
    std::vector<float> lse((size_t)s.batch * s.heads * T);
    const double f1 = median_ms([&] { tf::cpu::attention_forward_v1(q.data(), k.data(), v.data(), seg.data(), s, out.data(), probs.data()); });
    const double f2 = median_ms([&] { tf::cpu::attention_forward_v2(q.data(), k.data(), v.data(), seg.data(), s, out.data(), probs.data()); });
    const double f3 = median_ms([&] { tf::cpu::attention_forward_v3(q.data(), k.data(), v.data(), seg.data(), s, out.data(), lse.data()); });
    std::printf("%-22s %6d %10.2f %10.2f %10.2f\n", "attention_forward", T, f1, f2, f3);
    tf::cpu::attention_forward_v1(q.data(), k.data(), v.data(), seg.data(), s, out.data(), probs.data());
    const double b1 = median_ms([&] {
      tf::cpu::attention_backward_v1(dout.data(), q.data(), k.data(), v.data(), probs.data(), seg.data(), s, dq.data(), dk.data(), dv.data());
    });
    const double b2 = median_ms([&] {
      tf::cpu::attention_backward_v2(dout.data(), q.data(), k.data(), v.data(), probs.data(), seg.data(), s, dq.data(), dk.data(), dv.data());
    });
    const double b3 = median_ms([&] {
      tf::cpu::attention_backward_v3(dout.data(), q.data(), k.data(), v.data(), lse.data(), seg.data(), s, dq.data(), dk.data(), dv.data());
    });
    std::printf("%-22s %6d %10.2f %10.2f %10.2f\n", "attention_backward", T, b1, b2, b3);
  }
  return 0;
}

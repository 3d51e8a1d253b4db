// Whole-model timing without Node (not a test): training steps (full or LoRA) or greedy generation on a model
// directory, with wall and CPU seconds and, with --profile, where the time went per operation.
//   native/build/tuneforge_model_bench DIR [--threads 2] [--mode full|lora|gen] [--batch 4] [--seq 256]
//        [--steps 3] [--rank 16] [--tokens 64] [--prompt 32] [--profile]
// --profile wraps every entry of the operation table with a timer (GEMMs split by shape class), so the
// numbers include the time a call waits for its threads.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "generate.h"
#include "model.h"
#include "trainer.h"

namespace {

using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

double thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

struct Acc {
  double s = 0, cpu = 0;
  long calls = 0;
  double flops = 0;
};
std::map<std::string, Acc> g_prof;
tf::Ops g_base;

struct Timer {
  Acc &acc;
  Clock::time_point t0 = Clock::now();
  double c0 = thread_cpu();
  explicit Timer(const std::string &name, double flops = 0) : acc(g_prof[name]) { acc.flops += flops; }
  ~Timer() {
    acc.s += std::chrono::duration<double>(Clock::now() - t0).count();
    acc.cpu += thread_cpu() - c0;
    acc.calls++;
  }
};

#define WRAP(field)                                                    \
  ops.field = [](auto... args) {                                       \
    Timer t(#field);                                                   \
    return g_base.field(args...);                                      \
  };

tf::Ops profiled(const tf::Ops &base) {
  g_base = base;
  tf::Ops ops = base;
  ops.gemm = [](bool ta, bool tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                float beta, float *c, int ldc) {
    std::string kind = m == 1 ? "gemv" : (std::min({m, n, k}) <= 64 ? "gemm small (min dim <= 64)" : "gemm");
    if (std::getenv("TF_PROFILE_SHAPES") && kind != "gemv")
      kind = std::string("gemm ") + (ta ? "T" : "N") + (tb ? "T" : "N") + " " + std::to_string(m) + "x" +
             std::to_string(n) + "x" + std::to_string(k);
    Timer t(kind, 2.0 * m * n * k);
    g_base.gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  };
  WRAP(embedding_forward) WRAP(embedding_backward) WRAP(rmsnorm_forward) WRAP(rmsnorm_backward) WRAP(rope_forward)
  WRAP(rope_backward) WRAP(attention_forward) WRAP(attention_backward) WRAP(attention_decode) WRAP(swiglu_forward)
  WRAP(swiglu_backward) WRAP(cross_entropy) WRAP(adamw) WRAP(add) WRAP(scale) WRAP(sum_squares) WRAP(bias_backward)
  WRAP(grad_sum_squares) WRAP(adamw_multi) WRAP(gemm_xw_narrow) WRAP(gemm_zty_narrow) WRAP(gemv_multi)
  WRAP(copy_d2d) WRAP(zero) WRAP(fill) WRAP(add_bias) WRAP(mul) WRAP(mul_accumulate) WRAP(dropout) WRAP(transpose)
  WRAP(gather_rows) WRAP(scatter_add_rows) WRAP(copy_rows_to) WRAP(weighted_cross_entropy) WRAP(target_logprobs)
  return ops;
}

const char *opt(int argc, char **argv, const char *name, const char *fallback) {
  for (int i = 2; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return fallback;
}
bool flag(int argc, char **argv, const char *name) {
  for (int i = 2; i < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return true;
  return false;
}

std::vector<int32_t> tokens(int n, int vocab, uint32_t seed) {
  std::vector<int32_t> out(n);
  for (auto &t : out) {
    seed = seed * 1664525u + 1013904223u;
    t = (int32_t)(seed % (uint32_t)vocab);
  }
  return out;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL_DIR [--threads N] [--mode full|lora|gen] [--profile] ...\n", argv[0]);
    return 2;
  }
  const int threads = std::atoi(opt(argc, argv, "--threads", "2"));
  const std::string mode = opt(argc, argv, "--mode", "full");
  const int batch = std::atoi(opt(argc, argv, "--batch", "4")), seq = std::atoi(opt(argc, argv, "--seq", "256"));
  const int steps = std::atoi(opt(argc, argv, "--steps", "3")), rank = std::atoi(opt(argc, argv, "--rank", "16"));
  const int gen_tokens = std::atoi(opt(argc, argv, "--tokens", "64"));
  const int prompt_len = std::atoi(opt(argc, argv, "--prompt", "32"));
  auto model = tf::Model::load(argv[1], "cpu", threads);
  static tf::Ops wrapped;
  if (flag(argc, argv, "--profile")) {
    wrapped = profiled(*model->ops);
    model->ops = &wrapped;
  }
  const int V = model->config.vocab_size;
  double wall = 0, cpu = 0, best = 1e30;
  int64_t done = 0;
  if (mode == "gen") {
    tf_generate_options o{};
    o.max_new_tokens = gen_tokens;
    const std::vector<std::vector<int32_t>> prompts{tokens(prompt_len, V, 999)};
    o.max_new_tokens = 2;
    tf::generate(*model, prompts, o);
    o.max_new_tokens = gen_tokens;
    g_prof.clear();
    const double c0 = cpu_seconds();
    const auto t0 = Clock::now();
    tf::generate(*model, prompts, o);
    wall = std::chrono::duration<double>(Clock::now() - t0).count();
    cpu = cpu_seconds() - c0;
    done = gen_tokens;
  } else {
    tf_train_config c{};
    c.mode = mode == "lora" ? TF_MODE_LORA : TF_MODE_FULL;
    c.lora_rank = rank;
    c.lora_alpha = 2.0f * rank;
    c.lora_targets = (1 << tf::kNumProj) - 1;
    c.lr = 1e-4f, c.beta1 = 0.9f, c.beta2 = 0.95f, c.eps = 1e-8f, c.weight_decay = 0.1f, c.max_grad_norm = 1.0f;
    tf::Trainer trainer(*model, c);
    for (int i = 0; i <= steps; ++i) {
      if (i == 1) g_prof.clear();  // the first step warms up
      const auto ids = tokens(batch * seq, V, (uint32_t)i + 1);
      const double c0 = cpu_seconds();
      const auto t0 = Clock::now();
      trainer.accumulate(ids.data(), ids.data(), nullptr, batch, seq);
      trainer.step();
      if (i == 0) continue;
      const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
      best = std::min(best, dt);
      wall += dt;
      cpu += cpu_seconds() - c0;
      done += (int64_t)batch * seq;
    }
  }
  std::printf("%s %s threads %d: %.1f tokens/s, wall %.3f s, cpu %.3f s (%.2f cores)", argv[1], mode.c_str(), threads,
              done / wall, wall, cpu, cpu / wall);
  if (mode != "gen") std::printf(", best step %.1f tokens/s", (double)batch * seq / best);
  std::printf("\n");
  if (!g_prof.empty()) {
    std::vector<std::pair<std::string, Acc>> rows(g_prof.begin(), g_prof.end());
    std::sort(rows.begin(), rows.end(), [](auto &a, auto &b) { return a.second.s > b.second.s; });
    double total = 0;
    for (auto &r : rows) total += r.second.s;
    // With --threads 1 every kernel runs on the calling thread: its CPU seconds ("cpu s") do not count time the
    // machine gave to other processes, so they compare across runs on a busy machine.
    std::printf("%-30s %9s %7s %9s %9s %9s\n", "op", "s", "%wall", "cpu s", "calls", "GFLOP/s");
    for (auto &[name, a] : rows)
      std::printf("%-30s %9.3f %6.1f%% %9.3f %9ld %9.1f\n", name.c_str(), a.s, 100 * a.s / wall, a.cpu, a.calls,
                  a.flops ? a.flops / a.s / 1e9 : 0.0);
    std::printf("%-30s %9.3f %6.1f%%\n", "(outside ops)", wall - total, 100 * (wall - total) / wall);
  }
  return 0;
}

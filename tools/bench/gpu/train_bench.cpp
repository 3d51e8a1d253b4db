// The engine's side of the GPU benchmark (tools/bench/gpu/prove.sh): training steps of a model directory on a
// backend, packed sequences, and one JSON line with tokens/s and the backend's peak memory.
//   tuneforge_cuda_train_bench MODEL_DIR [--backend cuda] [--mode full|lora] [--rank 16] [--batch 1]
//        [--seq 2048] [--sample 512] [--steps 8] [--warmup 2] [--recompute 0|1]
// Rows are random tokens cut into packed samples of about --sample tokens (positions restart), the same
// layout the HF side gets. Each step is one micro-batch: accumulate + optimizer step; timing starts after the
// warm-up steps and ends when the last step returned (the step's loss is read back, so the device is done).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "tuneforge.h"

namespace {

const char *opt(int argc, char **argv, const char *name, const char *fallback) {
  for (int i = 2; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return fallback;
}

int die(const char *what) {
  std::fprintf(stderr, "train_bench: %s: %s\n", what, tf_last_error());
  return 1;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL_DIR [--backend cuda] [--mode full|lora] [--rank 16] [--batch 1] "
                         "[--seq 2048] [--sample 512] [--steps 8] [--warmup 2] [--recompute 0|1]\n", argv[0]);
    return 2;
  }
  const std::string backend = opt(argc, argv, "--backend", "cuda"), mode = opt(argc, argv, "--mode", "full");
  const int rank = std::atoi(opt(argc, argv, "--rank", "16")), B = std::atoi(opt(argc, argv, "--batch", "1"));
  const int T = std::atoi(opt(argc, argv, "--seq", "2048")), sample = std::atoi(opt(argc, argv, "--sample", "512"));
  const int steps = std::atoi(opt(argc, argv, "--steps", "8")), warmup = std::atoi(opt(argc, argv, "--warmup", "2"));
  const int recompute = std::atoi(opt(argc, argv, "--recompute", "0"));

  tf_load_options lo{backend.c_str(), 0};
  tf_model *model = nullptr;
  if (tf_model_load(argv[1], &lo, &model) != TF_OK) return die("load");
  tf_model_info info{};
  tf_model_info_get(model, &info);
  tf_train_config cfg{};
  cfg.mode = mode == "lora" ? TF_MODE_LORA : TF_MODE_FULL;
  cfg.lora_rank = rank;
  cfg.lora_alpha = 2.0f * rank;
  cfg.lora_targets = 0x7f;
  cfg.lr = 1e-5f;
  cfg.beta1 = 0.9f;
  cfg.beta2 = 0.999f;
  cfg.eps = 1e-8f;
  cfg.weight_decay = 0.0f;
  cfg.max_grad_norm = 1.0f;
  cfg.schedule = TF_SCHEDULE_CONSTANT;
  cfg.total_steps = warmup + steps;
  cfg.recompute = recompute;
  tf_trainer *trainer = nullptr;
  if (tf_trainer_create(model, &cfg, &trainer) != TF_OK) return die("trainer");

  std::mt19937 gen(1);
  std::vector<int32_t> ids((size_t)B * T), pos((size_t)B * T);
  for (int b = 0; b < B; ++b)
    for (int t = 0, p = 0; t < T; ++t, ++p) {
      if (t > 0 && t % sample == 0) p = 0;
      ids[(size_t)b * T + t] = (int32_t)(gen() % info.vocab_size);
      pos[(size_t)b * T + t] = p;
    }
  tf_backend_reset_memory_peak(backend.c_str());
  std::chrono::steady_clock::time_point start;
  float last_loss = 0;
  for (int s = 0; s < warmup + steps; ++s) {
    if (s == warmup) start = std::chrono::steady_clock::now();
    if (tf_trainer_accumulate(trainer, ids.data(), ids.data(), pos.data(), B, T, nullptr) != TF_OK)
      return die("accumulate");
    tf_step_result r{};
    if (tf_trainer_step(trainer, &r) != TF_OK) return die("step");
    last_loss = r.loss;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  tf_memory_stats mem{};
  tf_backend_memory_stats(backend.c_str(), &mem);
  std::printf("{\"side\":\"engine-%s\",\"mode\":\"%s\",\"params\":%lld,\"layers\":%d,\"hidden\":%d,\"heads\":%d,"
              "\"head_dim\":%d,\"batch\":%d,\"seq\":%d,\"steps\":%d,\"seconds\":%.4f,\"tokens_per_s\":%.1f,"
              "\"peak_bytes\":%lld,\"last_loss\":%.4f}\n",
              backend.c_str(), mode.c_str(), (long long)info.num_parameters, info.num_layers, info.hidden_size,
              info.num_heads, info.head_dim, B, T, steps, secs, (double)B * T * steps / secs, (long long)mem.peak,
              last_loss);
  tf_trainer_free(trainer);
  tf_model_free(model);
  return 0;
}

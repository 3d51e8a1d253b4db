// Optimizer state and the training step: token-weighted gradient
// accumulation, global-norm clipping, AdamW, scheduled learning rate.
#pragma once
#include <string>
#include <vector>

#include "model.h"
#include "transformer.h"
#include "tuneforge.h"

namespace tf {

class Trainer {
 public:
  Trainer(Model &model, const tf_train_config &config);
  ~Trainer();

  float accumulate(const int32_t *ids, const int32_t *labels, const int32_t *pos, int batch, int seq);
  // Adds the gradient of sum_t w_t * NLL_t (weights aligned with labels) and `units` to the step's
  // normaliser; returns sum w*NLL / units. token_logprobs (may be null): log p(label_t) per labeled position.
  float accumulate_weighted(const int32_t *ids, const int32_t *labels, const float *weights, const int32_t *pos,
                            int batch, int seq, double units, float *token_logprobs);
  tf_step_result step();
  // Forgets what was accumulated since the last step (gradients, counts, the dropout stream's position) and
  // frees the pass's activations: the caller redoes the step, e.g. in smaller micro-batches after running out
  // of memory. Weights and optimizer state are untouched.
  void discard();
  float lr_at(int step) const;

  const std::vector<Tensor *> &params() const { return params_; }
  Tensor *find(const std::string &name) const;
  // Gradient as the step would see it (divided by the tokens counted so far).
  void grad(const Tensor &t, float *out) const;
  int steps_done() const { return step_; }

  void load_adapter(const std::string &path, const std::string &prefix);
  void save(const std::string &dir) const;
  void resume(const std::string &dir);

 private:
  Model &model_;
  tf_train_config config_;
  std::vector<Tensor *> params_;
  std::vector<FloatBuffer> m_, v_;  // AdamW moments, device memory
  int step_ = 0;
  int64_t pending_tokens_ = 0;  // labeled tokens accumulated since the last step (reported)
  int64_t pending_correct_ = 0;  // of those, the greedy predictions that were right (plain accumulate only)
  double pending_units_ = 0.0;  // what the step divides gradients by: tokens, or the units weighted calls gave
  double pending_loss_ = 0.0;
  // Targets shifted as in Hugging Face (row t predicts label t+1), checked; returns the labeled count.
  int64_t shifted_targets(const int32_t *labels, int batch, int seq, std::vector<int32_t> &targets) const;
  void forward_for_training(const int32_t *ids, const int32_t *pos, int batch, int seq);
  // Runs a micro-batch's forward and backward; if it throws, part of its gradient may already be added, so the
  // step is marked incomplete (step refuses until discard).
  template <class F>
  void guard_pass(F &&pass) {
    try {
      pass();
    } catch (...) {
      incomplete_ = true;
      throw;
    }
  }
  uint64_t micro_batches_ = 0;  // seeds dropout; part of the checkpointed RNG state
  uint64_t micro_batches_at_step_ = 0;
  bool incomplete_ = false;  // an accumulate failed mid-pass since the last step: its gradients are partial  // micro_batches_ when the last step ended (discard goes back to it)
  Pass pass_;
  FloatBuffer dhf_;
};

}  // namespace tf

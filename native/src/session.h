// Continuous batching: sequences join (with their own prefill) and leave between steps; each step decodes
// every active sequence in one batched pass, each row at its own position over its own KV cache, and
// chooses one token per sequence. Finished sequences leave the session at the end of the step that
// reports them. tf_generate runs on a Session too, so both share one decode step and one sampler.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "model.h"
#include "sequence.h"

namespace tf {

struct StepOutput {
  int32_t id;
  TokenChoice choice;
};

class Session {
 public:
  // shared_rng: when set, every sequence draws from it (in id order) instead of its own Rng(seed).
  Session(Model &model, int max_sequences, int max_context, Rng *shared_rng = nullptr);

  // Prefills the prompt into a new cache; the sequence chooses its first token at the next step.
  int32_t add(const std::vector<int32_t> &prompt, SequenceOptions options);
  std::vector<StepOutput> step();
  // Frees the sequence's cache. False when the id is no longer in the session (finished or removed).
  bool remove(int32_t id);

  int active() const { return (int)sequences_.size(); }
  int max_sequences() const { return max_sequences_; }
  int max_context() const { return max_context_; }
  const Sequence *find(int32_t id) const;

 private:
  void check_vocabulary() const;

  Model &model_;
  int max_sequences_, max_context_, vocab_;
  Rng *shared_rng_;
  int32_t next_id_ = 0;
  std::map<int32_t, std::unique_ptr<Sequence>> sequences_;  // by id: the order rows are sampled in
  FloatBuffer logits_;                                      // the decode step's [rows][vocab], device memory
};

}  // namespace tf

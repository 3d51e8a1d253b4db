// Multi-LoRA serving: PEFT LoRA adapters held beside an unmerged base model ("slots"), each applied only
// to the rows of the sequences that chose it. Slot 0 is the base alone; slots 1.. are adapters, in the
// order they were added. A slot's projections add scale * x A^T B^T to the base's x W^T.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model.h"

namespace tf {

struct LoraSlot {
  std::string dir;
  LoraConfig config;                                // rank, alpha, targets
  std::vector<std::unique_ptr<LoraPair>> pairs;     // owned A/B tensors
  std::vector<std::array<const LoraPair *, kNumProj>> layers;  // [layer][proj], null where not targeted
  int64_t bytes() const;
};

// Loads a saved PEFT LoRA adapter (as tf_model_load_adapter validates it) into a new slot without touching
// the base's weights; returns the slot (1, 2, ...). Refused (TF_ERR_UNSUPPORTED) for adapters with
// modules_to_save (added tokens: serve those merged), and (TF_ERR_STATE) while the model has its own
// adapter or a trainer.
int32_t add_lora_slot(Model &model, const std::string &dir);

// y[rows[i]] += scale * x[rows[i]] A^T B^T (i < m) for the slot's pair of (layer, proj), if it has one. x is
// [n][in], y [n][out], rows [m] (distinct), all device memory; rows null means all n rows in order.
void add_slot_delta(const Model &model, const LoraSlot &slot, int layer, int proj, const float *x, int n, float *y,
                    const int32_t *rows = nullptr, int m = 0);

// The slot that linear_forward applies to every row while the guard lives (a prefill with a slot).
struct ActiveSlot {
  Model &model;
  ActiveSlot(Model &m, const LoraSlot *slot) : model(m) { m.active_slot = slot; }
  ~ActiveSlot() { model.active_slot = nullptr; }
};

}  // namespace tf

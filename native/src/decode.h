// The model's two inference passes over KV caches: a prompt's prefill, and one batched decoding step in
// which every row brings one token at its own position and attends to its own cache.
#pragma once
#include <cstdint>
#include <vector>

#include "kv_cache.h"
#include "model.h"

namespace tf {

// Runs the prompt (one sequence, positions 0..T-1) into an empty cache; logits of its last position [vocab],
// copied to the host (the sampler reads them there).
// slot: the LoRA slot (lora_slots.h) the sequence decodes with, 0 for the base alone.
void prefill(Model &model, KvCache &cache, const std::vector<int32_t> &prompt, std::vector<float> &logits,
             int32_t slot = 0);

// Row i: tokens[i] at position caches[i]->length(), appended to caches[i]; logits [n][vocab] in device memory.
// slots (empty: all 0) gives each row's LoRA slot; rows of one slot share its two GEMMs per projection.
// On failure every cache is back at its length before the call.
void decode_step(Model &model, const std::vector<KvCache *> &caches, const std::vector<int32_t> &tokens,
                 FloatBuffer &logits, const std::vector<int32_t> &slots = {});

}  // namespace tf

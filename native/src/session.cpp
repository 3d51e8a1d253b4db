#include "session.h"

#include <algorithm>
#include <limits>

#include "decode.h"
#include "error.h"

namespace tf {

Session::Session(Model &model, int max_sequences, int max_context, Rng *shared_rng)
    : model_(model),
      max_sequences_(max_sequences),
      max_context_(max_context),
      vocab_(model.config.vocab_size),
      shared_rng_(shared_rng) {
  require(max_sequences > 0, TF_ERR_INVALID_ARGUMENT, "max_sequences must be positive");
  require(max_context > 1, TF_ERR_INVALID_ARGUMENT, "max_context must be at least 2 (a prompt token and one more)");
}

void Session::check_vocabulary() const {
  require(model_.config.vocab_size == vocab_, TF_ERR_STATE,
          "the model's vocabulary changed (add_tokens) since the session was created");
}

int32_t Session::add(const std::vector<int32_t> &prompt, SequenceOptions options) {
  check_vocabulary();
  require(active() < max_sequences_, TF_ERR_STATE,
          "the session is full: " + std::to_string(max_sequences_) + " sequences are active");
  require(next_id_ < std::numeric_limits<int32_t>::max(), TF_ERR_STATE, "the session has issued every sequence id");
  require(!prompt.empty(), TF_ERR_INVALID_ARGUMENT, "prompts must not be empty");
  require((int)prompt.size() < max_context_, TF_ERR_INVALID_ARGUMENT,
          "a prompt of " + std::to_string(prompt.size()) + " tokens leaves no room in a context of " +
              std::to_string(max_context_));
  for (int32_t t : prompt)
    require(t >= 0 && t < vocab_, TF_ERR_INVALID_ARGUMENT,
            "prompt token " + std::to_string(t) + " is outside the vocabulary");
  require(options.slot >= 0 && options.slot <= (int32_t)model_.lora_slots.size(), TF_ERR_INVALID_ARGUMENT,
          "LoRA slot " + std::to_string(options.slot) + " does not exist (the model has " +
              std::to_string(model_.lora_slots.size()) + ")");
  require(options.slot == 0 || model_.lora_pairs.empty(), TF_ERR_STATE,
          "LoRA slots need the base without its own adapter");
  const ModelConfig &c = model_.config;
  auto seq = std::make_unique<Sequence>(next_id_, prompt, std::move(options), *model_.ops, c.num_layers,
                                        c.num_kv_heads * c.head_dim, max_context_, shared_rng_);
  prefill(model_, seq->cache(), seq->prompt(), seq->logits(), seq->slot());
  const int32_t id = next_id_++;
  sequences_.emplace(id, std::move(seq));
  return id;
}

std::vector<StepOutput> Session::step() {
  check_vocabulary();
  // Sequences past their first token feed their last choice through the model, all in one pass.
  std::vector<Sequence *> rows;
  std::vector<KvCache *> caches;
  std::vector<int32_t> tokens, slots;
  bool any_slot = false;
  for (auto &[id, s] : sequences_) {
    if (!s->needs_decode()) continue;
    rows.push_back(s.get());
    caches.push_back(&s->cache());
    tokens.push_back(s->last_token());
    slots.push_back(s->slot());
    any_slot = any_slot || s->slot() != 0;
  }
  if (!rows.empty()) {
    decode_step(model_, caches, tokens, logits_, any_slot ? slots : std::vector<int32_t>{});
    // Sampling runs on the host: each sequence takes its one row of the step's logits with an explicit copy.
    for (size_t i = 0; i < rows.size(); ++i) {
      rows[i]->logits().resize(vocab_);
      logits_.download(rows[i]->logits().data(), vocab_, i * vocab_);
      rows[i]->decoded();
    }
  }
  std::vector<StepOutput> out;
  out.reserve(sequences_.size());
  for (auto &[id, s] : sequences_) out.push_back({id, s->choose()});
  for (auto it = sequences_.begin(); it != sequences_.end();) {
    it = it->second->finished() ? sequences_.erase(it) : std::next(it);
  }
  return out;
}

bool Session::remove(int32_t id) {
  require(id >= 0 && id < next_id_, TF_ERR_INVALID_ARGUMENT,
          "sequence id " + std::to_string(id) + " was never issued by this session");
  return sequences_.erase(id) > 0;
}

const Sequence *Session::find(int32_t id) const {
  const auto it = sequences_.find(id);
  return it == sequences_.end() ? nullptr : it->second.get();
}

}  // namespace tf

// A loaded model: configuration, f32 weights under their Hugging Face names,
// and an optional LoRA adapter. Tensors are heap-allocated so pointers stay
// valid while the parameter list grows; their values live in the backend's
// memory (buffer.h) and are read or written only by ops and explicit transfers.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backend.h"
#include "buffer.h"
#include "config.h"

namespace tf {

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  FloatBuffer data;
  FloatBuffer grad;  // allocated only while the tensor is trained
  int64_t numel() const { return static_cast<int64_t>(data.size()); }
};

// The seven projections LoRA can target, in PEFT's names.
enum Proj { kQ, kK, kV, kO, kGate, kUp, kDown, kNumProj };
extern const char *const kProjNames[kNumProj];  // "q_proj", ...
extern const char *const kProjModules[kNumProj];  // "self_attn", "mlp"

struct LoraPair {
  Tensor a;  // [rank][in]
  Tensor b;  // [out][rank]
};

struct Layer {
  Tensor *input_norm = nullptr, *post_norm = nullptr;
  Tensor *q_norm = nullptr, *k_norm = nullptr;  // [head_dim], shared by every head (Qwen3); null otherwise
  Tensor *weight[kNumProj] = {};
  Tensor *bias[kNumProj] = {};
  LoraPair *lora[kNumProj] = {};
};

struct LoraSlot;  // lora_slots.h

struct LoraConfig {
  int rank = 0;
  float alpha = 0, dropout = 0;
  int targets = 0;  // bit i set: projection i
  float scale() const { return alpha / rank; }
};

struct Model {
  ModelConfig config;
  std::string dir;
  const Ops *ops = nullptr;
  int threads = 0;
  std::vector<std::unique_ptr<Tensor>> params;  // base weights
  Tensor *embed = nullptr, *final_norm = nullptr, *lm_head = nullptr;  // lm_head == embed when tied
  std::vector<Layer> layers;
  LoraConfig lora;
  std::vector<std::unique_ptr<LoraPair>> lora_pairs;
  FloatBuffer inv_freq;  // RoPE's [head_dim / 2] frequencies
  std::mutex busy;
  bool has_trainer = false;
  // The embedding (and LM head) belong in a saved adapter as PEFT modules_to_save: the vocabulary grew
  // (add_tokens) or an attached adapter carried them.
  bool adapter_embeddings = false;
  // Multi-LoRA serving (lora_slots.h): adapters kept beside the unmerged base, slot i + 1 at index i, and the
  // slot linear_forward adds for every row while one is active (a slot's prefill).
  std::vector<std::shared_ptr<LoraSlot>> lora_slots;
  const LoraSlot *active_slot = nullptr;
  // While set, linear_forward leaves the model's own LoRA adapter out: the base weights alone (the reference
  // policy of a LoRA run in GRPO). Set only for the length of one call under the model's busy lock (capi.cpp).
  bool lora_off = false;

  static std::unique_ptr<Model> load(const std::string &dir, const std::string &backend_name, int threads);
  int64_t num_parameters() const;
  void add_tokens(int n);
  // Attaches a fresh adapter: A ~ U(-1/sqrt(in), 1/sqrt(in)) as PEFT's kaiming init, B = 0.
  void attach_lora(const LoraConfig &cfg, uint64_t seed);
  void merge_lora();
  // Attaches a saved PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors). Its
  // modules_to_save (embed_tokens, lm_head: whole modules, as many rows as the base or more) replace the
  // embedding and LM head, growing the vocabulary to their rows.
  void load_peft_adapter(const std::string &dir);
  // Named as in a saved PEFT adapter: base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight
  std::vector<Tensor *> lora_tensors();
};

// The names a saved PEFT adapter gives the embedding and LM head under modules_to_save.
extern const char *const kAdapterEmbedName;  // base_model.model.model.embed_tokens.weight
extern const char *const kAdapterHeadName;   // base_model.model.lm_head.weight

}  // namespace tf

// The subset of a Hugging Face config.json that defines a Llama-family decoder.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tf {

struct ModelConfig {
  std::string architecture;  // LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, MistralForCausalLM
  int vocab_size = 0, hidden_size = 0, intermediate_size = 0, num_layers = 0;
  int num_heads = 0, num_kv_heads = 0, head_dim = 0;
  float rms_norm_eps = 1e-6f;
  double rope_theta = 10000.0;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  // bias on q, k, v (Qwen2 always; Llama and Qwen3 when attention_bias)
  bool o_bias = false;          // Llama's and Qwen3's attention_bias also puts a bias on o_proj
  bool qk_norm = false;         // Qwen3: RMSNorm over head_dim on every q and k head, before RoPE
  int sliding_window = 0;       // 0: full causal attention
  // rope scaling
  std::string rope_type = "default";  // default, linear, llama3
  double rope_factor = 1.0, low_freq_factor = 1.0, high_freq_factor = 4.0;
  int original_max_position = 8192;
  nlohmann::json raw;  // the original document, rewritten on export

  static ModelConfig parse(const nlohmann::json &j, const std::string &where);
  // Rotary inverse frequencies for each of head_dim/2 pairs, after scaling.
  std::vector<float> rope_inv_freq() const;
};

}  // namespace tf

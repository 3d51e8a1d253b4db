#include "config.h"

#include <algorithm>
#include <cmath>

#include "error.h"

namespace tf {

using json = nlohmann::json;

// What the engine accepts from a config.json before it allocates anything: far above every released Llama-family
// model, far below what would overflow an int or ask for terabytes.
static constexpr int64_t kMaxVocab = 1 << 22, kMaxHidden = 1 << 16, kMaxIntermediate = 1 << 18, kMaxLayers = 1024,
                         kMaxHeads = 1024, kMaxHeadDim = 1 << 12, kMaxPositions = 1 << 24;

// A positive integer no larger than `max`: a bigger value is refused, never truncated to an int.
static int get_int(const json &j, const char *key, const std::string &where, int64_t max) {
  require(j.contains(key), TF_ERR_FORMAT, where + ": missing \"" + key + "\"");
  const json &v = j[key];
  const bool positive = v.is_number_unsigned() ? v.get<uint64_t>() > 0 : v.is_number_integer() && v.get<int64_t>() > 0;
  require(positive, TF_ERR_FORMAT, where + ": \"" + key + "\" must be a positive integer, not " + v.dump());
  require(v.get<uint64_t>() <= static_cast<uint64_t>(max), TF_ERR_FORMAT,
          where + ": \"" + key + "\" is " + v.dump() + ", more than the most supported (" + std::to_string(max) + ")");
  return static_cast<int>(v.get<int64_t>());
}

// A number (an integer counts), else a clear error instead of the JSON library's type error.
static double get_number(const json &j, const char *key, const std::string &where) {
  require(j[key].is_number(), TF_ERR_FORMAT, where + ": \"" + key + "\" must be a number, not " + j[key].dump());
  const double v = j[key].get<double>();
  require(std::isfinite(v), TF_ERR_FORMAT, where + ": \"" + key + "\" must be finite");
  return v;
}

ModelConfig ModelConfig::parse(const json &j, const std::string &where) {
  require(j.is_object(), TF_ERR_FORMAT, where + ": not a JSON object");
  ModelConfig c;
  c.raw = j;
  require(j.contains("architectures") && j["architectures"].is_array() && !j["architectures"].empty() &&
              j["architectures"][0].is_string(),
          TF_ERR_FORMAT, where + ": missing \"architectures\"");
  c.architecture = j["architectures"][0].get<std::string>();
  const bool llama = c.architecture == "LlamaForCausalLM";
  const bool qwen2 = c.architecture == "Qwen2ForCausalLM";
  const bool qwen3 = c.architecture == "Qwen3ForCausalLM";
  const bool mistral = c.architecture == "MistralForCausalLM";
  require(llama || qwen2 || qwen3 || mistral, TF_ERR_UNSUPPORTED,
          where + ": architecture " + c.architecture +
              " is not supported (supported: LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, "
              "MistralForCausalLM)");
  c.vocab_size = get_int(j, "vocab_size", where, kMaxVocab);
  c.hidden_size = get_int(j, "hidden_size", where, kMaxHidden);
  c.intermediate_size = get_int(j, "intermediate_size", where, kMaxIntermediate);
  c.num_layers = get_int(j, "num_hidden_layers", where, kMaxLayers);
  c.num_heads = get_int(j, "num_attention_heads", where, kMaxHeads);
  c.num_kv_heads = j.contains("num_key_value_heads") && !j["num_key_value_heads"].is_null()
                       ? get_int(j, "num_key_value_heads", where, kMaxHeads)
                       : c.num_heads;
  if (j.contains("head_dim") && !j["head_dim"].is_null()) {
    c.head_dim = get_int(j, "head_dim", where, kMaxHeadDim);
  } else if (qwen3) {
    c.head_dim = 128;  // Qwen3Config's default: head_dim is independent of hidden_size / num_attention_heads
  } else {
    require(c.hidden_size % c.num_heads == 0, TF_ERR_FORMAT,
            where + ": hidden_size is not a multiple of num_attention_heads");
    c.head_dim = c.hidden_size / c.num_heads;
  }
  require(c.head_dim % 2 == 0, TF_ERR_FORMAT, where + ": head_dim must be even for rotary embeddings");
  require(c.num_heads % c.num_kv_heads == 0, TF_ERR_FORMAT,
          where + ": num_attention_heads must be a multiple of num_key_value_heads");
  if (j.contains("rms_norm_eps")) c.rms_norm_eps = static_cast<float>(get_number(j, "rms_norm_eps", where));
  require(c.rms_norm_eps > 0 && c.rms_norm_eps < 1, TF_ERR_FORMAT, where + ": \"rms_norm_eps\" must be between 0 and 1");
  if (j.contains("rope_theta")) c.rope_theta = get_number(j, "rope_theta", where);
  require(c.rope_theta > 0, TF_ERR_FORMAT, where + ": \"rope_theta\" must be positive");
  c.tie_word_embeddings = j.value("tie_word_embeddings", false);
  if (qwen2) {
    c.attention_bias = true;
  } else if (llama || qwen3) {
    c.attention_bias = j.value("attention_bias", false);
    c.o_bias = c.attention_bias;
  }
  c.qk_norm = qwen3;
  require(!j.value("mlp_bias", false), TF_ERR_UNSUPPORTED, where + ": mlp_bias is not supported");
  const std::string act = j.value("hidden_act", std::string("silu"));
  require(act == "silu", TF_ERR_UNSUPPORTED, where + ": hidden_act " + act + " is not supported (silu only)");
  if (mistral && j.contains("sliding_window") && j["sliding_window"].is_number_integer())
    c.sliding_window = get_int(j, "sliding_window", where, kMaxPositions);
  if ((qwen2 || qwen3) && j.value("use_sliding_window", false) && j.contains("sliding_window") &&
      j["sliding_window"].is_number_integer()) {
    // Qwen2/Qwen3 window the layers from max_window_layers on (or those layer_types names): all or none here.
    int sliding = 0;
    if (j.contains("layer_types") && j["layer_types"].is_array()) {
      for (const auto &t : j["layer_types"]) sliding += t == "sliding_attention";
    } else {
      const bool given = j.contains("max_window_layers") && j["max_window_layers"].is_number_integer();
      sliding = std::max(0, c.num_layers - (given ? (int)std::clamp<int64_t>(j["max_window_layers"].get<int64_t>(), 0, kMaxLayers) : 28));
    }
    require(sliding == 0 || sliding == c.num_layers, TF_ERR_UNSUPPORTED,
            where + ": a sliding window on some layers only is not supported");
    if (sliding) c.sliding_window = get_int(j, "sliding_window", where, kMaxPositions);
  }
  // Absent or null: no scaling. Anything else must say which: silently ignoring it would run the wrong rotary embedding.
  if (j.contains("rope_scaling") && !j["rope_scaling"].is_null() && !j["rope_scaling"].is_object())
    fail(TF_ERR_FORMAT, where + ": \"rope_scaling\" must be an object or null, not " + j["rope_scaling"].dump());
  if (j.contains("rope_scaling") && j["rope_scaling"].is_object()) {
    const json &s = j["rope_scaling"];
    const std::string rs = where + ": rope_scaling";
    const json &type = s.contains("rope_type") ? s["rope_type"] : s.contains("type") ? s["type"] : json("default");
    require(type.is_string(), TF_ERR_FORMAT, rs + ": rope_type must be a string");
    c.rope_type = type.get<std::string>();
    auto factor = [&](const char *key) {
      require(s.contains(key), TF_ERR_FORMAT, rs + ": missing \"" + key + "\"");
      const double v = get_number(s, key, rs);
      require(v > 0, TF_ERR_FORMAT, rs + ": \"" + key + "\" must be positive");
      return v;
    };
    if (c.rope_type == "llama3") {
      c.rope_factor = factor("factor");
      c.low_freq_factor = factor("low_freq_factor");
      c.high_freq_factor = factor("high_freq_factor");
      require(c.high_freq_factor > c.low_freq_factor, TF_ERR_FORMAT, rs + ": high_freq_factor must be above low_freq_factor");
      c.original_max_position = get_int(s, "original_max_position_embeddings", rs, kMaxPositions);
    } else if (c.rope_type == "linear") {
      c.rope_factor = factor("factor");
    } else {
      require(c.rope_type == "default", TF_ERR_UNSUPPORTED,
              where + ": rope_scaling type " + c.rope_type + " is not supported (default, linear, llama3)");
    }
  }
  return c;
}

std::vector<float> ModelConfig::rope_inv_freq() const {
  const int half = head_dim / 2;
  std::vector<float> inv(half);
  for (int i = 0; i < half; ++i) {
    // Hugging Face computes base ** (2i/dim) in float32; match its rounding.
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(head_dim);
    inv[i] = 1.0f / std::pow(static_cast<float>(rope_theta), exponent);
  }
  if (rope_type == "linear") {
    for (auto &f : inv) f = static_cast<float>(f / rope_factor);
  } else if (rope_type == "llama3") {
    const double low_wavelen = original_max_position / low_freq_factor;
    const double high_wavelen = original_max_position / high_freq_factor;
    for (auto &f : inv) {
      const double wavelen = 2.0 * M_PI / f;
      if (wavelen < high_wavelen) continue;  // high frequencies are kept
      if (wavelen > low_wavelen) {
        f = static_cast<float>(f / rope_factor);
      } else {  // smooth interpolation between the two bands
        const double smooth = (original_max_position / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
        f = static_cast<float>((1.0 - smooth) * f / rope_factor + smooth * f);
      }
    }
  }
  return inv;
}

}  // namespace tf

// The C boundary: every entry point catches everything and returns a status.
#include <cstring>
#include <string>

#include "capi_boundary.h"
#include "export.h"
#include "generate.h"
#include "safetensors.h"
#include "trainer.h"
#include "transformer.h"

struct tf_trainer {
  std::unique_ptr<tf::Trainer> impl;
  tf_model *model;
};

using tf::capi::Busy;
using tf::capi::guard;
using tf::capi::need;

extern "C" {

const char *tf_last_error(void) { return tf::capi::last_error.c_str(); }

const char *tf_status_name(tf_status s) {
  switch (s) {
    case TF_OK: return "OK";
    case TF_ERR_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case TF_ERR_IO: return "IO";
    case TF_ERR_FORMAT: return "FORMAT";
    case TF_ERR_UNSUPPORTED: return "UNSUPPORTED";
    case TF_ERR_MISMATCH: return "MISMATCH";
    case TF_ERR_OUT_OF_MEMORY: return "OUT_OF_MEMORY";
    case TF_ERR_STATE: return "STATE";
    case TF_ERR_BUSY: return "BUSY";
    case TF_ERR_INTERNAL: return "INTERNAL";
  }
  return "UNKNOWN";
}

tf_status tf_model_load(const char *dir, const tf_load_options *options, tf_model **out) {
  return guard([&] {
    need(dir, "dir");
    need(out, "out");
    *out = nullptr;
    const std::string backend = options && options->backend ? options->backend : "cpu";
    const int threads = options ? options->threads : 0;
    tf::require(threads >= 0, TF_ERR_INVALID_ARGUMENT, "threads must be non-negative");
    auto m = std::make_unique<tf_model>();
    m->impl = tf::Model::load(dir, backend, threads);
    *out = m.release();
  });
}

void tf_model_free(tf_model *model) { delete model; }

tf_status tf_model_info_get(const tf_model *model, tf_model_info *out) {
  return guard([&] {
    need(model, "model");
    need(out, "out");
    const tf::ModelConfig &c = model->impl->config;
    std::memset(out, 0, sizeof(*out));
    std::strncpy(out->architecture, c.architecture.c_str(), sizeof(out->architecture) - 1);
    out->vocab_size = c.vocab_size;
    out->hidden_size = c.hidden_size;
    out->intermediate_size = c.intermediate_size;
    out->num_layers = c.num_layers;
    out->num_heads = c.num_heads;
    out->num_kv_heads = c.num_kv_heads;
    out->head_dim = c.head_dim;
    out->tie_word_embeddings = c.tie_word_embeddings;
    out->num_parameters = model->impl->num_parameters();
  });
}

tf_status tf_model_forward(tf_model *model, const int32_t *input_ids, const int32_t *position_ids, int batch,
                           int seq, float *logits_out) {
  return guard([&] {
    need(model, "model");
    need(input_ids, "input_ids");
    need(logits_out, "logits_out");
    tf::require(batch > 0 && seq > 0, TF_ERR_INVALID_ARGUMENT, "batch and seq must be positive");
    Busy busy(*model->impl);
    tf::Pass pass;
    tf::prepare_pass(*model->impl, pass, input_ids, position_ids, batch, seq);
    tf::forward(*model->impl, pass);
    pass.logits.download(logits_out, pass.logits.size());
  });
}

tf_status tf_model_token_logprobs(tf_model *model, const int32_t *tokens, const int32_t *offsets, int n, float *out) {
  return tf_model_token_scores(model, tokens, offsets, n, out, nullptr);
}

tf_status tf_model_token_scores(tf_model *model, const int32_t *tokens, const int32_t *offsets, int n, float *out,
                                uint8_t *greedy_out) {
  return guard([&] {
    need(model, "model");
    need(tokens, "tokens");
    need(offsets, "offsets");
    need(out, "out");
    Busy busy(*model->impl);
    for (int i = 0; i < n; ++i) {
      tf::require(offsets[i + 1] >= offsets[i], TF_ERR_INVALID_ARGUMENT, "offsets must not decrease");
      std::vector<int32_t> seq(tokens + offsets[i], tokens + offsets[i + 1]);
      std::vector<uint8_t> greedy;
      const std::vector<float> lp = tf::token_logprobs(*model->impl, seq, greedy_out ? &greedy : nullptr);
      std::memcpy(out + offsets[i], lp.data(), sizeof(float) * lp.size());
      if (greedy_out) std::memcpy(greedy_out + offsets[i], greedy.data(), greedy.size());
    }
  });
}

tf_status tf_model_token_logprobs_base(tf_model *model, const int32_t *tokens, const int32_t *offsets, int n,
                                       float *out) {
  return guard([&] {
    need(model, "model");
    need(tokens, "tokens");
    need(offsets, "offsets");
    need(out, "out");
    Busy busy(*model->impl);
    tf::Model &m = *model->impl;
    // Restored however the pass ends (an exception included), so no later call runs without the adapter.
    struct AdapterOff {
      tf::Model &m;
      explicit AdapterOff(tf::Model &model) : m(model) { m.lora_off = true; }
      ~AdapterOff() { m.lora_off = false; }
    } off(m);
    for (int i = 0; i < n; ++i) {
      tf::require(offsets[i + 1] >= offsets[i], TF_ERR_INVALID_ARGUMENT, "offsets must not decrease");
      std::vector<int32_t> seq(tokens + offsets[i], tokens + offsets[i + 1]);
      const std::vector<float> lp = tf::token_logprobs(m, seq, nullptr);
      std::memcpy(out + offsets[i], lp.data(), sizeof(float) * lp.size());
    }
  });
}

tf_status tf_model_add_tokens(tf_model *model, int n) {
  return guard([&] {
    need(model, "model");
    Busy busy(*model->impl);
    model->impl->add_tokens(n);
  });
}

tf_status tf_generate(tf_model *model, const int32_t *prompt_tokens, const int32_t *prompt_offsets, int n,
                      const tf_generate_options *options, int32_t *out_tokens, float *out_logprobs,
                      int32_t *out_lengths, int32_t *out_finish) {
  return guard([&] {
    need(model, "model");
    need(prompt_tokens, "prompt_tokens");
    need(prompt_offsets, "prompt_offsets");
    need(options, "options");
    tf::require(n > 0, TF_ERR_INVALID_ARGUMENT, "at least one prompt is needed");
    Busy busy(*model->impl);
    std::vector<std::vector<int32_t>> prompts(n);
    for (int i = 0; i < n; ++i) {
      tf::require(prompt_offsets[i + 1] > prompt_offsets[i], TF_ERR_INVALID_ARGUMENT, "prompts must not be empty");
      prompts[i].assign(prompt_tokens + prompt_offsets[i], prompt_tokens + prompt_offsets[i + 1]);
    }
    const auto gens = tf::generate(*model->impl, prompts, *options);
    const int cap = options->max_new_tokens;
    for (int i = 0; i < n; ++i) {
      const auto &g = gens[i];
      for (size_t t = 0; t < g.tokens.size(); ++t) {
        if (out_tokens) out_tokens[(size_t)i * cap + t] = g.tokens[t];
        if (out_logprobs) out_logprobs[(size_t)i * cap + t] = g.logprobs[t];
      }
      if (out_lengths) out_lengths[i] = (int32_t)g.tokens.size();
      if (out_finish) out_finish[i] = g.finish;
    }
  });
}

tf_status tf_model_save_merged(tf_model *model, const char *source_dir, const char *out_dir, const char *dtype) {
  return guard([&] {
    need(model, "model");
    need(out_dir, "out_dir");
    Busy busy(*model->impl);
    tf::save_merged(*model->impl, source_dir ? source_dir : model->impl->dir, out_dir, dtype ? dtype : "");
  });
}

tf_status tf_model_save_adapter(tf_model *model, const char *base_model_name, const char *tokenizer_dir,
                                const char *out_dir) {
  return guard([&] {
    need(model, "model");
    need(out_dir, "out_dir");
    Busy busy(*model->impl);
    tf::save_adapter(*model->impl, base_model_name ? base_model_name : model->impl->dir,
                     tokenizer_dir ? tokenizer_dir : model->impl->dir, out_dir);
  });
}

tf_status tf_model_load_adapter(tf_model *model, const char *adapter_dir) {
  return guard([&] {
    need(model, "model");
    need(adapter_dir, "adapter_dir");
    Busy busy(*model->impl);
    model->impl->load_peft_adapter(adapter_dir);
  });
}

tf_status tf_model_merge_adapter(tf_model *model) {
  return guard([&] {
    need(model, "model");
    Busy busy(*model->impl);
    model->impl->merge_lora();
  });
}

tf_status tf_trainer_create(tf_model *model, const tf_train_config *config, tf_trainer **out) {
  return guard([&] {
    need(model, "model");
    need(config, "config");
    need(out, "out");
    *out = nullptr;
    Busy busy(*model->impl);
    auto t = std::make_unique<tf_trainer>();
    t->model = model;
    t->impl = std::make_unique<tf::Trainer>(*model->impl, *config);
    *out = t.release();
  });
}

void tf_trainer_free(tf_trainer *trainer) { delete trainer; }

tf_status tf_trainer_accumulate(tf_trainer *trainer, const int32_t *input_ids, const int32_t *labels,
                                const int32_t *position_ids, int batch, int seq, float *loss_out) {
  return guard([&] {
    need(trainer, "trainer");
    need(input_ids, "input_ids");
    need(labels, "labels");
    Busy busy(*trainer->model->impl);
    const float loss = trainer->impl->accumulate(input_ids, labels, position_ids, batch, seq);
    if (loss_out) *loss_out = loss;
  });
}

tf_status tf_trainer_accumulate_weighted(tf_trainer *trainer, const int32_t *input_ids, const int32_t *labels,
                                         const float *weights, const int32_t *position_ids, int batch, int seq,
                                         double units, float *loss_out, float *token_logprobs_out) {
  return guard([&] {
    need(trainer, "trainer");
    need(input_ids, "input_ids");
    need(labels, "labels");
    need(weights, "weights");
    Busy busy(*trainer->model->impl);
    const float loss = trainer->impl->accumulate_weighted(input_ids, labels, weights, position_ids, batch, seq, units,
                                                          token_logprobs_out);
    if (loss_out) *loss_out = loss;
  });
}

tf_status tf_trainer_step(tf_trainer *trainer, tf_step_result *out) {
  return guard([&] {
    need(trainer, "trainer");
    Busy busy(*trainer->model->impl);
    const tf_step_result r = trainer->impl->step();
    if (out) *out = r;
  });
}

int tf_trainer_num_params(const tf_trainer *trainer) {
  return trainer ? (int)trainer->impl->params().size() : 0;
}

const char *tf_trainer_param_name(const tf_trainer *trainer, int index) {
  if (!trainer || index < 0 || index >= (int)trainer->impl->params().size()) return nullptr;
  return trainer->impl->params()[index]->name.c_str();
}

int tf_trainer_step_count(const tf_trainer *trainer) { return trainer ? trainer->impl->steps_done() : 0; }

tf_status tf_trainer_grad(tf_trainer *trainer, const char *name, float *out, int64_t capacity, int64_t *numel) {
  return guard([&] {
    need(trainer, "trainer");
    need(name, "name");
    Busy busy(*trainer->model->impl);
    const tf::Tensor *t = trainer->impl->find(name);
    tf::require(t != nullptr, TF_ERR_INVALID_ARGUMENT, std::string("no trainable parameter named ") + name);
    if (numel) *numel = t->numel();
    if (out) {
      tf::require(capacity >= t->numel(), TF_ERR_INVALID_ARGUMENT, "output buffer too small");
      trainer->impl->grad(*t, out);
    }
  });
}

tf_status tf_trainer_load_adapter(tf_trainer *trainer, const char *path, const char *prefix) {
  return guard([&] {
    need(trainer, "trainer");
    need(path, "path");
    Busy busy(*trainer->model->impl);
    trainer->impl->load_adapter(path, prefix ? prefix : "");
  });
}

tf_status tf_trainer_save(tf_trainer *trainer, const char *dir) {
  return guard([&] {
    need(trainer, "trainer");
    need(dir, "dir");
    Busy busy(*trainer->model->impl);
    trainer->impl->save(dir);
  });
}

tf_status tf_trainer_resume(tf_trainer *trainer, const char *dir) {
  return guard([&] {
    need(trainer, "trainer");
    need(dir, "dir");
    Busy busy(*trainer->model->impl);
    trainer->impl->resume(dir);
  });
}

tf_status tf_trainer_discard(tf_trainer *trainer) {
  return guard([&] {
    need(trainer, "trainer");
    Busy busy(*trainer->model->impl);
    trainer->impl->discard();
  });
}

tf_status tf_backend_set_memory_limit(const char *backend, int64_t bytes) {
  return guard([&] {
    tf::require(bytes >= 0, TF_ERR_INVALID_ARGUMENT, "the memory limit must be 0 (none) or a positive byte count");
    tf::backend(backend ? backend : "cpu").set_memory_limit((size_t)bytes);
  });
}

tf_status tf_backend_memory_stats(const char *backend, tf_memory_stats *out) {
  return guard([&] {
    need(out, "out");
    const tf::Ops &ops = tf::backend(backend ? backend : "cpu");
    out->in_use = (int64_t)ops.memory_in_use();
    out->peak = (int64_t)ops.memory_peak();
  });
}

tf_status tf_backend_reset_memory_peak(const char *backend) {
  return guard([&] { tf::backend(backend ? backend : "cpu").reset_memory_peak(); });
}

tf_status tf_safetensors_read(const char *path, tf_tensor_visitor visit, void *user) {
  return guard([&] {
    need(path, "path");
    need((const void *)visit, "visit");
    tf::SafetensorsFile f(path);
    std::vector<float> buf;
    for (const auto &t : f.tensors()) {
      buf.resize(t.numel());
      f.read_f32(t, buf.data());
      visit(user, t.name.c_str(), t.shape.data(), (int)t.shape.size(), buf.data(), t.numel());
    }
  });
}

}  // extern "C"

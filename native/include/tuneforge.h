/*
 * Tuneforge native engine: plain C API.
 *
 * Every function returns a tf_status. On failure the message for the calling
 * thread is available from tf_last_error() until the next call on that thread.
 * No function calls exit/abort or lets a C++ exception escape.
 *
 * A tf_model owns weights (and, once a LoRA trainer is created, the adapter).
 * A tf_trainer owns gradients and optimizer state for one model. Calls on the
 * same model must not overlap: an overlapping call returns TF_ERR_BUSY.
 * Free a model's trainer before the model.
 */
#ifndef TUNEFORGE_H
#define TUNEFORGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tf_status {
  TF_OK = 0,
  TF_ERR_INVALID_ARGUMENT = 1,
  TF_ERR_IO = 2,
  TF_ERR_FORMAT = 3,      /* malformed safetensors / json */
  TF_ERR_UNSUPPORTED = 4, /* architecture, dtype, backend not supported */
  TF_ERR_MISMATCH = 5,    /* weights do not match config */
  TF_ERR_OUT_OF_MEMORY = 6,
  TF_ERR_STATE = 7, /* call not valid in the object's current state */
  TF_ERR_BUSY = 8,
  TF_ERR_INTERNAL = 9
} tf_status;

const char *tf_last_error(void);
const char *tf_status_name(tf_status status);

typedef struct tf_model tf_model;
typedef struct tf_trainer tf_trainer;

/* ---- models ---- */

typedef struct tf_load_options {
  const char *backend; /* "cpu" (NULL = "cpu"); "cuda" is not built yet */
  int threads;         /* 0 = all cores */
} tf_load_options;

typedef struct tf_model_info {
  char architecture[64];
  int vocab_size, hidden_size, intermediate_size, num_layers;
  int num_heads, num_kv_heads, head_dim;
  int tie_word_embeddings;
  int64_t num_parameters;
} tf_model_info;

/* Loads a Hugging Face model directory (config.json + model.safetensors or
 * model.safetensors.index.json). Weights are converted to f32. */
tf_status tf_model_load(const char *dir, const tf_load_options *options, tf_model **out);
void tf_model_free(tf_model *model);
tf_status tf_model_info_get(const tf_model *model, tf_model_info *out);

/* logits_out: [batch][seq][vocab]. position_ids may be NULL (0..seq-1 per row);
 * a position that does not continue the previous one starts a new packed
 * sample, which attends only to itself. */
tf_status tf_model_forward(tf_model *model, const int32_t *input_ids, const int32_t *position_ids,
                           int batch, int seq, float *logits_out);

/* Per-token log-probabilities for a set of sequences given flattened with
 * offsets[n+1]: out[offsets[i]+t] = log p(token t | tokens < t), out at t=0 is 0. */
tf_status tf_model_token_logprobs(tf_model *model, const int32_t *tokens, const int32_t *offsets, int n,
                                  float *out);

/* Appends n rows to the embedding (and an untied LM head); each new row is the
 * mean of the existing rows. Not allowed while a trainer exists. */
tf_status tf_model_add_tokens(tf_model *model, int n);

typedef struct tf_generate_options {
  int max_new_tokens;
  float temperature; /* <= 0: greedy */
  int top_k;         /* 0: off */
  float top_p;       /* >= 1: off */
  uint64_t seed;
  /* stop token sequences, flattened: stop_offsets has n_stop+1 entries */
  const int32_t *stop_tokens;
  const int32_t *stop_offsets;
  int n_stop;
} tf_generate_options;

enum { TF_FINISH_LENGTH = 0, TF_FINISH_STOP = 1 };

/* Prompts flattened with prompt_offsets[n+1]. Outputs are [n][max_new_tokens];
 * out_lengths[i] is the number of generated tokens kept (a matched stop
 * sequence is removed), out_finish[i] a TF_FINISH_* value, out_logprobs the
 * model's log-probability (before temperature/filters) of each token. */
tf_status tf_generate(tf_model *model, const int32_t *prompt_tokens, const int32_t *prompt_offsets, int n,
                      const tf_generate_options *options, int32_t *out_tokens, float *out_logprobs,
                      int32_t *out_lengths, int32_t *out_finish);

/* Writes a merged Hugging Face model directory: config.json, model.safetensors
 * (LoRA folded in), tokenizer/generation files copied from source_dir (NULL: the
 * loaded dir). dtype: "float32", "bfloat16", "float16", or NULL for the source
 * config's torch_dtype. */
tf_status tf_model_save_merged(tf_model *model, const char *source_dir, const char *out_dir, const char *dtype);
/* Writes adapter_config.json + adapter_model.safetensors with PEFT key names. */
tf_status tf_model_save_adapter(tf_model *model, const char *base_model_name, const char *out_dir);
/* Attaches a saved PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors).
 * A LoRA trainer created afterwards with the same rank/alpha/targets continues training it. */
tf_status tf_model_load_adapter(tf_model *model, const char *adapter_dir);
/* Folds the adapter into the base weights and removes it. */
tf_status tf_model_merge_adapter(tf_model *model);

/* ---- training ---- */

enum { TF_MODE_FULL = 0, TF_MODE_LORA = 1 };
enum { TF_SCHEDULE_CONSTANT = 0, TF_SCHEDULE_LINEAR = 1, TF_SCHEDULE_COSINE = 2 };
enum {
  TF_LORA_Q = 1 << 0,
  TF_LORA_K = 1 << 1,
  TF_LORA_V = 1 << 2,
  TF_LORA_O = 1 << 3,
  TF_LORA_GATE = 1 << 4,
  TF_LORA_UP = 1 << 5,
  TF_LORA_DOWN = 1 << 6
};

typedef struct tf_train_config {
  int mode;
  int lora_rank;
  float lora_alpha;
  float lora_dropout;
  int lora_targets; /* TF_LORA_* bits */
  float lr, beta1, beta2, eps, weight_decay;
  float max_grad_norm; /* <= 0: no clipping */
  int schedule, warmup_steps, total_steps;
  uint64_t seed;
  int recompute; /* recompute layer activations in backward */
} tf_train_config;

tf_status tf_trainer_create(tf_model *model, const tf_train_config *config, tf_trainer **out);
void tf_trainer_free(tf_trainer *trainer);

/* Runs forward and backward on one micro-batch and adds its gradient to the
 * accumulator. labels use -100 for ignored tokens and are shifted as in
 * Hugging Face (logits at t predict labels at t+1). loss_out: mean over the
 * micro-batch's counted tokens. The step normalises by all tokens counted
 * since the last step, so accumulation equals one large batch. */
tf_status tf_trainer_accumulate(tf_trainer *trainer, const int32_t *input_ids, const int32_t *labels,
                                const int32_t *position_ids, int batch, int seq, float *loss_out);

typedef struct tf_step_result {
  int step;        /* steps completed, this one included */
  float lr;        /* learning rate this update used */
  float grad_norm; /* global L2 norm before clipping */
  float loss;      /* mean loss over every token accumulated for this step */
  int64_t tokens;  /* tokens that counted towards the loss */
} tf_step_result;

/* Clips, applies AdamW with the scheduled learning rate and clears gradients. */
tf_status tf_trainer_step(tf_trainer *trainer, tf_step_result *out);

int tf_trainer_num_params(const tf_trainer *trainer);
/* Hugging Face names for full fine-tuning; for LoRA the names of a saved PEFT
 * adapter: "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight". */
const char *tf_trainer_param_name(const tf_trainer *trainer, int index);
/* Current accumulated gradient (normalised by the tokens counted so far). */
tf_status tf_trainer_grad(tf_trainer *trainer, const char *name, float *out, int64_t capacity, int64_t *numel);
int tf_trainer_step_count(const tf_trainer *trainer);

/* Loads adapter weights from safetensors: key = prefix + PEFT name. */
tf_status tf_trainer_load_adapter(tf_trainer *trainer, const char *path, const char *prefix);

/* Checkpoint directory: trainable weights, AdamW moments, step, RNG state.
 * Written to a temporary sibling and renamed into place; manifest.json last. */
tf_status tf_trainer_save(tf_trainer *trainer, const char *dir);
tf_status tf_trainer_resume(tf_trainer *trainer, const char *dir);

/* ---- utilities ---- */

typedef void (*tf_tensor_visitor)(void *user, const char *name, const int64_t *shape, int ndim, const float *data,
                                  int64_t numel);
/* Reads every tensor of a safetensors file as f32 and passes it to visit. */
tf_status tf_safetensors_read(const char *path, tf_tensor_visitor visit, void *user);

#ifdef __cplusplus
}
#endif
#endif

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
  int threads;         /* 0 = the CPUs this process may use, capped by its cgroup's CPU quota */
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
/* tf_model_token_logprobs plus, in greedy_out (laid out as out; may be NULL), 1 where token t is the
 * model's greedy prediction from tokens < t (the argmax, ties to the lowest id), else 0 (and 0 at t=0). */
tf_status tf_model_token_scores(tf_model *model, const int32_t *tokens, const int32_t *offsets, int n, float *out,
                                uint8_t *greedy_out);
/* tf_model_token_logprobs with the model's own LoRA adapter (a LoRA trainer's, or one attached with
 * tf_model_load_adapter and not merged) left out for this call: the base weights alone, as PEFT's
 * disable_adapter(). Without an adapter it is tf_model_token_logprobs. GRPO's reference policy of a LoRA run:
 * the frozen base, with no second copy of the weights. */
tf_status tf_model_token_logprobs_base(tf_model *model, const int32_t *tokens, const int32_t *offsets, int n,
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

enum { TF_FINISH_NONE = -1, TF_FINISH_LENGTH = 0, TF_FINISH_STOP = 1 };

/* Prompts flattened with prompt_offsets[n+1]. Outputs are [n][max_new_tokens];
 * out_lengths[i] is the number of generated tokens kept (a matched stop
 * sequence is removed), out_finish[i] a TF_FINISH_* value, out_logprobs the
 * model's log-probability (before temperature/filters) of each token. */
tf_status tf_generate(tf_model *model, const int32_t *prompt_tokens, const int32_t *prompt_offsets, int n,
                      const tf_generate_options *options, int32_t *out_tokens, float *out_logprobs,
                      int32_t *out_lengths, int32_t *out_finish);

/* ---- decode sessions (continuous batching) ----
 *
 * A session decodes many sequences over one model, one token per sequence per
 * step. Each sequence has its own KV cache (grown with its length, up to its own
 * prompt + max_new_tokens, never max_context x max_sequences up front), its own
 * sampling options and its own random stream Rng(seed): a sequence's tokens are
 * those tf_generate gives for its prompt alone, whoever else is in the session
 * (log-probabilities too; with other rows in the batch, up to float rounding).
 * Sequences added between steps join at the next step;
 * a sequence may be removed at any time, which frees its cache and its slot.
 *
 * Session calls count as calls on the model: they must not overlap with each
 * other or with other calls on the model (TF_ERR_BUSY). Free every session of a
 * model before the model. Weights changed by a trainer or adapter call apply to
 * later steps (cached keys/values are not recomputed); growing the vocabulary
 * (tf_model_add_tokens) makes the session refuse further calls (TF_ERR_STATE). */

typedef struct tf_session tf_session;

typedef struct tf_session_options {
  int max_sequences; /* sequences active at once (>= 1); tf_session_add refuses more (TF_ERR_STATE) */
  int max_context;   /* prompt + generated tokens per sequence (>= 2); a sequence that reaches it
                        finishes with TF_FINISH_LENGTH, a prompt that fills it is refused */
} tf_session_options;

#define TF_MAX_TOP_LOGPROBS 20

typedef struct tf_sequence_options {
  tf_generate_options generate; /* sampling, seed, stop sequences and max_new_tokens, as in tf_generate */
  int top_logprobs;             /* alternatives to report per token, 0..TF_MAX_TOP_LOGPROBS */
} tf_sequence_options;

typedef struct tf_token_logprob {
  int32_t token;
  float logprob;
} tf_token_logprob;

/* One sequence's result of one step. */
typedef struct tf_step_output {
  int32_t id;    /* the sequence, as tf_session_add returned it */
  int32_t token; /* the token chosen this step */
  float logprob; /* its log-probability under the raw logits (before temperature/filters) */
  int32_t finish; /* TF_FINISH_NONE, or why the sequence ended (it has then left the session) */
  /* Trailing tokens, this one included, that are not (yet) part of the completion: the
   * longest partial match of a stop sequence, which a later step may complete, or on
   * TF_FINISH_STOP the matched stop sequence itself, which tf_generate removes. A streaming
   * client can send every token but the last `held` ones. 0 on TF_FINISH_LENGTH. */
  int32_t held;
  int32_t n_top; /* entries of top used: min(top_logprobs, vocab) */
  tf_token_logprob top[TF_MAX_TOP_LOGPROBS]; /* most likely first (ties by id), raw-logit log-probabilities */
} tf_step_output;

tf_status tf_session_create(tf_model *model, const tf_session_options *options, tf_session **out);
void tf_session_free(tf_session *session);

/* Validates the options, prefills the prompt into the sequence's own cache and
 * returns its id (ids count up from 0 and are never reused). The sequence chooses
 * its first token at the next tf_session_step. */
tf_status tf_session_add(tf_session *session, const int32_t *prompt, int n_prompt, const tf_sequence_options *options,
                         int32_t *out_id);

/* One decoding step for every active sequence at once: a single batched pass in
 * which each row sits at its own position, then one token chosen per sequence.
 * Writes one tf_step_output per active sequence, in id order, to out (capacity
 * entries; max_sequences always suffices) and their number to n_out (0 when the
 * session is empty). Sequences that finish leave the session. */
tf_status tf_session_step(tf_session *session, tf_step_output *out, int capacity, int *n_out);

/* Frees the sequence's cache and slot, whether it is mid-generation or has not
 * started. An id that has already finished or been removed is not an error
 * (removed_out, which may be NULL, receives 0); an id never issued is. */
tf_status tf_session_remove(tf_session *session, int32_t id, int *removed_out);

/* Writes a merged Hugging Face model directory: config.json, model.safetensors
 * (LoRA folded in), tokenizer/generation files copied from source_dir (NULL: the
 * loaded dir). dtype: "float32", "bfloat16", "float16", or NULL for the source
 * config's torch_dtype. */
tf_status tf_model_save_merged(tf_model *model, const char *source_dir, const char *out_dir, const char *dtype);
/* Writes adapter_config.json + adapter_model.safetensors with PEFT key names. When the vocabulary grew
 * (tf_model_add_tokens) or an attached adapter carried them, the embedding and LM head are saved whole as
 * PEFT modules_to_save (embed_tokens, + lm_head when untied; tied: ensure_weight_tying) and the tokenizer
 * files are copied from tokenizer_dir (NULL: the loaded dir), which should know the added tokens. */
tf_status tf_model_save_adapter(tf_model *model, const char *base_model_name, const char *tokenizer_dir,
                                const char *out_dir);
/* Attaches a saved PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors). Its modules_to_save
 * embed_tokens / lm_head (hidden size as the model's, at least the model's rows) replace the embedding and LM
 * head, growing the vocabulary to their rows; other modules_to_save are refused (TF_ERR_UNSUPPORTED).
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

/* tf_trainer_accumulate with a weight per label: the micro-batch adds the gradient of
 * sum_t weights[t] * NLL(labels[t]) (weights laid out as labels, [batch][seq]; a weight may be
 * negative; ignored labels' weights are not read) and adds `units` (> 0) to what the step divides
 * by, in place of the micro-batch's labeled-token count. With weights 1 and units = its labeled tokens
 * it is tf_trainer_accumulate. Preference training uses it: the DPO gradient is a per-token weighted
 * NLL gradient (weights from a policy log-prob pass, units = pairs; see native/README.md).
 * loss_out: sum w*NLL / units. token_logprobs_out (may be NULL): [batch][seq], log p(labels[t] | < t)
 * from this forward pass at each labeled position, 0 elsewhere. Mixing with tf_trainer_accumulate
 * in one step adds both normalisers. */
tf_status tf_trainer_accumulate_weighted(tf_trainer *trainer, const int32_t *input_ids, const int32_t *labels,
                                         const float *weights, const int32_t *position_ids, int batch, int seq,
                                         double units, float *loss_out, float *token_logprobs_out);

typedef struct tf_step_result {
  int step;        /* steps completed, this one included */
  float lr;        /* learning rate this update used */
  float grad_norm; /* global L2 norm before clipping */
  float loss;      /* loss accumulated for this step over its normaliser (tokens, or weighted calls' units) */
  int64_t tokens;  /* tokens that counted towards the loss */
  int64_t correct_tokens; /* of those, the ones the model's greedy prediction got right (token accuracy =
                             correct_tokens / tokens); counted by tf_trainer_accumulate only, 0 after weighted calls */
} tf_step_result;

/* Clips, applies AdamW with the scheduled learning rate and clears gradients. Refused (TF_ERR_STATE) after an
 * accumulate call failed inside its forward or backward pass since the last step: that step's gradients are
 * incomplete, so call tf_trainer_discard and redo it. */
tf_status tf_trainer_step(tf_trainer *trainer, tf_step_result *out);

/* Forgets everything accumulated since the last step (gradients, token and loss counts, the dropout stream's
 * position) and frees the trainer's activations; weights, optimizer state and the step count are unchanged.
 * For redoing a step, e.g. in smaller micro-batches after TF_ERR_OUT_OF_MEMORY. */
tf_status tf_trainer_discard(tf_trainer *trainer);

int tf_trainer_num_params(const tf_trainer *trainer);
/* Hugging Face names for full fine-tuning; for LoRA the names of a saved PEFT
 * adapter: "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight". */
const char *tf_trainer_param_name(const tf_trainer *trainer, int index);
/* Current accumulated gradient (normalised by the tokens, or units, counted so far). */
tf_status tf_trainer_grad(tf_trainer *trainer, const char *name, float *out, int64_t capacity, int64_t *numel);
int tf_trainer_step_count(const tf_trainer *trainer);

/* Loads adapter weights from safetensors: key = prefix + PEFT name. */
tf_status tf_trainer_load_adapter(tf_trainer *trainer, const char *path, const char *prefix);

/* Checkpoint directory: trainable weights, AdamW moments, step, RNG state.
 * Written to a temporary sibling and renamed into place; manifest.json last. */
tf_status tf_trainer_save(tf_trainer *trainer, const char *dir);
tf_status tf_trainer_resume(tf_trainer *trainer, const char *dir);

/* ---- memory ----
 * Each backend allocates every weight, gradient, optimizer moment, activation and KV cache through its own
 * allocator (native/src/backend.h, docs/engine-memory.md). A failed allocation makes the call that needed it
 * return TF_ERR_OUT_OF_MEMORY with a message naming the request and the bytes in use. */

typedef struct tf_memory_stats {
  int64_t in_use; /* bytes the backend's allocator holds now, over every model in this process */
  int64_t peak;   /* the most it held since the process started or the last tf_backend_reset_memory_peak */
} tf_memory_stats;

/* A cap on a backend's bytes in use in this process (0 = none, the default). An allocation that would pass
 * it fails like a real one (TF_ERR_OUT_OF_MEMORY): an operator's budget, and how tests force an
 * out-of-memory on the CPU. backend: "cpu" (NULL = "cpu"). */
tf_status tf_backend_set_memory_limit(const char *backend, int64_t bytes);
tf_status tf_backend_memory_stats(const char *backend, tf_memory_stats *out);
tf_status tf_backend_reset_memory_peak(const char *backend);

/* ---- utilities ---- */

typedef void (*tf_tensor_visitor)(void *user, const char *name, const int64_t *shape, int ndim, const float *data,
                                  int64_t numel);
/* Reads every tensor of a safetensors file as f32 and passes it to visit. */
tf_status tf_safetensors_read(const char *path, tf_tensor_visitor visit, void *user);

#ifdef __cplusplus
}
#endif
#endif

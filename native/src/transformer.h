// Forward and backward of the decoder over one batch, written out by hand as
// in llm.c: every activation the backward pass needs lives in a Pass, in the
// backend's memory; every computation on it is an op of the model's table.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "model.h"

namespace tf {

struct LayerActs {
  FloatBuffer h1, rstd1, q, k, v, attn_saved, attn, x_mid, h2, rstd2, g, u, a;
  FloatBuffer q_raw, k_raw, rstd_q, rstd_k;  // q/k before the per-head norm (Qwen3); empty otherwise
  FloatBuffer lora_xa[kNumProj];    // x A^T, [N][rank]
  FloatBuffer lora_mask[kNumProj];  // dropout keep-scale, [N][in]; empty without dropout
};

struct Pass {
  int batch = 0, seq = 0;
  IntBuffer ids, pos, seg_start;  // [batch * seq] each, device memory
  std::vector<FloatBuffer> xs;    // residual stream entering each layer, and after the last
  std::vector<LayerActs> acts;    // one per layer, or a single shared one when recomputing
  FloatBuffer hf, rstdf, logits;
  bool training = false;
  bool recompute = false;
  uint64_t dropout_seed = 0;
  int tokens() const { return batch * seq; }
};

// Checks the host ids against the vocabulary and fills ids/pos/seg_start (computed on the host from the host
// inputs, then uploaded): a position that does not continue the previous one starts a packed sample.
void prepare_pass(const Model &model, Pass &pass, const int32_t *ids, const int32_t *position_ids, int batch,
                  int seq);

// Called after each layer with that layer's activations (the KV cache fill during prefill).
using LayerHook = std::function<void(int layer, const LayerActs &acts)>;

// logit_rows: when non-empty, logits are computed only for these token rows (in that order).
// logits = false stops at the final norm (training computes the head in chunks).
void forward(Model &model, Pass &pass, const std::vector<int> &logit_rows = {}, const LayerHook &hook = nullptr,
             bool logits = true);

// Summed cross-entropy of the LM head over row chunks, never holding all [tokens][vocab]
// logits; fills dhf (gradient at the final norm's output) and adds the head's gradient.
// hits (may be null) gains the rows whose target is the greedy prediction (token accuracy).
// targets: [tokens] in device memory.
constexpr size_t kMaxLogits = 16u << 20;
double head_loss_backward(Model &model, Pass &pass, const int32_t *targets, FloatBuffer &dhf,
                          size_t max_logits = kMaxLogits, int64_t *hits = nullptr);

// Backward from the final norm's output gradient. Gradients are added into Tensor::grad
// of every tensor whose grad is allocated.
void backward_hidden(Model &model, Pass &pass, const float *dhf);

// Backward from full logits' gradient [tokens][vocab].
void backward(Model &model, Pass &pass, float *dlogits);

// y (+)= x W^T + b + scale * drop(x) A^T B^T. Used by the decoder and by generation; x, y device memory.
void linear_forward(Model &model, int layer, int proj, const float *x, int n, float *y, bool accumulate,
                    LayerActs *acts, bool training, uint64_t dropout_seed);
// linear_forward after its x W^T: adds the bias, the LoRA path and the active slot's delta to y (generation
// computes the x W^T of several projections together).
void linear_extras(Model &model, int layer, int proj, const float *x, int n, float *y, LayerActs *acts, bool training,
                   uint64_t dropout_seed);

}  // namespace tf

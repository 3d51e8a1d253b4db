#include "transformer.h"

#include "error.h"
#include "lora_slots.h"

namespace tf {

void prepare_pass(const Model &model, Pass &pass, const int32_t *ids, const int32_t *position_ids, int batch,
                  int seq) {
  const Ops &ops = *model.ops;
  const int n = batch * seq, V = model.config.vocab_size;
  for (int i = 0; i < n; ++i)
    require(ids[i] >= 0 && ids[i] < V, TF_ERR_INVALID_ARGUMENT,
            "token id " + std::to_string(ids[i]) + " is outside the vocabulary (size " + std::to_string(V) + ")");
  pass.batch = batch;
  pass.seq = seq;
  std::vector<int32_t> pos(n), seg_start(n);
  for (int b = 0; b < batch; ++b) {
    for (int t = 0; t < seq; ++t) {
      const int i = b * seq + t;
      pos[i] = position_ids ? position_ids[i] : t;
      const bool starts = t == 0 || pos[i] != pos[i - 1] + 1;
      seg_start[i] = starts ? t : seg_start[i - 1];
    }
  }
  pass.ids.reset(ops, n);
  pass.ids.upload(ids, n);
  pass.pos.reset(ops, n);
  pass.pos.upload(pos.data(), n);
  pass.seg_start.reset(ops, n);
  pass.seg_start.upload(seg_start.data(), n);
}

// Sizes an activation for this pass; it keeps its memory while the shape stays the same.
static void ensure(const Ops &ops, FloatBuffer &v, size_t n) { v.reset(ops, n); }

static uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  return z ^ (z >> 31);
}

void linear_forward(Model &model, int layer, int proj, const float *x, int n, float *y, bool accumulate,
                    LayerActs *acts, bool training, uint64_t dropout_seed) {
  const Tensor *w = model.layers[layer].weight[proj];
  const int out = (int)w->shape[0], in = (int)w->shape[1];
  model.ops->gemm(false, true, n, out, in, 1.0f, x, in, w->data.data(), in, accumulate ? 1.0f : 0.0f, y, out);
  linear_extras(model, layer, proj, x, n, y, acts, training, dropout_seed);
}

void linear_extras(Model &model, int layer, int proj, const float *x, int n, float *y, LayerActs *acts, bool training,
                   uint64_t dropout_seed) {
  const Ops &ops = *model.ops;
  const Layer &L = model.layers[layer];
  const Tensor *w = L.weight[proj];
  const int out = (int)w->shape[0], in = (int)w->shape[1];
  if (const Tensor *b = L.bias[proj]) ops.add_bias(y, b->data.data(), n, out);
  if (model.active_slot) add_slot_delta(model, *model.active_slot, layer, proj, x, n, y);
  const LoraPair *pair = L.lora[proj];
  if (!pair || model.lora_off) return;
  const int r = model.lora.rank;
  FloatBuffer local_xa;
  FloatBuffer &xa = acts ? acts->lora_xa[proj] : local_xa;
  ensure(ops, xa, (size_t)n * r);
  const float *xin = x;
  FloatBuffer dropped;
  if (training && model.lora.dropout > 0.0f) {
    // The mask is a pure function of (seed, layer, proj) so recomputation reproduces it.
    FloatBuffer &mask = acts->lora_mask[proj];
    ensure(ops, mask, (size_t)n * in);
    dropped.reset(ops, (size_t)n * in);
    ops.dropout(x, (int64_t)n * in, model.lora.dropout, mix(mix(dropout_seed, (uint64_t)layer), (uint64_t)proj),
                mask.data(), dropped.data());
    xin = dropped.data();
  } else if (acts) {
    acts->lora_mask[proj].release();
  }
  if (ops.narrow_ok(r) && n > 1) {
    // x A^T through the narrow kernel, which wants A^T [in][r]: a copy of r x in floats.
    FloatBuffer at(ops, (size_t)in * r);
    ops.transpose(pair->a.data.data(), r, in, at.data(), false);
    ops.gemm_xw_narrow(n, r, in, 1.0f, xin, in, at.data(), r, 0.0f, xa.data(), r);
  } else {
    ops.gemm(false, true, n, r, in, 1.0f, xin, in, pair->a.data.data(), in, 0.0f, xa.data(), r);
  }
  ops.gemm(false, true, n, out, r, model.lora.scale(), xa.data(), r, pair->b.data.data(), r, 1.0f, y, out);
}

// dx (if non-null) receives dy W (+ the LoRA path): added to it when accumulate, else overwriting it; weight
// grads accumulate where allocated.
static void linear_backward(Model &model, int layer, int proj, const float *dy, const float *x, int n, float *dx,
                            LayerActs &acts, bool accumulate) {
  const Ops &ops = *model.ops;
  Layer &L = model.layers[layer];
  Tensor *w = L.weight[proj];
  const int out = (int)w->shape[0], in = (int)w->shape[1];
  if (!w->grad.empty()) ops.gemm(true, false, out, in, n, 1.0f, dy, out, x, in, 1.0f, w->grad.data(), in);
  if (Tensor *b = L.bias[proj]; b && !b->grad.empty()) ops.bias_backward(dy, n, out, b->grad.data());
  if (dx) ops.gemm(false, false, n, in, out, 1.0f, dy, out, w->data.data(), in, accumulate ? 1.0f : 0.0f, dx, in);
  LoraPair *pair = L.lora[proj];
  if (!pair) return;
  const int r = model.lora.rank;
  const float s = model.lora.scale();
  const FloatBuffer &xa = acts.lora_xa[proj];
  const FloatBuffer &mask = acts.lora_mask[proj];
  FloatBuffer dropped;
  const float *xin = x;
  if (!mask.empty()) {
    dropped.reset(ops, (size_t)n * in);
    ops.mul(x, mask.data(), (int64_t)n * in, dropped.data());
    xin = dropped.data();
  }
  FloatBuffer dxa(ops, (size_t)n * r);
  if (ops.narrow_ok(r)) {
    // The long operands (dy, x) are read once each by kernels that keep the rank-wide side in registers.
    if (!pair->b.grad.empty()) {
      FloatBuffer dbt = FloatBuffer::zeros(ops, (size_t)r * out);  // dB^T = s xa^T dy
      ops.gemm_zty_narrow(r, out, n, s, xa.data(), r, dy, out, dbt.data(), out);
      ops.transpose(dbt.data(), r, out, pair->b.grad.data(), true);
    }
    ops.gemm_xw_narrow(n, r, out, s, dy, out, pair->b.data.data(), r, 0.0f, dxa.data(), r);
    if (!pair->a.grad.empty()) ops.gemm_zty_narrow(r, in, n, 1.0f, dxa.data(), r, xin, in, pair->a.grad.data(), in);
  } else {
    if (!pair->b.grad.empty())
      ops.gemm(true, false, out, r, n, s, dy, out, xa.data(), r, 1.0f, pair->b.grad.data(), r);
    ops.gemm(false, false, n, r, out, s, dy, out, pair->b.data.data(), r, 0.0f, dxa.data(), r);
    if (!pair->a.grad.empty())
      ops.gemm(true, false, r, in, n, 1.0f, dxa.data(), r, xin, in, 1.0f, pair->a.grad.data(), in);
  }
  if (!dx) return;
  if (mask.empty()) {
    ops.gemm(false, false, n, in, r, 1.0f, dxa.data(), r, pair->a.data.data(), in, 1.0f, dx, in);
  } else {
    FloatBuffer tmp(ops, (size_t)n * in);
    ops.gemm(false, false, n, in, r, 1.0f, dxa.data(), r, pair->a.data.data(), in, 0.0f, tmp.data(), in);
    ops.mul_accumulate(tmp.data(), mask.data(), (int64_t)n * in, dx);
  }
}

static AttentionShape attn_shape(const Model &m, const Pass &p) {
  const ModelConfig &c = m.config;
  return {p.batch, p.seq, c.num_heads, c.num_kv_heads, c.head_dim, c.sliding_window};
}

static void layer_forward(Model &model, int l, Pass &pass, const float *x_in, float *x_out, LayerActs &a) {
  const Ops &ops = *model.ops;
  const ModelConfig &c = model.config;
  const Layer &L = model.layers[l];
  const int n = pass.tokens(), D = c.hidden_size, F = c.intermediate_size;
  const int QD = c.num_heads * c.head_dim, KD = c.num_kv_heads * c.head_dim;
  const uint64_t seed = pass.dropout_seed;
  ensure(ops, a.h1, (size_t)n * D);
  ensure(ops, a.rstd1, n);
  ensure(ops, a.q, (size_t)n * QD);
  ensure(ops, a.k, (size_t)n * KD);
  ensure(ops, a.v, (size_t)n * KD);
  ensure(ops, a.attn_saved, ops.attention_saved_floats(attn_shape(model, pass)));
  ensure(ops, a.attn, (size_t)n * QD);
  ensure(ops, a.x_mid, (size_t)n * D);
  ensure(ops, a.h2, (size_t)n * D);
  ensure(ops, a.rstd2, n);
  ensure(ops, a.g, (size_t)n * F);
  ensure(ops, a.u, (size_t)n * F);
  ensure(ops, a.a, (size_t)n * F);

  ops.rmsnorm_forward(x_in, L.input_norm->data.data(), n, D, c.rms_norm_eps, a.h1.data(), a.rstd1.data());
  if (c.qk_norm) {
    // Qwen3: each head of q and k is RMS-normalized over head_dim (one weight for all heads), then rotated.
    ensure(ops, a.q_raw, (size_t)n * QD);
    ensure(ops, a.k_raw, (size_t)n * KD);
    ensure(ops, a.rstd_q, (size_t)n * c.num_heads);
    ensure(ops, a.rstd_k, (size_t)n * c.num_kv_heads);
    linear_forward(model, l, kQ, a.h1.data(), n, a.q_raw.data(), false, &a, pass.training, seed);
    linear_forward(model, l, kK, a.h1.data(), n, a.k_raw.data(), false, &a, pass.training, seed);
    ops.rmsnorm_forward(a.q_raw.data(), L.q_norm->data.data(), n * c.num_heads, c.head_dim, c.rms_norm_eps,
                        a.q.data(), a.rstd_q.data());
    ops.rmsnorm_forward(a.k_raw.data(), L.k_norm->data.data(), n * c.num_kv_heads, c.head_dim, c.rms_norm_eps,
                        a.k.data(), a.rstd_k.data());
  } else {
    linear_forward(model, l, kQ, a.h1.data(), n, a.q.data(), false, &a, pass.training, seed);
    linear_forward(model, l, kK, a.h1.data(), n, a.k.data(), false, &a, pass.training, seed);
  }
  linear_forward(model, l, kV, a.h1.data(), n, a.v.data(), false, &a, pass.training, seed);
  ops.rope_forward(a.q.data(), pass.pos.data(), n, c.num_heads, c.head_dim, model.inv_freq.data());
  ops.rope_forward(a.k.data(), pass.pos.data(), n, c.num_kv_heads, c.head_dim, model.inv_freq.data());
  ops.attention_forward(a.q.data(), a.k.data(), a.v.data(), pass.seg_start.data(), attn_shape(model, pass),
                        a.attn.data(), a.attn_saved.data());
  ops.copy_d2d(a.x_mid.data(), x_in, sizeof(float) * n * D);
  linear_forward(model, l, kO, a.attn.data(), n, a.x_mid.data(), true, &a, pass.training, seed);
  ops.rmsnorm_forward(a.x_mid.data(), L.post_norm->data.data(), n, D, c.rms_norm_eps, a.h2.data(), a.rstd2.data());
  linear_forward(model, l, kGate, a.h2.data(), n, a.g.data(), false, &a, pass.training, seed);
  linear_forward(model, l, kUp, a.h2.data(), n, a.u.data(), false, &a, pass.training, seed);
  ops.swiglu_forward(a.g.data(), a.u.data(), (int64_t)n * F, a.a.data());
  ops.copy_d2d(x_out, a.x_mid.data(), sizeof(float) * n * D);
  linear_forward(model, l, kDown, a.a.data(), n, x_out, true, &a, pass.training, seed);
}

void forward(Model &model, Pass &pass, const std::vector<int> &logit_rows, const LayerHook &hook, bool logits) {
  const Ops &ops = *model.ops;
  const ModelConfig &c = model.config;
  const int n = pass.tokens(), D = c.hidden_size, V = c.vocab_size;
  const int L = c.num_layers;
  const bool keep_all = pass.training && !pass.recompute;
  pass.xs.resize(L + 1);
  for (auto &x : pass.xs) ensure(ops, x, (size_t)n * D);
  pass.acts.resize(keep_all ? L : 1);
  ops.embedding_forward(model.embed->data.data(), pass.ids.data(), n, D, pass.xs[0].data());
  for (int l = 0; l < L; ++l) {
    LayerActs &a = pass.acts[keep_all ? l : 0];
    layer_forward(model, l, pass, pass.xs[l].data(), pass.xs[l + 1].data(), a);
    if (hook) hook(l, a);
  }
  ensure(ops, pass.hf, (size_t)n * D);
  ensure(ops, pass.rstdf, n);
  ops.rmsnorm_forward(pass.xs[L].data(), model.final_norm->data.data(), n, D, c.rms_norm_eps, pass.hf.data(),
                      pass.rstdf.data());
  if (!logits) return;
  if (logit_rows.empty()) {
    ensure(ops, pass.logits, (size_t)n * V);
    ops.gemm(false, true, n, V, D, 1.0f, pass.hf.data(), D, model.lm_head->data.data(), D, 0.0f, pass.logits.data(),
             V);
  } else {
    const int rows = (int)logit_rows.size();
    const IntBuffer idx = IntBuffer::from_host(ops, logit_rows.data(), rows);
    FloatBuffer h(ops, (size_t)rows * D);
    ops.gather_rows(pass.hf.data(), idx.data(), rows, D, h.data());
    ensure(ops, pass.logits, (size_t)rows * V);
    ops.gemm(false, true, rows, V, D, 1.0f, h.data(), D, model.lm_head->data.data(), D, 0.0f, pass.logits.data(), V);
  }
}

static float *grad_or_null(Tensor *t) { return t->grad.empty() ? nullptr : t->grad.data(); }

struct Scratch {
  FloatBuffer dh, dattn, dq, dk, dv, da, dg, du, dq_raw, dk_raw;
};

// dx: the gradient at the layer's output in, at its input out (input_grad false: nobody reads it afterwards).
static void layer_backward(Model &model, int l, Pass &pass, const float *x_in, LayerActs &a, float *dx, Scratch &s,
                           bool input_grad) {
  const Ops &ops = *model.ops;
  const ModelConfig &c = model.config;
  Layer &L = model.layers[l];
  const int n = pass.tokens(), D = c.hidden_size, F = c.intermediate_size;
  const int QD = c.num_heads * c.head_dim, KD = c.num_kv_heads * c.head_dim;
  ensure(ops, s.da, (size_t)n * F);
  ensure(ops, s.dg, (size_t)n * F);
  ensure(ops, s.du, (size_t)n * F);
  linear_backward(model, l, kDown, dx, a.a.data(), n, s.da.data(), a, false);
  ops.swiglu_backward(s.da.data(), a.g.data(), a.u.data(), (int64_t)n * F, s.dg.data(), s.du.data());
  ensure(ops, s.dh, (size_t)n * D);
  linear_backward(model, l, kGate, s.dg.data(), a.h2.data(), n, s.dh.data(), a, false);
  linear_backward(model, l, kUp, s.du.data(), a.h2.data(), n, s.dh.data(), a, true);
  float *dw_post = grad_or_null(L.post_norm);
  ops.rmsnorm_backward(s.dh.data(), a.x_mid.data(), L.post_norm->data.data(), a.rstd2.data(), n, D, dx, dw_post);

  ensure(ops, s.dattn, (size_t)n * QD);
  linear_backward(model, l, kO, dx, a.attn.data(), n, s.dattn.data(), a, false);
  ensure(ops, s.dq, (size_t)n * QD);
  ensure(ops, s.dk, (size_t)n * KD);
  ensure(ops, s.dv, (size_t)n * KD);
  ops.attention_backward(s.dattn.data(), a.q.data(), a.k.data(), a.v.data(), a.attn_saved.data(), pass.seg_start.data(),
                         attn_shape(model, pass), s.dq.data(), s.dk.data(), s.dv.data());
  ops.rope_backward(s.dq.data(), pass.pos.data(), n, c.num_heads, c.head_dim, model.inv_freq.data());
  ops.rope_backward(s.dk.data(), pass.pos.data(), n, c.num_kv_heads, c.head_dim, model.inv_freq.data());
  const float *dq = s.dq.data(), *dk = s.dk.data();
  if (c.qk_norm) {  // through the per-head norms; their weights' gradients sum over tokens and heads
    s.dq_raw.reset(ops, (size_t)n * QD);
    s.dq_raw.zero();
    s.dk_raw.reset(ops, (size_t)n * KD);
    s.dk_raw.zero();
    float *dw_q = grad_or_null(L.q_norm);
    ops.rmsnorm_backward(s.dq.data(), a.q_raw.data(), L.q_norm->data.data(), a.rstd_q.data(), n * c.num_heads,
                         c.head_dim, s.dq_raw.data(), dw_q);
    float *dw_k = grad_or_null(L.k_norm);
    ops.rmsnorm_backward(s.dk.data(), a.k_raw.data(), L.k_norm->data.data(), a.rstd_k.data(), n * c.num_kv_heads,
                         c.head_dim, s.dk_raw.data(), dw_k);
    dq = s.dq_raw.data();
    dk = s.dk_raw.data();
  }
  // The path through the input norm: for the gradient at the layer's input and the norm's weight; neither is
  // wanted in the first layer of a model whose embeddings and norms are frozen (LoRA).
  float *dw_in = grad_or_null(L.input_norm);
  float *dh = input_grad || dw_in ? s.dh.data() : nullptr;
  linear_backward(model, l, kQ, dq, a.h1.data(), n, dh, a, false);
  linear_backward(model, l, kK, dk, a.h1.data(), n, dh, a, true);
  linear_backward(model, l, kV, s.dv.data(), a.h1.data(), n, dh, a, true);
  if (dh) ops.rmsnorm_backward(dh, x_in, L.input_norm->data.data(), a.rstd1.data(), n, D, dx, dw_in);
}

void backward_hidden(Model &model, Pass &pass, const float *dhf) {
  const Ops &ops = *model.ops;
  const ModelConfig &c = model.config;
  const int n = pass.tokens(), D = c.hidden_size, L = c.num_layers;
  require(pass.training && (pass.recompute || (int)pass.acts.size() == L), TF_ERR_STATE,
          "backward needs the activations of a training forward pass");
  FloatBuffer dx = FloatBuffer::zeros(ops, (size_t)n * D);
  Scratch s;
  float *dw_final = grad_or_null(model.final_norm);
  ops.rmsnorm_backward(dhf, pass.xs[L].data(), model.final_norm->data.data(), pass.rstdf.data(), n, D, dx.data(),
                       dw_final);
  // Recomputation rewrites the layer's output into a scratch copy: the LoRA path of
  // down_proj saves activations too, so the last projection cannot be skipped.
  FloatBuffer x_scratch(ops, pass.recompute ? (size_t)n * D : 0);
  for (int l = L - 1; l >= 0; --l) {
    LayerActs &a = pass.acts[pass.recompute ? 0 : l];
    if (pass.recompute) layer_forward(model, l, pass, pass.xs[l].data(), x_scratch.data(), a);
    layer_backward(model, l, pass, pass.xs[l].data(), a, dx.data(), s, l > 0 || !model.embed->grad.empty());
  }
  if (!model.embed->grad.empty()) ops.embedding_backward(dx.data(), pass.ids.data(), n, D, model.embed->grad.data());
}

void backward(Model &model, Pass &pass, float *dlogits) {
  const Ops &ops = *model.ops;
  const int n = pass.tokens(), D = model.config.hidden_size, V = model.config.vocab_size;
  FloatBuffer dhf(ops, (size_t)n * D);
  ops.gemm(false, false, n, D, V, 1.0f, dlogits, V, model.lm_head->data.data(), D, 0.0f, dhf.data(), D);
  if (!model.lm_head->grad.empty())
    ops.gemm(true, false, V, D, n, 1.0f, dlogits, V, pass.hf.data(), D, 1.0f, model.lm_head->grad.data(), D);
  backward_hidden(model, pass, dhf.data());
}

double head_loss_backward(Model &model, Pass &pass, const int32_t *targets, FloatBuffer &dhf,
                          size_t max_logits, int64_t *hits) {
  const Ops &ops = *model.ops;
  const int n = pass.tokens(), D = model.config.hidden_size, V = model.config.vocab_size;
  const float *w = model.lm_head->data.data();
  // Rows per chunk: at most max_logits (default 16M, 64 MB) live at once, whatever the vocabulary.
  const int rows = (int)std::max<size_t>(1, std::min<size_t>(n, max_logits / V));
  dhf.reset(ops, (size_t)n * D);
  dhf.zero();
  FloatBuffer logits(ops, (size_t)rows * V);
  double loss = 0.0;
  for (int r0 = 0; r0 < n; r0 += rows) {
    const int m = std::min(rows, n - r0);
    const float *h = pass.hf.data() + (size_t)r0 * D;
    ops.gemm(false, true, m, V, D, 1.0f, h, D, w, D, 0.0f, logits.data(), V);
    loss += ops.cross_entropy(logits.data(), targets + r0, m, V, logits.data(), 1.0f, hits);
    ops.gemm(false, false, m, D, V, 1.0f, logits.data(), V, w, D, 0.0f, dhf.data() + (size_t)r0 * D, D);
    if (!model.lm_head->grad.empty())
      ops.gemm(true, false, V, D, m, 1.0f, logits.data(), V, h, D, 1.0f, model.lm_head->grad.data(), D);
  }
  return loss;
}

}  // namespace tf

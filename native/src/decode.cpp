#include "decode.h"

#include <algorithm>

#include "error.h"
#include "lora_slots.h"
#include "transformer.h"

namespace tf {

static const LoraSlot *slot_of(const Model &model, int32_t slot) {
  require(slot >= 0 && slot <= (int32_t)model.lora_slots.size(), TF_ERR_INVALID_ARGUMENT,
          "LoRA slot " + std::to_string(slot) + " does not exist (the model has " +
              std::to_string(model.lora_slots.size()) + ")");
  return slot == 0 ? nullptr : model.lora_slots[slot - 1].get();
}

void prefill(Model &model, KvCache &cache, const std::vector<int32_t> &prompt, std::vector<float> &logits,
             int32_t slot) {
  const LoraSlot *lora = slot_of(model, slot);
  const int T = (int)prompt.size(), V = model.config.vocab_size;
  const size_t row = (size_t)model.config.num_kv_heads * model.config.head_dim;
  require(T > 0 && cache.length() == 0, TF_ERR_INTERNAL, "prefill needs a prompt and an empty cache");
  cache.extend(T);
  try {
    ActiveSlot active(model, lora);
    Pass pass;
    prepare_pass(model, pass, prompt.data(), nullptr, 1, T);
    forward(model, pass, {T - 1}, [&](int l, const LayerActs &a) {
      model.ops->copy_d2d(cache.k(l, 0), a.k.data(), sizeof(float) * T * row);
      model.ops->copy_d2d(cache.v(l, 0), a.v.data(), sizeof(float) * T * row);
    });
    // The sampler reads the last position's logits on the host: one row, copied explicitly.
    logits.resize(V);
    pass.logits.download(logits.data(), V);
  } catch (...) {
    cache.truncate(0);
    throw;
  }
}

static void decode_layers(Model &model, const std::vector<KvCache *> &caches, const std::vector<int32_t> &tokens,
                          const std::vector<int32_t> &pos, const std::vector<int32_t> &slots,
                          FloatBuffer &logits) {
  const Ops &ops = *model.ops;
  const ModelConfig &c = model.config;
  const int n = (int)tokens.size(), D = c.hidden_size, F = c.intermediate_size, hd = c.head_dim;
  const int H = c.num_heads, KV = c.num_kv_heads;
  const size_t row = (size_t)KV * hd;
  FloatBuffer x(ops, (size_t)n * D), h(ops, (size_t)n * D), rstd(ops, n), q(ops, (size_t)n * H * hd),
      k(ops, n * row), v(ops, n * row), attn(ops, (size_t)n * H * hd), g(ops, (size_t)n * F), u(ops, (size_t)n * F),
      a(ops, (size_t)n * F);
  FloatBuffer q_raw(ops, c.qk_norm ? q.size() : 0), k_raw(ops, c.qk_norm ? k.size() : 0),
      head_rstd(ops, c.qk_norm ? n * H : 0);
  const IntBuffer ids = IntBuffer::from_host(ops, tokens.data(), n), positions = IntBuffer::from_host(ops, pos.data(), n);
  // Host lists (backend.h): each row's cache length, and where its K/V rows live.
  std::vector<int32_t> seen(n);
  for (int i = 0; i < n; ++i) seen[i] = pos[i] + 1;
  std::vector<const float *> k_rows(n), v_rows(n);
  std::vector<float *> k_new(n), v_new(n);
  // Rows grouped by LoRA slot (their indices uploaded once for the step): one group covering every row needs
  // no gathering.
  struct Group {
    const LoraSlot *slot;
    std::vector<int32_t> rows;
    IntBuffer device_rows;
  };
  std::vector<Group> groups;
  for (int i = 0; i < (int)slots.size(); ++i) {
    if (slots[i] == 0) continue;
    const LoraSlot *ls = slot_of(model, slots[i]);
    auto g = std::find_if(groups.begin(), groups.end(), [&](const Group &e) { return e.slot == ls; });
    if (g == groups.end()) groups.push_back({ls, {i}, {}});
    else g->rows.push_back(i);
  }
  for (Group &grp : groups)
    if ((int)grp.rows.size() < n) grp.device_rows = IntBuffer::from_host(ops, grp.rows.data(), grp.rows.size());
  auto slot_deltas = [&](int l, int proj, const float *in, float *out) {
    for (const Group &grp : groups)
      add_slot_delta(model, *grp.slot, l, proj, in, n, out, grp.device_rows.data(), (int)grp.rows.size());
  };
  auto linear = [&](int l, int proj, const float *in, float *out, bool accumulate) {
    linear_forward(model, l, proj, in, n, out, accumulate, nullptr, false, 0);
    slot_deltas(l, proj, in, out);
  };
  // Projections that read the same input (q, k, v; gate, up): for one sequence their GEMVs run in one fork/join
  // (each is a fraction of a millisecond, and a fork/join wakes the other threads), then each its extras.
  auto project = [&](int l, std::initializer_list<std::pair<int, float *>> outs, const float *in, bool accumulate) {
    if (n != 1) {
      for (const auto &[proj, out] : outs) linear(l, proj, in, out, accumulate);
      return;
    }
    const float *w[kNumProj];
    int rows[kNumProj];
    float *y[kNumProj];
    int count = 0, k = 0;
    for (const auto &[proj, out] : outs) {
      const Tensor *t = model.layers[l].weight[proj];
      w[count] = t->data.data();
      rows[count] = (int)t->shape[0];
      k = (int)t->shape[1];
      y[count++] = out;
    }
    ops.gemv_multi(count, w, rows, k, in, accumulate ? 1.0f : 0.0f, y);
    for (const auto &[proj, out] : outs) {
      linear_extras(model, l, proj, in, n, out, nullptr, false, 0);
      slot_deltas(l, proj, in, out);
    }
  };
  ops.embedding_forward(model.embed->data.data(), ids.data(), n, D, x.data());
  for (int l = 0; l < c.num_layers; ++l) {
    const Layer &L = model.layers[l];
    ops.rmsnorm_forward(x.data(), L.input_norm->data.data(), n, D, c.rms_norm_eps, h.data(), rstd.data());
    if (c.qk_norm) {  // Qwen3's per-head q/k norms, before RoPE (as in the training forward)
      project(l, {{kQ, q_raw.data()}, {kK, k_raw.data()}, {kV, v.data()}}, h.data(), false);
      ops.rmsnorm_forward(q_raw.data(), L.q_norm->data.data(), n * H, hd, c.rms_norm_eps, q.data(), head_rstd.data());
      ops.rmsnorm_forward(k_raw.data(), L.k_norm->data.data(), n * KV, hd, c.rms_norm_eps, k.data(), head_rstd.data());
    } else {
      project(l, {{kQ, q.data()}, {kK, k.data()}, {kV, v.data()}}, h.data(), false);
    }
    ops.rope_forward(q.data(), positions.data(), n, H, hd, model.inv_freq.data());
    ops.rope_forward(k.data(), positions.data(), n, KV, hd, model.inv_freq.data());
    for (int i = 0; i < n; ++i) {
      k_new[i] = caches[i]->k(l, pos[i]);
      v_new[i] = caches[i]->v(l, pos[i]);
      k_rows[i] = caches[i]->k(l);
      v_rows[i] = caches[i]->v(l);
    }
    ops.copy_rows_to(k.data(), n, (int64_t)row, k_new.data());
    ops.copy_rows_to(v.data(), n, (int64_t)row, v_new.data());
    ops.attention_decode(q.data(), k_rows.data(), v_rows.data(), seen.data(), n, H, KV, hd, c.sliding_window,
                         attn.data());
    project(l, {{kO, x.data()}}, attn.data(), true);
    ops.rmsnorm_forward(x.data(), L.post_norm->data.data(), n, D, c.rms_norm_eps, h.data(), rstd.data());
    project(l, {{kGate, g.data()}, {kUp, u.data()}}, h.data(), false);
    ops.swiglu_forward(g.data(), u.data(), (int64_t)n * F, a.data());
    project(l, {{kDown, x.data()}}, a.data(), true);
  }
  ops.rmsnorm_forward(x.data(), model.final_norm->data.data(), n, D, c.rms_norm_eps, h.data(), rstd.data());
  logits.reset(ops, (size_t)n * c.vocab_size);
  if (n == 1) {
    const float *w = model.lm_head->data.data();
    float *y = logits.data();
    ops.gemv_multi(1, &w, &c.vocab_size, D, h.data(), 0.0f, &y);
  } else {
    ops.gemm(false, true, n, c.vocab_size, D, 1.0f, h.data(), D, model.lm_head->data.data(), D, 0.0f, logits.data(),
             c.vocab_size);
  }
}

void decode_step(Model &model, const std::vector<KvCache *> &caches, const std::vector<int32_t> &tokens,
                 FloatBuffer &logits, const std::vector<int32_t> &slots) {
  const int n = (int)tokens.size(), V = model.config.vocab_size;
  require(n > 0 && caches.size() == tokens.size(), TF_ERR_INTERNAL, "decode_step needs one cache per token");
  require(slots.empty() || slots.size() == tokens.size(), TF_ERR_INTERNAL, "decode_step needs one slot per token");
  for (int32_t t : tokens)
    require(t >= 0 && t < V, TF_ERR_INVALID_ARGUMENT, "token " + std::to_string(t) + " is outside the vocabulary");
  std::vector<int32_t> pos(n);
  int extended = 0;
  try {
    for (; extended < n; ++extended) {
      pos[extended] = caches[extended]->length();
      caches[extended]->extend(1);
    }
    decode_layers(model, caches, tokens, pos, slots, logits);
  } catch (...) {
    for (int i = 0; i < extended; ++i) caches[i]->truncate(pos[i]);
    throw;
  }
}

}  // namespace tf

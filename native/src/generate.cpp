#include "generate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "error.h"
#include "rng.h"
#include "transformer.h"

namespace tf {

static float log_softmax_at(const float *logits, int vocab, int token) {
  float mx = logits[0];
  for (int c = 1; c < vocab; ++c) mx = std::max(mx, logits[c]);
  double sum = 0.0;
  for (int c = 0; c < vocab; ++c) sum += std::exp((double)(logits[c] - mx));
  return (float)((double)(logits[token] - mx) - std::log(sum));
}

static int choose(const float *logits, int vocab, const tf_generate_options &o, Rng &rng) {
  if (o.temperature <= 0.0f) {  // greedy; ties go to the lowest id, as torch.argmax
    return (int)(std::max_element(logits, logits + vocab) - logits);
  }
  std::vector<int> idx(vocab);
  std::iota(idx.begin(), idx.end(), 0);
  // Highest first, ties by id; with top-k only the first k need ordering.
  const auto higher = [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  int keep = vocab;
  if (o.top_k > 0) keep = std::min(keep, o.top_k);
  std::partial_sort(idx.begin(), idx.begin() + keep, idx.end(), higher);
  std::vector<double> p(keep);
  const double mx = logits[idx[0]] / o.temperature;
  double sum = 0.0;
  for (int i = 0; i < keep; ++i) sum += p[i] = std::exp(logits[idx[i]] / o.temperature - mx);
  if (o.top_p > 0.0f && o.top_p < 1.0f) {
    double cum = 0.0;
    int cut = keep;
    for (int i = 0; i < keep; ++i) {
      cum += p[i] / sum;
      if (cum >= o.top_p) {
        cut = i + 1;
        break;
      }
    }
    keep = cut;
    sum = std::accumulate(p.begin(), p.begin() + keep, 0.0);
  }
  double u = rng.uniform() * sum;
  for (int i = 0; i < keep; ++i) {
    u -= p[i];
    if (u < 0) return idx[i];
  }
  return idx[keep - 1];
}

struct KvCache {
  int capacity = 0;
  std::vector<std::vector<float>> k, v;  // per layer [n][kv_heads][capacity][head_dim]
};

// One decoding step for every row: token[i] at position lengths[i]; logits [n][vocab].
static void decode_step(Model &model, KvCache &cache, const std::vector<int32_t> &tokens,
                        std::vector<int32_t> &lengths, std::vector<float> &logits) {
  const Ops &ops = *model.ops;
  const ModelConfig &c = model.config;
  const int n = (int)tokens.size(), D = c.hidden_size, F = c.intermediate_size, hd = c.head_dim;
  const int H = c.num_heads, KV = c.num_kv_heads;
  std::vector<float> x((size_t)n * D), h((size_t)n * D), rstd(n), q((size_t)n * H * hd), k((size_t)n * KV * hd),
      v((size_t)n * KV * hd), attn((size_t)n * H * hd), g((size_t)n * F), u((size_t)n * F), a((size_t)n * F);
  ops.embedding_forward(model.embed->data.data(), tokens.data(), n, D, x.data());
  std::vector<int32_t> seen(n);
  for (int i = 0; i < n; ++i) seen[i] = lengths[i] + 1;
  for (int l = 0; l < c.num_layers; ++l) {
    const Layer &L = model.layers[l];
    ops.rmsnorm_forward(x.data(), L.input_norm->data.data(), n, D, c.rms_norm_eps, h.data(), rstd.data());
    linear_forward(model, l, kQ, h.data(), n, q.data(), false, nullptr, false, 0);
    linear_forward(model, l, kK, h.data(), n, k.data(), false, nullptr, false, 0);
    linear_forward(model, l, kV, h.data(), n, v.data(), false, nullptr, false, 0);
    ops.rope_forward(q.data(), lengths.data(), n, H, hd, model.inv_freq.data());
    ops.rope_forward(k.data(), lengths.data(), n, KV, hd, model.inv_freq.data());
    for (int i = 0; i < n; ++i) {
      for (int kh = 0; kh < KV; ++kh) {
        const size_t dst = (((size_t)i * KV + kh) * cache.capacity + lengths[i]) * hd;
        std::memcpy(cache.k[l].data() + dst, k.data() + ((size_t)i * KV + kh) * hd, sizeof(float) * hd);
        std::memcpy(cache.v[l].data() + dst, v.data() + ((size_t)i * KV + kh) * hd, sizeof(float) * hd);
      }
    }
    ops.attention_decode(q.data(), cache.k[l].data(), cache.v[l].data(), seen.data(), n, H, KV, hd, cache.capacity,
                         c.sliding_window, attn.data());
    linear_forward(model, l, kO, attn.data(), n, x.data(), true, nullptr, false, 0);
    ops.rmsnorm_forward(x.data(), L.post_norm->data.data(), n, D, c.rms_norm_eps, h.data(), rstd.data());
    linear_forward(model, l, kGate, h.data(), n, g.data(), false, nullptr, false, 0);
    linear_forward(model, l, kUp, h.data(), n, u.data(), false, nullptr, false, 0);
    ops.swiglu_forward(g.data(), u.data(), (int64_t)n * F, a.data());
    linear_forward(model, l, kDown, a.data(), n, x.data(), true, nullptr, false, 0);
  }
  ops.rmsnorm_forward(x.data(), model.final_norm->data.data(), n, D, c.rms_norm_eps, h.data(), rstd.data());
  logits.resize((size_t)n * c.vocab_size);
  ops.gemm(false, true, n, c.vocab_size, D, 1.0f, h.data(), D, model.lm_head->data.data(), D, 0.0f, logits.data(),
           c.vocab_size);
  for (int i = 0; i < n; ++i) lengths[i]++;
}

std::vector<Generation> generate(Model &model, const std::vector<std::vector<int32_t>> &prompts,
                                 const tf_generate_options &o) {
  const ModelConfig &c = model.config;
  const int n = (int)prompts.size(), V = c.vocab_size, hd = c.head_dim, KV = c.num_kv_heads;
  require(o.max_new_tokens > 0, TF_ERR_INVALID_ARGUMENT, "max_new_tokens must be positive");
  require(o.top_k >= 0, TF_ERR_INVALID_ARGUMENT, "top_k must be non-negative");
  std::vector<std::vector<int32_t>> stops;
  for (int s = 0; s < o.n_stop; ++s) {
    require(o.stop_offsets[s + 1] > o.stop_offsets[s], TF_ERR_INVALID_ARGUMENT, "stop sequences must not be empty");
    stops.emplace_back(o.stop_tokens + o.stop_offsets[s], o.stop_tokens + o.stop_offsets[s + 1]);
  }
  KvCache cache;
  for (const auto &p : prompts) {
    require(!p.empty(), TF_ERR_INVALID_ARGUMENT, "prompts must not be empty");
    cache.capacity = std::max(cache.capacity, (int)p.size() + o.max_new_tokens);
  }
  cache.k.assign(c.num_layers, std::vector<float>((size_t)n * KV * cache.capacity * hd));
  cache.v.assign(c.num_layers, std::vector<float>((size_t)n * KV * cache.capacity * hd));

  Rng rng(o.seed);
  std::vector<Generation> out(n);
  std::vector<int32_t> next(n), lengths(n);
  std::vector<float> logits((size_t)n * V);
  // Prefill each prompt on its own: no padding, and positions start at 0 per row.
  for (int i = 0; i < n; ++i) {
    const int T = (int)prompts[i].size();
    Pass pass;
    prepare_pass(pass, prompts[i].data(), nullptr, 1, T);
    forward(model, pass, {T - 1}, [&](int l, const LayerActs &a) {
      for (int t = 0; t < T; ++t)
        for (int kh = 0; kh < KV; ++kh) {
          const size_t dst = (((size_t)i * KV + kh) * cache.capacity + t) * hd;
          std::memcpy(cache.k[l].data() + dst, a.k.data() + ((size_t)t * KV + kh) * hd, sizeof(float) * hd);
          std::memcpy(cache.v[l].data() + dst, a.v.data() + ((size_t)t * KV + kh) * hd, sizeof(float) * hd);
        }
    });
    std::memcpy(logits.data() + (size_t)i * V, pass.logits.data(), sizeof(float) * V);
    lengths[i] = T;
  }
  std::vector<bool> done(n, false);
  for (int step = 0; step < o.max_new_tokens; ++step) {
    bool all_done = true;
    for (int i = 0; i < n; ++i) {
      if (done[i]) {
        next[i] = 0;  // finished rows keep decoding a placeholder so the batch stays rectangular
        continue;
      }
      const float *row = logits.data() + (size_t)i * V;
      const int tok = choose(row, V, o, rng);
      Generation &g = out[i];
      g.tokens.push_back(tok);
      g.logprobs.push_back(log_softmax_at(row, V, tok));
      next[i] = tok;
      for (const auto &s : stops) {
        if (g.tokens.size() >= s.size() && std::equal(s.begin(), s.end(), g.tokens.end() - s.size())) {
          g.tokens.resize(g.tokens.size() - s.size());
          g.logprobs.resize(g.logprobs.size() - s.size());
          g.finish = TF_FINISH_STOP;
          done[i] = true;
          break;
        }
      }
      all_done = all_done && done[i];
    }
    if (all_done || step + 1 == o.max_new_tokens) break;
    decode_step(model, cache, next, lengths, logits);
  }
  return out;
}

std::vector<float> token_logprobs(Model &model, const std::vector<int32_t> &seq) {
  const int T = (int)seq.size(), V = model.config.vocab_size;
  std::vector<float> out(T, 0.0f);
  if (T < 2) return out;
  Pass pass;
  prepare_pass(pass, seq.data(), nullptr, 1, T);
  forward(model, pass);
  for (int t = 1; t < T; ++t) out[t] = log_softmax_at(pass.logits.data() + (size_t)(t - 1) * V, V, seq[t]);
  return out;
}

}  // namespace tf

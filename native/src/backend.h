// One operation table per backend, chosen at run time by name. The model code
// (transformer.cpp, trainer.cpp, generate.cpp) calls kernels only through it.
// All tensors are row-major f32; "accumulate" outputs are added to, not set.
//
// Memory (docs/engine-memory.md). Every array an op reads or writes lives in memory from the table's own
// `alloc` ("device memory"): weights, gradients, optimizer moments, activations, KV caches, logits, and the
// per-token integer arrays (ids, positions, segment starts, targets, row indices). Model, trainer and
// generation code holds these pointers in tf::Buffer (buffer.h), passes them (and offsets into them) to ops and
// never dereferences them; host values cross with copy_h2d / copy_d2h. The exceptions are marked `host`: small
// per-call lists with one entry per decoding sequence (pointer arrays, cache lengths) and the OptimTensor array
// itself, which the backend copies to its device if a kernel needs them. Ops run in call order; a scalar an op
// returns (a loss, a sum of squares) and copy_d2h wait for the work before them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace tf {

struct AttentionShape {
  int batch, seq, heads, kv_heads, head_dim;
  int window;  // 0: unlimited; else a query sees at most `window` keys
};

// One trained tensor as the optimizer sees it (multi-tensor passes): device pointers in a host array.
struct OptimTensor {
  float *param, *grad, *m, *v;
  int64_t n;
  float weight_decay;
};

struct Ops {
  const char *name;
  void (*set_threads)(int threads);
  // C[M,N] = alpha * op(A) * op(B) + beta * C
  void (*gemm)(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
               int ldb, float beta, float *c, int ldc);
  void (*embedding_forward)(const float *table, const int32_t *ids, int n, int dim, float *out);
  void (*embedding_backward)(const float *dout, const int32_t *ids, int n, int dim, float *dtable);  // accumulate
  // y = x * rstd * w; rstd saved for backward
  void (*rmsnorm_forward)(const float *x, const float *w, int n, int dim, float eps, float *y, float *rstd);
  // dx, dw accumulate; dw may be null (a frozen weight)
  void (*rmsnorm_backward)(const float *dy, const float *x, const float *w, const float *rstd, int n, int dim,
                           float *dx, float *dw);
  // In-place rotation of [n][heads][head_dim] by angle pos*inv_freq (rotate_half layout).
  void (*rope_forward)(float *x, const int32_t *pos, int n, int heads, int head_dim, const float *inv_freq);
  void (*rope_backward)(float *dx, const int32_t *pos, int n, int heads, int head_dim, const float *inv_freq);
  // q [B*T][H*hd], k,v [B*T][KV*hd]; seg_start[b*T+t] = first index of t's packed sample.
  // `saved` (attention_saved_floats(s) floats) carries what backward needs.
  size_t (*attention_saved_floats)(const AttentionShape &s);
  void (*attention_forward)(const float *q, const float *k, const float *v, const int32_t *seg_start,
                            const AttentionShape &s, float *out, float *saved);
  // dq, dk, dv are set
  void (*attention_backward)(const float *dout, const float *q, const float *k, const float *v, const float *saved,
                             const int32_t *seg_start, const AttentionShape &s, float *dq, float *dk, float *dv);
  // One query per row b against that row's own KV cache: k_rows[b], v_rows[b] are [lengths[b]][KV][hd]
  // (position-major, as the K/V projections produce them), so each sequence's cache can live and grow apart.
  // k_rows, v_rows and lengths are host lists (of device pointers).
  void (*attention_decode)(const float *q, const float *const *k_rows, const float *const *v_rows,
                           const int32_t *lengths, int batch, int heads, int kv_heads, int head_dim, int window,
                           float *out);
  void (*swiglu_forward)(const float *gate, const float *up, int64_t n, float *out);
  void (*swiglu_backward)(const float *dout, const float *gate, const float *up, int64_t n, float *dgate, float *dup);
  // Sum over rows of -log softmax(logits)[target] for targets >= 0. When dlogits is
  // non-null it receives grad_scale * d(sum)/d(logits) (rows with ignored targets get 0).
  // When hits is non-null it gains the rows whose target is the greedy prediction (the argmax,
  // ties to the lowest id as torch.argmax): the token accuracy OpenAI reports.
  double (*cross_entropy)(const float *logits, const int32_t *targets, int n, int vocab, float *dlogits,
                          float grad_scale, int64_t *hits);
  // torch.optim.AdamW update for one tensor; bias corrections precomputed.
  void (*adamw)(float *param, const float *grad, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
                float eps, float weight_decay, float bias_correction1, float bias_correction2);
  void (*add)(float *y, const float *x, int64_t n);         // y += x
  void (*scale)(float *x, int64_t n, float s);               // x *= s
  double (*sum_squares)(const float *x, int64_t n);          // fixed-order reduction
  void (*bias_backward)(const float *dy, int n, int dim, float *db);  // db += sum over rows, accumulate
  // y_i = W_i x + beta y_i for count matrices W_i [rows_i][k] (row-major) sharing one input x [k], in a single
  // fork/join: one sequence's decoding step, where the projections of a layer are small and many. w, rows and y
  // are host lists (of device pointers).
  void (*gemv_multi)(int count, const float *const *w, const int *rows, int k, const float *x, float beta,
                     float *const *y);
  // GEMMs with a narrow side r (LoRA ranks) where narrow_ok(r): C[m][r] = alpha X[m][k] W[k][r] + beta C (beta 0
  // or 1), and C[r][N] += alpha Z[n][r]^T Y[n][N].
  bool (*narrow_ok)(int r);
  void (*gemm_xw_narrow)(int m, int r, int k, float alpha, const float *x, int ldx, const float *w, int ldw, float beta,
                         float *c, int ldc);
  void (*gemm_zty_narrow)(int r, int N, int n, float alpha, const float *z, int ldz, const float *y, int ldy, float *c,
                          int ldc);
  // The optimizer step over all trained tensors, each pass one fork/join for all of them.
  // Sum of squares of grad * s in a fixed order (any thread count); grads unchanged.
  double (*grad_sum_squares)(const OptimTensor *t, int count, float s);
  // adamw with grad (grad * s) * coef on each tensor (its own weight decay), then grad = 0.
  void (*adamw_multi)(const OptimTensor *t, int count, float s, float coef, float lr, float beta1, float beta2,
                      float eps, float bias_correction1, float bias_correction2);

  // ---- Issue #21: memory, and the loops that ran outside the table. New entries go at the end. ----

  // Device memory is host memory (CPU): host code may read a buffer between ops without a copy (Buffer's
  // host_view); false on a GPU, where only copy_d2h reaches the values.
  bool host_memory;
  // `bytes` uninitialised bytes aligned to 64 (0 bytes: nullptr). Never returns null: failure, or going past
  // the limit below, throws tf::Error(TF_ERR_OUT_OF_MEMORY) whose message names the request and the bytes in use.
  void *(*alloc)(size_t bytes);
  void (*free)(void *p);  // p from alloc, or null
  size_t (*memory_in_use)();  // bytes alloc handed out and free has not taken back, over all models
  size_t (*memory_peak)();     // the most memory_in_use has been since the last reset_memory_peak
  void (*reset_memory_peak)();
  // A cap on memory_in_use (0: none) for this backend in this process: an operator's budget, and how tests
  // force an out-of-memory on the CPU.
  void (*set_memory_limit)(size_t bytes);
  void (*copy_h2d)(void *dst, const void *src, size_t bytes);  // dst device, src host
  void (*copy_d2h)(void *dst, const void *src, size_t bytes);  // dst host, src device; dst holds the data on return
  void (*copy_d2d)(void *dst, const void *src, size_t bytes);  // the ranges do not overlap
  void (*zero)(void *p, size_t bytes);                          // p device: every byte 0
  void (*fill)(float *x, int64_t n, float value);               // x[i] = value

  // y[i][j] += b[j] over n rows of dim (a linear layer's bias).
  void (*add_bias)(float *y, const float *b, int n, int dim);
  // out[i] = x[i] * y[i] (set; out may be x); mul_accumulate: out[i] += x[i] * y[i].
  void (*mul)(const float *x, const float *y, int64_t n, float *out);
  void (*mul_accumulate)(const float *x, const float *y, int64_t n, float *out);
  // Inverted dropout: mask[i] (set) is 0 with probability p, else 1 / (1 - p), a pure function of (seed, i) on a
  // given backend (recomputation and resume redraw the same mask); out[i] = x[i] * mask[i] (set). 0 <= p < 1.
  void (*dropout)(const float *x, int64_t n, float p, uint64_t seed, float *mask, float *out);
  // dst[c][r] = src[r][c] for src [rows][cols] and dst [cols][rows]; accumulate: += instead of =.
  void (*transpose)(const float *src, int rows, int cols, float *dst, bool accumulate);
  // dst[i][:] = src[rows[i]][:] for i < m (set), rows of dim floats; rows is device memory.
  void (*gather_rows)(const float *src, const int32_t *rows, int m, int dim, float *dst);
  // dst[rows[i]][:] += src[i][:] for i < m (accumulate); the rows are distinct; rows is device memory.
  void (*scatter_add_rows)(const float *src, const int32_t *rows, int m, int dim, float *dst);
  // dst[i][0..row) = src[i][0..row) for i < n (set): one decoding step's K or V rows, each into its own
  // sequence's cache. dst is a host list of n device pointers.
  void (*copy_rows_to)(const float *src, int n, int64_t row, float *const *dst);
  // Per row i with targets[i] >= 0: nll_i = logsumexp(logits_i) - logits_i[target]; returns sum_i w_i * nll_i
  // (double, rows summed in order). dlogits (set, may be logits) = w_i * (softmax(logits_i) - onehot(target));
  // rows with targets[i] < 0 get 0 there and in logprob. logprob (may be null, set) = -nll_i.
  // targets and weights [n] are device memory.
  double (*weighted_cross_entropy)(const float *logits, const int32_t *targets, const float *weights, int n,
                                   int vocab, float *dlogits, float *logprob);
  // Per row i < n of logits [n][vocab]: logprob[i] = log softmax(logits_i)[targets[i]] and greedy[i] = 1 when
  // targets[i] is the row's argmax (ties to the lowest id, as torch.argmax), else 0 (both set). Rows with
  // targets[i] < 0 get 0 and 0. The log-softmax is computed as sampling.h's LogSoftmax (max in f32, sum of
  // exp in f64) so teacher-forced scores equal the sampler's. targets, logprob, greedy are device memory.
  void (*target_logprobs)(const float *logits, const int32_t *targets, int n, int vocab, float *logprob,
                          uint8_t *greedy);
};

// Returns the named backend's table or throws TF_ERR_UNSUPPORTED.
const Ops &backend(const std::string &name);
const Ops &cpu_ops();

}  // namespace tf

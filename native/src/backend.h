// One operation table per backend, chosen at run time by name. The model code
// (transformer.cpp, trainer.cpp, generate.cpp) calls kernels only through it.
// All tensors are row-major f32; "accumulate" outputs are added to, not set.
#pragma once
#include <cstdint>
#include <string>

namespace tf {

struct AttentionShape {
  int batch, seq, heads, kv_heads, head_dim;
  int window;  // 0: unlimited; else a query sees at most `window` keys
};

// One trained tensor as the optimizer sees it (multi-tensor passes).
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
  // fork/join: one sequence's decoding step, where the projections of a layer are small and many.
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
};

// Returns the named backend's table or throws TF_ERR_UNSUPPORTED.
const Ops &backend(const std::string &name);
const Ops &cpu_ops();

}  // namespace tf

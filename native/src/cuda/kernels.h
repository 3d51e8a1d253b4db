// The CUDA backend's operations, one file per idea (see docs/gpu.md). Same signatures and semantics as the CPU
// kernels in ../cpu/kernels.h, memory as backend.h splits it: arrays in device memory (cudaMalloc), the small
// per-call lists marked `host` there (OptimTensor arrays, gemv_multi's pointer and row arrays, attention_decode's
// pointer arrays and lengths, copy_rows_to's destinations) and `hits` in host memory. Scalar results (losses,
// sums of squares) are returned after the device finished them.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../backend.h"

namespace tf::cuda {

void set_threads(int threads);
void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
          int ldb, float beta, float *c, int ldc);
void embedding_forward(const float *table, const int32_t *ids, int n, int dim, float *out);
void embedding_backward(const float *dout, const int32_t *ids, int n, int dim, float *dtable);
void rmsnorm_forward(const float *x, const float *w, int n, int dim, float eps, float *y, float *rstd);
void rmsnorm_backward(const float *dy, const float *x, const float *w, const float *rstd, int n, int dim, float *dx,
                      float *dw);
void rope_forward(float *x, const int32_t *pos, int n, int heads, int head_dim, const float *inv_freq);
void rope_backward(float *dx, const int32_t *pos, int n, int heads, int head_dim, const float *inv_freq);
size_t attention_saved_floats(const AttentionShape &s);
void attention_forward(const float *q, const float *k, const float *v, const int32_t *seg_start,
                       const AttentionShape &s, float *out, float *saved);
void attention_backward(const float *dout, const float *q, const float *k, const float *v, const float *saved,
                        const int32_t *seg_start, const AttentionShape &s, float *dq, float *dk, float *dv);
void attention_decode(const float *q, const float *const *k_rows, const float *const *v_rows, const int32_t *lengths,
                      int batch, int heads, int kv_heads, int head_dim, int window, float *out);
void swiglu_forward(const float *gate, const float *up, int64_t n, float *out);
void swiglu_backward(const float *dout, const float *gate, const float *up, int64_t n, float *dgate, float *dup);
double cross_entropy(const float *logits, const int32_t *targets, int n, int vocab, float *dlogits, float grad_scale,
                     int64_t *hits);
void adamw(float *param, const float *grad, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
           float eps, float weight_decay, float bias_correction1, float bias_correction2);
void add(float *y, const float *x, int64_t n);
void scale(float *x, int64_t n, float s);
double sum_squares(const float *x, int64_t n);
void bias_backward(const float *dy, int n, int dim, float *db);
void gemv_multi(int count, const float *const *w, const int *rows, int k, const float *x, float beta, float *const *y);
bool narrow_ok(int r);
void gemm_xw_narrow(int m, int r, int k, float alpha, const float *x, int ldx, const float *w, int ldw, float beta,
                    float *c, int ldc);
void gemm_zty_narrow(int r, int N, int n, float alpha, const float *z, int ldz, const float *y, int ldy, float *c,
                     int ldc);
double grad_sum_squares(const OptimTensor *t, int count, float s);
void adamw_multi(const OptimTensor *t, int count, float s, float coef, float lr, float beta1, float beta2, float eps,
                 float bias_correction1, float bias_correction2);

// Memory (device.cu): device allocations counted (in use, peak, an optional limit) like the CPU backend's.
void *alloc(size_t bytes);  // TF_ERR_OUT_OF_MEMORY naming the request, the engine's use and the device's free
void free(void *p);         // null is fine
size_t memory_in_use();
size_t memory_peak();
void reset_memory_peak();
void set_memory_limit(size_t bytes);
void copy_h2d(void *dst, const void *src, size_t bytes);
void copy_d2h(void *dst, const void *src, size_t bytes);  // waits: dst holds the data on return
void copy_d2d(void *dst, const void *src, size_t bytes);
void zero(void *p, size_t bytes);
void fill(float *x, int64_t n, float value);
void synchronize();  // waits for the device; reports a fault of any earlier kernel

// The loops that moved into the table (issue 21 step 1).
void add_bias(float *y, const float *b, int n, int dim);
void mul(const float *x, const float *y, int64_t n, float *out);
void mul_accumulate(const float *x, const float *y, int64_t n, float *out);
void dropout(const float *x, int64_t n, float p, uint64_t seed, float *mask, float *out);
void transpose(const float *src, int rows, int cols, float *dst, bool accumulate);
void gather_rows(const float *src, const int32_t *rows, int m, int dim, float *dst);
void scatter_add_rows(const float *src, const int32_t *rows, int m, int dim, float *dst);
void copy_rows_to(const float *src, int n, int64_t row, float *const *dst);
double weighted_cross_entropy(const float *logits, const int32_t *targets, const float *weights, int n, int vocab,
                              float *dlogits, float *logprob);
void target_logprobs(const float *logits, const int32_t *targets, int n, int vocab, float *logprob, uint8_t *greedy);

}  // namespace tf::cuda

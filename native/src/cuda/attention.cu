// Fused causal grouped-query attention with packed samples and an optional sliding window, forward and backward,
// memory-efficient: no [T x T] matrix exists. Visibility is the CPU kernel's: query t of a row sees keys j with
// max(seg_start[t], t - window + 1) <= j <= t; query head h reads KV head h / (heads / kv_heads).
//
// Forward: one warp per query row runs an online softmax over its visible keys and keeps only the row's
// log-sum-exp (`saved`, [B][H][T] as on the CPU). Backward: one warp per query row rebuilds P from the log-sum-exp
// and writes dq and D = rowsum(P * dP); then one warp per key row sums dk, dv over the queries (and the GQA group's
// heads, in head order) that see it: every output is written by one warp in a fixed order, no atomics.
//
// This is the correctness-first kernel: f32 on the CUDA cores, not a tensor-core (wgmma) flash kernel; see
// docs/gpu.md for what a fast one needs.
#include <string>

#include "attention_row.cuh"
#include "kernels.h"

namespace tf::cuda {

namespace {

constexpr int kWarps = 8;  // warps per block

struct Dims {
  int T, H, KV, hd, window, group;
  float scale;
  int64_t qs, ks;  // row strides of q and k/v
};

Dims dims(const AttentionShape &s) {
  return {s.seq, s.heads, s.kv_heads, s.head_dim, s.window, s.heads / s.kv_heads, 1.0f / sqrtf((float)s.head_dim),
          (int64_t)s.heads * s.head_dim, (int64_t)s.kv_heads * s.head_dim};
}

__device__ __forceinline__ int first_key(const int32_t *seg_row, int t, int window) {
  int j0 = seg_row[t];
  if (window > 0) j0 = max(j0, t - window + 1);
  return j0;
}

__device__ __forceinline__ int64_t warp_id() { return (blockIdx.x * (int64_t)blockDim.x + threadIdx.x) >> 5; }

// Warp (b, h, t): out row and lse.
template <int P>
__global__ void forward_kernel(const float *q, const float *k, const float *v, const int32_t *seg_start, int batch,
                               Dims d, float *out, float *lse) {
  const int64_t w = warp_id();
  if (w >= (int64_t)batch * d.H * d.T) return;
  const int t = (int)(w % d.T), h = (int)(w / d.T % d.H), b = (int)(w / ((int64_t)d.T * d.H));
  const int kvh = h / d.group;
  const int64_t row = (int64_t)b * d.T + t;
  float qr[P], acc[P];
  load_row<P>(q + row * d.qs + (int64_t)h * d.hd, d.hd, qr);
#pragma unroll
  for (int i = 0; i < P; ++i) acc[i] = 0.0f;
  const float *kb = k + (int64_t)b * d.T * d.ks + (int64_t)kvh * d.hd;
  const float *vb = v + (int64_t)b * d.T * d.ks + (int64_t)kvh * d.hd;
  float m = -INFINITY, l = 0.0f;
  for (int j = first_key(seg_start + (int64_t)b * d.T, t, d.window); j <= t; ++j) {
    const float s = dot_row<P>(qr, kb + j * d.ks, d.hd) * d.scale;
    const float m_new = fmaxf(m, s);
    const float corr = expf(m - m_new), p = expf(s - m_new);
    l = l * corr + p;
    axpby_row<P>(acc, corr, p, vb + j * d.ks, d.hd);
    m = m_new;
  }
  store_row<P>(out + row * d.qs + (int64_t)h * d.hd, d.hd, acc, 1.0f / l);
  if ((threadIdx.x & 31) == 0) lse[((int64_t)b * d.H + h) * d.T + t] = m + logf(l);
}

// Warp (b, h, t): dq = scale * sum_j dS_j k_j with dS_j = P_j (dP_j - D), dP_j = dout . v_j, D = sum_j P_j dP_j.
template <int P>
__global__ void dq_kernel(const float *dout, const float *q, const float *k, const float *v, const float *lse,
                          const int32_t *seg_start, int batch, Dims d, float *dq, float *dsum) {
  const int64_t w = warp_id();
  if (w >= (int64_t)batch * d.H * d.T) return;
  const int t = (int)(w % d.T), h = (int)(w / d.T % d.H), b = (int)(w / ((int64_t)d.T * d.H));
  const int kvh = h / d.group;
  const int64_t row = (int64_t)b * d.T + t, bht = ((int64_t)b * d.H + h) * d.T + t;
  float qr[P], dor[P], acc[P];
  load_row<P>(q + row * d.qs + (int64_t)h * d.hd, d.hd, qr);
  load_row<P>(dout + row * d.qs + (int64_t)h * d.hd, d.hd, dor);
  const float *kb = k + (int64_t)b * d.T * d.ks + (int64_t)kvh * d.hd;
  const float *vb = v + (int64_t)b * d.T * d.ks + (int64_t)kvh * d.hd;
  const float row_lse = lse[bht];
  const int j0 = first_key(seg_start + (int64_t)b * d.T, t, d.window);
  float D = 0.0f;
  for (int j = j0; j <= t; ++j) {
    const float p = expf(dot_row<P>(qr, kb + j * d.ks, d.hd) * d.scale - row_lse);
    D += p * dot_row<P>(dor, vb + j * d.ks, d.hd);
  }
#pragma unroll
  for (int i = 0; i < P; ++i) acc[i] = 0.0f;
  for (int j = j0; j <= t; ++j) {
    const float p = expf(dot_row<P>(qr, kb + j * d.ks, d.hd) * d.scale - row_lse);
    const float ds = p * (dot_row<P>(dor, vb + j * d.ks, d.hd) - D) * d.scale;
    axpby_row<P>(acc, 1.0f, ds, kb + j * d.ks, d.hd);
  }
  store_row<P>(dq + row * d.qs + (int64_t)h * d.hd, d.hd, acc, 1.0f);
  if ((threadIdx.x & 31) == 0) dsum[bht] = D;
}

// Warp (b, kv head, j): dk_j = scale * sum dS_ij q_i, dv_j = sum P_ij dout_i over the group's heads (in order) and
// the queries i >= j that see key j.
template <int P>
__global__ void dkv_kernel(const float *dout, const float *q, const float *k, const float *v, const float *lse,
                           const float *dsum, const int32_t *seg_start, int batch, Dims d, float *dk, float *dv) {
  const int64_t w = warp_id();
  if (w >= (int64_t)batch * d.KV * d.T) return;
  const int j = (int)(w % d.T), kvh = (int)(w / d.T % d.KV), b = (int)(w / ((int64_t)d.T * d.KV));
  const int64_t krow = ((int64_t)b * d.T + j) * d.ks + (int64_t)kvh * d.hd;
  const int32_t *seg = seg_start + (int64_t)b * d.T;
  float kr[P], vr[P], dka[P], dva[P];
  load_row<P>(k + krow, d.hd, kr);
  load_row<P>(v + krow, d.hd, vr);
#pragma unroll
  for (int i = 0; i < P; ++i) dka[i] = dva[i] = 0.0f;
  const int last = d.window > 0 ? min(d.T - 1, j + d.window - 1) : d.T - 1;
  for (int g = 0; g < d.group; ++g) {
    const int h = kvh * d.group + g;
    const float *lse_bh = lse + ((int64_t)b * d.H + h) * d.T, *dsum_bh = dsum + ((int64_t)b * d.H + h) * d.T;
    for (int i = j; i <= last; ++i) {
      if (first_key(seg, i, d.window) > j) continue;  // another sample (or out of the window)
      const int64_t qrow = ((int64_t)b * d.T + i) * d.qs + (int64_t)h * d.hd;
      const float p = expf(dot_row<P>(kr, q + qrow, d.hd) * d.scale - lse_bh[i]);
      const float ds = p * (dot_row<P>(vr, dout + qrow, d.hd) - dsum_bh[i]) * d.scale;
      axpby_row<P>(dka, 1.0f, ds, q + qrow, d.hd);
      axpby_row<P>(dva, 1.0f, p, dout + qrow, d.hd);
    }
  }
  store_row<P>(dk + krow, d.hd, dka, 1.0f);
  store_row<P>(dv + krow, d.hd, dva, 1.0f);
}

void check_shape(const AttentionShape &s) {
  require(s.head_dim <= kMaxHeadDim, TF_ERR_UNSUPPORTED,
          "CUDA attention supports head_dim up to " + std::to_string(kMaxHeadDim) + ", not " +
              std::to_string(s.head_dim));
  require(s.kv_heads > 0 && s.heads % s.kv_heads == 0, TF_ERR_INVALID_ARGUMENT,
          "attention heads must be a multiple of kv_heads");
}

unsigned warp_blocks(int64_t warps) { return (unsigned)((warps + kWarps - 1) / kWarps); }

}  // namespace

size_t attention_saved_floats(const AttentionShape &s) { return (size_t)s.batch * s.heads * s.seq; }

void attention_forward(const float *q, const float *k, const float *v, const int32_t *seg_start,
                       const AttentionShape &s, float *out, float *saved) {
  check_shape(s);
  const int64_t warps = (int64_t)s.batch * s.heads * s.seq;
  if (warps == 0) return;
  const Dims d = dims(s);
  TF_DISPATCH_HEAD_DIM(s.head_dim, P, {
    forward_kernel<P><<<warp_blocks(warps), kWarps * 32, 0, kStream>>>(q, k, v, seg_start, s.batch, d, out, saved);
    TF_CUDA_LAUNCHED(forward_kernel);
  });
}

void attention_backward(const float *dout, const float *q, const float *k, const float *v, const float *saved,
                        const int32_t *seg_start, const AttentionShape &s, float *dq, float *dk, float *dv) {
  check_shape(s);
  const int64_t q_warps = (int64_t)s.batch * s.heads * s.seq, kv_warps = (int64_t)s.batch * s.kv_heads * s.seq;
  if (q_warps == 0) return;
  const Dims d = dims(s);
  Scratch<float> dsum(q_warps);
  TF_DISPATCH_HEAD_DIM(s.head_dim, P, {
    dq_kernel<P><<<warp_blocks(q_warps), kWarps * 32, 0, kStream>>>(dout, q, k, v, saved, seg_start, s.batch, d, dq,
                                                                      dsum.get());
    TF_CUDA_LAUNCHED(dq_kernel);
    dkv_kernel<P><<<warp_blocks(kv_warps), kWarps * 32, 0, kStream>>>(dout, q, k, v, saved, dsum.get(), seg_start,
                                                                        s.batch, d, dk, dv);
    TF_CUDA_LAUNCHED(dkv_kernel);
  });
}

}  // namespace tf::cuda

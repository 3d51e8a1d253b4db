// Causal grouped-query attention with packed samples. Query head h reads KV
// head h / (heads / kv_heads). Token t of a row sees keys j with
// max(seg_start[t], t - window + 1) <= j <= t, so packed samples never see
// each other.
//
// Variants:
//   v1  loops over (batch, head, query); touches only visible keys. Parallel
//       over (batch, kv head) in backward so GQA sums stay race-free and ordered.
//   v2  per (batch, head) GEMMs through BLAS on the full T x T block, masked
//       probabilities are exact zeros so the extra work adds nothing. Despite
//       computing the upper triangle, its backward is 3x faster than v1 at
//       T=256 and 8x at T=512 (forward about equal); see bench/kernels_bench.cpp.
//   v3  v2 on blocks of query rows, skipping keys no row of the block can see,
//       keeping only each row's log-sum-exp: memory O(B*H*T) instead of
//       O(B*H*T^2); blocks (forward) and heads (backward) in parallel, each
//       with single-threaded GEMMs. The backend uses v3; the tests check all three.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "vec.h"

namespace tf::cpu {

static inline int first_key(const int32_t *seg_start_row, int t, int window) {
  int j0 = seg_start_row[t];
  if (window > 0) j0 = std::max(j0, t - window + 1);
  return j0;
}

void attention_forward_v1(const float *q, const float *k, const float *v, const int32_t *seg_start,
                       const AttentionShape &s, float *out, float *probs) {
  const int T = s.seq, H = s.heads, KV = s.kv_heads, hd = s.head_dim;
  const float scale = 1.0f / std::sqrt((float)hd);
  const int64_t qstride = (int64_t)H * hd, kstride = (int64_t)KV * hd;
#pragma omp parallel for collapse(2) schedule(static)
  for (int b = 0; b < s.batch; ++b) {
    for (int h = 0; h < H; ++h) {
      const int kvh = h / (H / KV);
      const int32_t *seg = seg_start + (int64_t)b * T;
      for (int t = 0; t < T; ++t) {
        const float *qt = q + ((int64_t)b * T + t) * qstride + (int64_t)h * hd;
        float *p = probs + (((int64_t)b * H + h) * T + t) * T;
        const int j0 = first_key(seg, t, s.window);
        float mx = -INFINITY;
        for (int j = j0; j <= t; ++j) {
          const float *kj = k + ((int64_t)b * T + j) * kstride + (int64_t)kvh * hd;
          float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
          for (int d = 0; d < hd; ++d) dot += qt[d] * kj[d];
          p[j] = dot * scale;
          mx = std::max(mx, p[j]);
        }
        float sum = 0.0f;
        for (int j = j0; j <= t; ++j) {
          p[j] = std::exp(p[j] - mx);
          sum += p[j];
        }
        const float inv = 1.0f / sum;
        std::fill(p, p + j0, 0.0f);
        std::fill(p + t + 1, p + T, 0.0f);
        float *o = out + ((int64_t)b * T + t) * qstride + (int64_t)h * hd;
        std::fill(o, o + hd, 0.0f);
        for (int j = j0; j <= t; ++j) {
          p[j] *= inv;
          const float *vj = v + ((int64_t)b * T + j) * kstride + (int64_t)kvh * hd;
          for (int d = 0; d < hd; ++d) o[d] += p[j] * vj[d];
        }
      }
    }
  }
}

// dS = P * (dP - rowsum(P * dP)) with dP = dout . v; dq = scale dS k,
// dk = scale dS^T q, dv = P^T dout.
void attention_backward_v1(const float *dout, const float *q, const float *k, const float *v, const float *probs,
                        const int32_t *seg_start, const AttentionShape &s, float *dq, float *dk, float *dv) {
  const int T = s.seq, H = s.heads, KV = s.kv_heads, hd = s.head_dim, group = H / KV;
  const float scale = 1.0f / std::sqrt((float)hd);
  const int64_t qstride = (int64_t)H * hd, kstride = (int64_t)KV * hd;
#pragma omp parallel for collapse(2) schedule(static)
  for (int b = 0; b < s.batch; ++b) {
    for (int kvh = 0; kvh < KV; ++kvh) {
      const int32_t *seg = seg_start + (int64_t)b * T;
      for (int t = 0; t < T; ++t) {
        std::memset(dk + ((int64_t)b * T + t) * kstride + (int64_t)kvh * hd, 0, sizeof(float) * hd);
        std::memset(dv + ((int64_t)b * T + t) * kstride + (int64_t)kvh * hd, 0, sizeof(float) * hd);
      }
      float *dp = new float[T];
      for (int h = kvh * group; h < (kvh + 1) * group; ++h) {
        for (int t = 0; t < T; ++t) {
          const int64_t qo = ((int64_t)b * T + t) * qstride + (int64_t)h * hd;
          const float *dot_ = dout + qo;
          const float *qt = q + qo;
          float *dqt = dq + qo;
          const float *p = probs + (((int64_t)b * H + h) * T + t) * T;
          const int j0 = first_key(seg, t, s.window);
          float rowsum = 0.0f;
          for (int j = j0; j <= t; ++j) {
            const float *vj = v + ((int64_t)b * T + j) * kstride + (int64_t)kvh * hd;
            float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
            for (int d = 0; d < hd; ++d) acc += dot_[d] * vj[d];
            dp[j] = acc;
            rowsum += p[j] * acc;
          }
          std::fill(dqt, dqt + hd, 0.0f);
          for (int j = j0; j <= t; ++j) {
            const float ds = p[j] * (dp[j] - rowsum) * scale;
            const int64_t ko = ((int64_t)b * T + j) * kstride + (int64_t)kvh * hd;
            const float *kj = k + ko;
            float *dkj = dk + ko;
            float *dvj = dv + ko;
            for (int d = 0; d < hd; ++d) {
              dqt[d] += ds * kj[d];
              dkj[d] += ds * qt[d];
              dvj[d] += p[j] * dot_[d];
            }
          }
        }
      }
      delete[] dp;
    }
  }
}

static void masked_softmax_rows(float *scores, const int32_t *seg, int T, int window, float scale) {
#pragma omp parallel for schedule(static)
  for (int t = 0; t < T; ++t) {
    float *p = scores + (int64_t)t * T;
    const int j0 = first_key(seg, t, window);
    float mx = -INFINITY;
    for (int j = j0; j <= t; ++j) mx = std::max(mx, p[j] * scale);
    float sum = 0.0f;
    for (int j = j0; j <= t; ++j) {
      p[j] = std::exp(p[j] * scale - mx);
      sum += p[j];
    }
    const float inv = 1.0f / sum;
    for (int j = j0; j <= t; ++j) p[j] *= inv;
    std::fill(p, p + j0, 0.0f);
    std::fill(p + t + 1, p + T, 0.0f);
  }
}

void attention_forward_v2(const float *q, const float *k, const float *v, const int32_t *seg_start,
                          const AttentionShape &s, float *out, float *probs) {
  const int T = s.seq, H = s.heads, KV = s.kv_heads, hd = s.head_dim;
  const float scale = 1.0f / std::sqrt((float)hd);
  const int qs = H * hd, ks = KV * hd;
  for (int b = 0; b < s.batch; ++b) {
    for (int h = 0; h < H; ++h) {
      const int kvh = h / (H / KV);
      const float *qh = q + (int64_t)b * T * qs + (int64_t)h * hd;
      const float *kh = k + (int64_t)b * T * ks + (int64_t)kvh * hd;
      const float *vh = v + (int64_t)b * T * ks + (int64_t)kvh * hd;
      float *p = probs + ((int64_t)b * H + h) * T * T;
      gemm(false, true, T, T, hd, 1.0f, qh, qs, kh, ks, 0.0f, p, T);
      masked_softmax_rows(p, seg_start + (int64_t)b * T, T, s.window, scale);
      gemm(false, false, T, hd, T, 1.0f, p, T, vh, ks, 0.0f, out + (int64_t)b * T * qs + (int64_t)h * hd, qs);
    }
  }
}

void attention_backward_v2(const float *dout, const float *q, const float *k, const float *v, const float *probs,
                           const int32_t *seg_start, const AttentionShape &s, float *dq, float *dk, float *dv) {
  const int T = s.seq, H = s.heads, KV = s.kv_heads, hd = s.head_dim, group = H / KV;
  const float scale = 1.0f / std::sqrt((float)hd);
  const int qs = H * hd, ks = KV * hd;
  std::vector<float> ds((size_t)T * T);
  for (int b = 0; b < s.batch; ++b) {
    for (int h = 0; h < H; ++h) {
      const int kvh = h / group;
      const bool first_in_group = h % group == 0;
      const int64_t qo = (int64_t)b * T * qs + (int64_t)h * hd, ko = (int64_t)b * T * ks + (int64_t)kvh * hd;
      const float *p = probs + ((int64_t)b * H + h) * T * T;
      // dP = dO V^T, then dS = P * (dP - rowsum(P * dP)) * scale in place
      gemm(false, true, T, T, hd, 1.0f, dout + qo, qs, v + ko, ks, 0.0f, ds.data(), T);
#pragma omp parallel for schedule(static)
      for (int t = 0; t < T; ++t) {
        float *row = ds.data() + (int64_t)t * T;
        const float *pr = p + (int64_t)t * T;
        float rowsum = 0.0f;
        for (int j = 0; j <= t; ++j) rowsum += pr[j] * row[j];
        for (int j = 0; j < T; ++j) row[j] = pr[j] * (row[j] - rowsum) * scale;
      }
      gemm(false, false, T, hd, T, 1.0f, ds.data(), T, k + ko, ks, 0.0f, dq + qo, qs);
      // GQA: the group's heads add into one KV head, in head order.
      const float beta = first_in_group ? 0.0f : 1.0f;
      gemm(true, false, T, hd, T, 1.0f, ds.data(), T, q + qo, qs, beta, dk + ko, ks);
      gemm(true, false, T, hd, T, 1.0f, p, T, dout + qo, qs, beta, dv + ko, ks);
    }
  }
}

// v3 works on blocks of kBlock query rows: keys past the block's last row are
// never visible, so each block multiplies only against keys [first visible,
// block end), skipping the upper triangle. Only the log-sum-exp of each row is
// kept ([B][H][T] instead of [B][H][T][T]); backward recomputes the block's
// probabilities from it. The work items (forward: one block of one head;
// backward: one head) run in parallel, each on one thread with its own scratch,
// so the small block GEMMs run single-threaded (OpenBLAS does not fork inside a
// parallel region) and a whole layer's attention is one fork/join instead of
// several per block. Backward writes each head's dk/dv into its own slice and
// sums a GQA group's slices in head order afterwards: results do not depend on
// the thread count.
constexpr int kBlock = 64;

// Scores of one block (rows x width, scaled in place) -> probabilities; writes each
// row's log-sum-exp when lse_out is non-null, or uses lse_in to rebuild P.
TF_CLONES static void block_probs(float *sc, int r0, int rows, int k0, int width, const int32_t *seg, int window,
                                  float scale, float *lse_out, const float *lse_in) {
  for (int i = 0; i < rows; ++i) {
    const int t = r0 + i;
    float *p = sc + (int64_t)i * width;
    const int j0 = first_key(seg, t, window) - k0, j1 = t - k0;  // visible: [j0, j1]
    if (lse_in) {
      const float lse = lse_in[t];
      for (int j = j0; j <= j1; ++j) p[j] = vexp(p[j] * scale - lse);
    } else {
      const float mx = lanes_max(p + j0, j1 - j0 + 1) * scale;  // scale > 0: max(p) * scale = max(p * scale)
      for (int j = j0; j <= j1; ++j) p[j] = vexp(p[j] * scale - mx);
      const float sum = lanes_sum(p + j0, j1 - j0 + 1);
      const float inv = 1.0f / sum;
      for (int j = j0; j <= j1; ++j) p[j] *= inv;
      lse_out[t] = mx + std::log(sum);
    }
    std::fill(p, p + j0, 0.0f);
    std::fill(p + j1 + 1, p + width, 0.0f);
  }
}

// dS = P * (dP - rowsum(P * dP)) * scale in place of dP, for one block.
TF_CLONES static void block_dscores(float *ds, const float *p, int rows, int width, float scale) {
  for (int i = 0; i < rows; ++i) {
    float *row = ds + (int64_t)i * width;
    const float *pr = p + (int64_t)i * width;
    const float rowsum = lanes_dot(pr, row, width);
    for (int j = 0; j < width; ++j) row[j] = pr[j] * (row[j] - rowsum) * scale;
  }
}

void attention_forward_v3(const float *q, const float *k, const float *v, const int32_t *seg_start,
                          const AttentionShape &s, float *out, float *lse) {
  const int T = s.seq, H = s.heads, KV = s.kv_heads, hd = s.head_dim;
  const float scale = 1.0f / std::sqrt((float)hd);
  const int qs = H * hd, ks = KV * hd;
  const int blocks = (T + kBlock - 1) / kBlock;
  const int64_t items = (int64_t)s.batch * H * blocks;
  // Later blocks see more keys: dynamic scheduling balances them (each item writes its own rows only).
#pragma omp parallel if (items > 1 && (int64_t)s.batch * T * H * hd >= kParallelMin)
  {
    std::vector<float> sc((size_t)kBlock * T);
#pragma omp for schedule(dynamic)
    for (int64_t it = 0; it < items; ++it) {
      const int b = (int)(it / ((int64_t)H * blocks)), h = (int)(it / blocks % H), r0 = (int)(it % blocks) * kBlock;
      const int32_t *seg = seg_start + (int64_t)b * T;
      const int kvh = h / (H / KV);
      const float *qh = q + (int64_t)b * T * qs + (int64_t)h * hd;
      const float *kh = k + (int64_t)b * T * ks + (int64_t)kvh * hd;
      const float *vh = v + (int64_t)b * T * ks + (int64_t)kvh * hd;
      float *lse_bh = lse + ((int64_t)b * H + h) * T;
      const int rows = std::min(kBlock, T - r0);
      const int k0 = first_key(seg, r0, s.window), width = r0 + rows - k0;
      gemm(false, true, rows, width, hd, 1.0f, qh + (int64_t)r0 * qs, qs, kh + (int64_t)k0 * ks, ks, 0.0f, sc.data(),
           width);
      block_probs(sc.data(), r0, rows, k0, width, seg, s.window, scale, lse_bh, nullptr);
      gemm(false, false, rows, hd, width, 1.0f, sc.data(), width, vh + (int64_t)k0 * ks, ks, 0.0f,
           out + (int64_t)b * T * qs + (int64_t)r0 * qs + (int64_t)h * hd, qs);
    }
  }
}

void attention_backward_v3(const float *dout, const float *q, const float *k, const float *v, const float *lse,
                           const int32_t *seg_start, const AttentionShape &s, float *dq, float *dk, float *dv) {
  const int T = s.seq, H = s.heads, KV = s.kv_heads, hd = s.head_dim, group = H / KV;
  const float scale = 1.0f / std::sqrt((float)hd);
  const int qs = H * hd, ks = KV * hd;
  // Per-head dk/dv slices [B][H][T][hd] when heads share a KV head; else straight into dk/dv.
  std::vector<float> part_k(group > 1 ? (size_t)s.batch * H * T * hd : 0), part_v(part_k.size());
  const int64_t items = (int64_t)s.batch * H;
#pragma omp parallel if (items > 1 && (int64_t)s.batch * T * H * hd >= kParallelMin)
  {
    std::vector<float> p((size_t)kBlock * T), ds((size_t)kBlock * T);
#pragma omp for schedule(dynamic)
    for (int64_t it = 0; it < items; ++it) {
      const int b = (int)(it / H), h = (int)(it % H), kvh = h / group;
      const int32_t *seg = seg_start + (int64_t)b * T;
      const int64_t qo = (int64_t)b * T * qs + (int64_t)h * hd, ko = (int64_t)b * T * ks + (int64_t)kvh * hd;
      float *dkh, *dvh;
      int64_t dstride;
      if (group > 1) {
        dkh = part_k.data() + ((int64_t)b * H + h) * T * hd;
        dvh = part_v.data() + ((int64_t)b * H + h) * T * hd;
        dstride = hd;
        std::memset(dkh, 0, sizeof(float) * (size_t)T * hd);
        std::memset(dvh, 0, sizeof(float) * (size_t)T * hd);
      } else {
        dkh = dk + ko;
        dvh = dv + ko;
        dstride = ks;
        for (int t = 0; t < T; ++t) {
          std::memset(dkh + (int64_t)t * ks, 0, sizeof(float) * hd);
          std::memset(dvh + (int64_t)t * ks, 0, sizeof(float) * hd);
        }
      }
      const float *lse_bh = lse + ((int64_t)b * H + h) * T;
      for (int r0 = 0; r0 < T; r0 += kBlock) {
        const int rows = std::min(kBlock, T - r0);
        const int k0 = first_key(seg, r0, s.window), width = r0 + rows - k0;
        const float *qb = q + qo + (int64_t)r0 * qs, *dob = dout + qo + (int64_t)r0 * qs;
        const float *kb = k + ko + (int64_t)k0 * ks, *vb = v + ko + (int64_t)k0 * ks;
        gemm(false, true, rows, width, hd, 1.0f, qb, qs, kb, ks, 0.0f, p.data(), width);
        block_probs(p.data(), r0, rows, k0, width, seg, s.window, scale, nullptr, lse_bh);
        gemm(false, true, rows, width, hd, 1.0f, dob, qs, vb, ks, 0.0f, ds.data(), width);
        block_dscores(ds.data(), p.data(), rows, width, scale);
        gemm(false, false, rows, hd, width, 1.0f, ds.data(), width, kb, ks, 0.0f, dq + qo + (int64_t)r0 * qs, qs);
        gemm(true, false, width, hd, rows, 1.0f, ds.data(), width, qb, qs, 1.0f, dkh + (int64_t)k0 * dstride, (int)dstride);
        gemm(true, false, width, hd, rows, 1.0f, p.data(), width, dob, qs, 1.0f, dvh + (int64_t)k0 * dstride, (int)dstride);
      }
    }
    if (group > 1) {
      // dk/dv rows of each KV head: its group's heads in head order.
#pragma omp for schedule(static)
      for (int64_t bt = 0; bt < (int64_t)s.batch * T; ++bt) {
        const int64_t b = bt / T, t = bt % T;
        for (int kvh = 0; kvh < KV; ++kvh) {
          float *dkr = dk + bt * ks + (int64_t)kvh * hd, *dvr = dv + bt * ks + (int64_t)kvh * hd;
          for (int g = 0; g < group; ++g) {
            const int64_t off = ((b * H + (int64_t)kvh * group + g) * T + t) * hd;
            const float *pk = part_k.data() + off, *pv = part_v.data() + off;
            if (g == 0) {
              std::memcpy(dkr, pk, sizeof(float) * hd);
              std::memcpy(dvr, pv, sizeof(float) * hd);
            } else {
              for (int d = 0; d < hd; ++d) {
                dkr[d] += pk[d];
                dvr[d] += pv[d];
              }
            }
          }
        }
      }
    }
  }
}

size_t attention_saved_floats(const AttentionShape &s) { return (size_t)s.batch * s.heads * s.seq; }

void attention_forward(const float *q, const float *k, const float *v, const int32_t *seg_start,
                       const AttentionShape &s, float *out, float *saved) {
  attention_forward_v3(q, k, v, seg_start, s, out, saved);
}

void attention_backward(const float *dout, const float *q, const float *k, const float *v, const float *saved,
                        const int32_t *seg_start, const AttentionShape &s, float *dq, float *dk, float *dv) {
  attention_backward_v3(dout, q, k, v, saved, seg_start, s, dq, dk, dv);
}

void attention_decode(const float *q, const float *const *k_rows, const float *const *v_rows, const int32_t *lengths,
                      int batch, int heads, int kv_heads, int head_dim, int window, float *out) {
  const float scale = 1.0f / std::sqrt((float)head_dim);
  const int group = heads / kv_heads;
  const int64_t stride = (int64_t)kv_heads * head_dim;  // one cached position: [kv_heads][head_dim]
  int64_t work = 0;
  for (int b = 0; b < batch; ++b) work += (int64_t)lengths[b] * heads * head_dim;
#pragma omp parallel for collapse(2) schedule(static) if (work >= 4 * kParallelMin)
  for (int b = 0; b < batch; ++b) {
    for (int h = 0; h < heads; ++h) {
      const int kvh = h / group;
      const int len = lengths[b];
      const int j0 = window > 0 ? std::max(0, len - window) : 0;
      const float *qh = q + ((int64_t)b * heads + h) * head_dim;
      const float *kc = k_rows[b] + (int64_t)kvh * head_dim;
      const float *vc = v_rows[b] + (int64_t)kvh * head_dim;
      float *scores = new float[len];
      float mx = -INFINITY;
      for (int j = j0; j < len; ++j) {
        float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
        for (int d = 0; d < head_dim; ++d) dot += qh[d] * kc[j * stride + d];
        scores[j] = dot * scale;
        mx = std::max(mx, scores[j]);
      }
      float sum = 0.0f;
      for (int j = j0; j < len; ++j) {
        scores[j] = std::exp(scores[j] - mx);
        sum += scores[j];
      }
      float *o = out + ((int64_t)b * heads + h) * head_dim;
      std::fill(o, o + head_dim, 0.0f);
      for (int j = j0; j < len; ++j) {
        const float pj = scores[j] / sum;
        for (int d = 0; d < head_dim; ++d) o[d] += pj * vc[j * stride + d];
      }
      delete[] scores;
    }
  }
}

}  // namespace tf::cpu

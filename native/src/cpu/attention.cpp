// Causal grouped-query attention with packed samples. Query head h reads KV
// head h / (heads / kv_heads). Token t of a row sees keys j with
// max(seg_start[t], t - window + 1) <= j <= t, so packed samples never see
// each other. Probabilities are kept for the backward pass.
//
// Variants:
//   v1  loops over (batch, head, query); touches only visible keys. Parallel
//       over (batch, kv head) in backward so GQA sums stay race-free and ordered.
//   v2  per (batch, head) GEMMs through BLAS on the full T x T block, masked
//       probabilities are exact zeros so the extra work adds nothing. Despite
//       computing the upper triangle, its backward is 3x faster than v1 at
//       T=256 and 8x at T=512 (forward about equal); see bench/kernels_bench.cpp.
//       The backend uses v2, the tests check both.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels.h"

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

void attention_forward(const float *q, const float *k, const float *v, const int32_t *seg_start,
                       const AttentionShape &s, float *out, float *probs) {
  attention_forward_v2(q, k, v, seg_start, s, out, probs);
}

void attention_backward(const float *dout, const float *q, const float *k, const float *v, const float *probs,
                        const int32_t *seg_start, const AttentionShape &s, float *dq, float *dk, float *dv) {
  attention_backward_v2(dout, q, k, v, probs, seg_start, s, dq, dk, dv);
}

void attention_decode(const float *q, const float *k_cache, const float *v_cache, const int32_t *lengths, int batch,
                      int heads, int kv_heads, int head_dim, int capacity, int window, float *out) {
  const float scale = 1.0f / std::sqrt((float)head_dim);
  const int group = heads / kv_heads;
#pragma omp parallel for collapse(2) schedule(static)
  for (int b = 0; b < batch; ++b) {
    for (int h = 0; h < heads; ++h) {
      const int kvh = h / group;
      const int len = lengths[b];
      const int j0 = window > 0 ? std::max(0, len - window) : 0;
      const float *qh = q + ((int64_t)b * heads + h) * head_dim;
      const float *kc = k_cache + ((int64_t)b * kv_heads + kvh) * capacity * head_dim;
      const float *vc = v_cache + ((int64_t)b * kv_heads + kvh) * capacity * head_dim;
      float *scores = new float[len];
      float mx = -INFINITY;
      for (int j = j0; j < len; ++j) {
        float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
        for (int d = 0; d < head_dim; ++d) dot += qh[d] * kc[(int64_t)j * head_dim + d];
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
        for (int d = 0; d < head_dim; ++d) o[d] += pj * vc[(int64_t)j * head_dim + d];
      }
      delete[] scores;
    }
  }
}

}  // namespace tf::cpu

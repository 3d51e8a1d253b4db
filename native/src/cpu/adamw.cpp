// Mirrors torch.optim.AdamW (decoupled weight decay) operation by operation,
// including where scalars are rounded to f32, so trajectories agree closely.
#include <cmath>
#include <vector>

#include "kernels.h"
#include "vec.h"

namespace tf::cpu {

namespace {

struct Coefs {
  float decay, w1, w2, step_size, bc2_sqrt;
};

Coefs coefs(float lr, float beta1, float beta2, float weight_decay, float bias_correction1, float bias_correction2) {
  return {(float)(1.0 - (double)lr * weight_decay), (float)(1.0 - (double)beta1), (float)(1.0 - (double)beta2),
          (float)((double)lr / bias_correction1), (float)std::sqrt((double)bias_correction2)};
}

// One element; g is the final gradient.
inline void update(float &param, float g, float &m, float &v, const Coefs &c, float beta2, float eps) {
  const float p = param * c.decay;
  m = m + c.w1 * (g - m);
  v = v * beta2 + c.w2 * g * g;
  const float denom = std::sqrt(v) / c.bc2_sqrt + eps;
  param = p - c.step_size * (m / denom);
}

// Fixed chunks: the sum does not depend on the thread count.
constexpr int64_t kChunk = 1 << 14;

struct Chunk {
  int tensor;
  int64_t begin, end;
};

std::vector<Chunk> chunks(const OptimTensor *t, int count) {
  std::vector<Chunk> out;
  for (int i = 0; i < count; ++i)
    for (int64_t b = 0; b < t[i].n; b += kChunk) out.push_back({i, b, b + kChunk < t[i].n ? b + kChunk : t[i].n});
  return out;
}

// Sum of (x * s)^2 over one chunk: 16 float lanes over blocks of 256, each block added to a double in order.
// Vectorizes (a single running double sum waits on every add), and sums in the same order whichever clone runs.
TF_CLONES double chunk_sum_squares(const float *x, int64_t n, float s) {
  constexpr int kLanes = 16, kBlock = 256;
  double total = 0.0;
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    float lane[kLanes] = {};
    for (int j = 0; j < kBlock; j += kLanes)
      for (int l = 0; l < kLanes; ++l) {
        const float v = x[i + j + l] * s;
        lane[l] += v * v;
      }
    double block = 0.0;
    for (int l = 0; l < kLanes; ++l) block += lane[l];
    total += block;
  }
  for (; i < n; ++i) {
    const float v = x[i] * s;
    total += (double)v * v;
  }
  return total;
}

}  // namespace

void adamw(float *param, const float *grad, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
           float eps, float weight_decay, float bias_correction1, float bias_correction2) {
  const Coefs c = coefs(lr, beta1, beta2, weight_decay, bias_correction1, bias_correction2);
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) update(param[i], grad[i], m[i], v[i], c, beta2, eps);
}

double grad_sum_squares(const OptimTensor *t, int count, float s) {
  const std::vector<Chunk> work = chunks(t, count);
  std::vector<double> part(work.size(), 0.0);
  int64_t total_n = 0;
  for (int i = 0; i < count; ++i) total_n += t[i].n;
#pragma omp parallel for schedule(static) if (total_n >= kParallelMin)
  for (size_t c = 0; c < work.size(); ++c)
    part[c] = chunk_sum_squares(t[work[c].tensor].grad + work[c].begin, work[c].end - work[c].begin, s);
  double total = 0.0;
  for (size_t c = 0; c < work.size();) {
    double tensor_sum = 0.0;
    const int i = work[c].tensor;
    for (; c < work.size() && work[c].tensor == i; ++c) tensor_sum += part[c];
    total += tensor_sum;
  }
  return total;
}

void adamw_multi(const OptimTensor *t, int count, float s, float coef, float lr, float beta1, float beta2, float eps,
                 float bias_correction1, float bias_correction2) {
  const std::vector<Chunk> work = chunks(t, count);
  std::vector<Coefs> c(count);
  int64_t total_n = 0;
  for (int i = 0; i < count; ++i) {
    c[i] = coefs(lr, beta1, beta2, t[i].weight_decay, bias_correction1, bias_correction2);
    total_n += t[i].n;
  }
#pragma omp parallel for schedule(static) if (total_n >= kParallelMin)
  for (size_t k = 0; k < work.size(); ++k) {
    const OptimTensor &x = t[work[k].tensor];
    const Coefs &ck = c[work[k].tensor];
    for (int64_t i = work[k].begin; i < work[k].end; ++i) {
      const float g = (x.grad[i] * s) * coef;
      update(x.param[i], g, x.m[i], x.v[i], ck, beta2, eps);
      x.grad[i] = 0.0f;
    }
  }
}

}  // namespace tf::cpu

// AdamW on f32 master weights and f32 moments, mirroring torch.optim.AdamW (and the CPU kernel) operation by
// operation, scalars rounded to f32 where torch rounds them. The multi-tensor passes cut every trained tensor into
// fixed chunks and run all chunks of all tensors in one launch: one launch per optimizer step for the norm, one for
// clip + update + zeroing the gradients, whatever the number of tensors.
#include <cmath>
#include <vector>

#include "common.cuh"
#include "kernels.h"

namespace tf::cuda {

namespace {

struct Coefs {
  float decay, w1, w2, step_size, bc2_sqrt;
};

Coefs coefs(float lr, float beta1, float beta2, float weight_decay, float bias_correction1, float bias_correction2) {
  return {(float)(1.0 - (double)lr * weight_decay), (float)(1.0 - (double)beta1), (float)(1.0 - (double)beta2),
          (float)((double)lr / bias_correction1), (float)std::sqrt((double)bias_correction2)};
}

__device__ __forceinline__ void update(float &param, float g, float &m, float &v, const Coefs &c, float beta2,
                                       float eps) {
  const float p = param * c.decay;
  m = m + c.w1 * (g - m);
  v = v * beta2 + c.w2 * g * g;
  const float denom = sqrtf(v) / c.bc2_sqrt + eps;  // IEEE sqrt and division (no fast-math): as the CPU
  param = p - c.step_size * (m / denom);
}

constexpr int64_t kChunk = 1 << 14;

struct Chunk {
  float *param, *grad, *m, *v;
  int64_t begin, end;
  Coefs c;
};

std::vector<Chunk> chunks(const OptimTensor *t, int count, const std::vector<Coefs> &c) {
  std::vector<Chunk> out;
  for (int i = 0; i < count; ++i)
    for (int64_t b = 0; b < t[i].n; b += kChunk)
      out.push_back({t[i].param, t[i].grad, t[i].m, t[i].v, b, b + kChunk < t[i].n ? b + kChunk : t[i].n, c[i]});
  return out;
}

__global__ void adamw_kernel(float *param, const float *grad, float *m, float *v, int64_t n, Coefs c, float beta2,
                             float eps) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    update(param[i], grad[i], m[i], v[i], c, beta2, eps);
}

__global__ void grad_sum_squares_kernel(const Chunk *work, float s, double *part) {
  const Chunk &w = work[blockIdx.x];
  double acc = 0.0;
  for (int64_t i = w.begin + threadIdx.x; i < w.end; i += blockDim.x) {
    const float g = w.grad[i] * s;
    acc += (double)g * g;
  }
  acc = block_sum(acc);
  if (threadIdx.x == 0) part[blockIdx.x] = acc;
}

__global__ void adamw_multi_kernel(const Chunk *work, float s, float coef, float beta2, float eps) {
  const Chunk &w = work[blockIdx.x];
  for (int64_t i = w.begin + threadIdx.x; i < w.end; i += blockDim.x) {
    const float g = (w.grad[i] * s) * coef;
    update(w.param[i], g, w.m[i], w.v[i], w.c, beta2, eps);
    w.grad[i] = 0.0f;
  }
}

}  // namespace

void adamw(float *param, const float *grad, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
           float eps, float weight_decay, float bias_correction1, float bias_correction2) {
  if (n <= 0) return;
  const Coefs c = coefs(lr, beta1, beta2, weight_decay, bias_correction1, bias_correction2);
  adamw_kernel<<<blocks_for(n, 256), 256, 0, kStream>>>(param, grad, m, v, n, c, beta2, eps);
  TF_CUDA_LAUNCHED(adamw_kernel);
}

// Per-chunk sums in double, then per tensor and over tensors in order on the host (the CPU kernel's order).
double grad_sum_squares(const OptimTensor *t, int count, float s) {
  const std::vector<Chunk> host = chunks(t, count, std::vector<Coefs>(count));
  if (host.empty()) return 0.0;
  Scratch<Chunk> work(host);
  Scratch<double> part(host.size());
  grad_sum_squares_kernel<<<(unsigned)host.size(), 256, 0, kStream>>>(work.get(), s, part.get());
  TF_CUDA_LAUNCHED(grad_sum_squares_kernel);
  const std::vector<double> sums = part.download();
  double total = 0.0;
  for (size_t c = 0; c < host.size();) {
    double tensor_sum = 0.0;
    const float *g = host[c].grad;
    for (; c < host.size() && host[c].grad == g; ++c) tensor_sum += sums[c];
    total += tensor_sum;
  }
  return total;
}

void adamw_multi(const OptimTensor *t, int count, float s, float coef, float lr, float beta1, float beta2, float eps,
                 float bias_correction1, float bias_correction2) {
  std::vector<Coefs> c(count);
  for (int i = 0; i < count; ++i)
    c[i] = coefs(lr, beta1, beta2, t[i].weight_decay, bias_correction1, bias_correction2);
  const std::vector<Chunk> host = chunks(t, count, c);
  if (host.empty()) return;
  Scratch<Chunk> work(host);
  adamw_multi_kernel<<<(unsigned)host.size(), 256, 0, kStream>>>(work.get(), s, coef, beta2, eps);
  TF_CUDA_LAUNCHED(adamw_multi_kernel);
}

}  // namespace tf::cuda

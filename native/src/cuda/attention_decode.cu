// One decoding step's attention: row b's single query against its own KV cache ([lengths[b]][KV][hd], position-
// major, device memory), the last `window` positions when windowed. One warp per (row, head), online softmax.
// The host arrays of cache pointers and lengths are copied to the device for the launch.
#include <vector>

#include "attention_row.cuh"
#include "kernels.h"

namespace tf::cuda {

namespace {

template <int P>
__global__ void decode_kernel(const float *q, const float *const *k_rows, const float *const *v_rows,
                              const int32_t *lengths, int batch, int heads, int kv_heads, int hd, int window,
                              float scale, float *out) {
  const int64_t w = (blockIdx.x * (int64_t)blockDim.x + threadIdx.x) >> 5;
  if (w >= (int64_t)batch * heads) return;
  const int b = (int)(w / heads), h = (int)(w % heads), kvh = h / (heads / kv_heads);
  const int64_t stride = (int64_t)kv_heads * hd;
  const int len = lengths[b];
  const float *kc = k_rows[b] + (int64_t)kvh * hd, *vc = v_rows[b] + (int64_t)kvh * hd;
  float qr[P], acc[P];
  load_row<P>(q + w * hd, hd, qr);
#pragma unroll
  for (int i = 0; i < P; ++i) acc[i] = 0.0f;
  float m = -INFINITY, l = 0.0f;
  for (int j = window > 0 ? max(0, len - window) : 0; j < len; ++j) {
    const float s = dot_row<P>(qr, kc + j * stride, hd) * scale;
    const float m_new = fmaxf(m, s);
    const float corr = expf(m - m_new), p = expf(s - m_new);
    l = l * corr + p;
    axpby_row<P>(acc, corr, p, vc + j * stride, hd);
    m = m_new;
  }
  store_row<P>(out + w * hd, hd, acc, 1.0f / l);
}

}  // namespace

void attention_decode(const float *q, const float *const *k_rows, const float *const *v_rows, const int32_t *lengths,
                      int batch, int heads, int kv_heads, int head_dim, int window, float *out) {
  if (batch <= 0) return;
  require(head_dim <= kMaxHeadDim, TF_ERR_UNSUPPORTED,
          "CUDA attention supports head_dim up to " + std::to_string(kMaxHeadDim));
  for (int b = 0; b < batch; ++b)
    require(lengths[b] > 0, TF_ERR_INVALID_ARGUMENT, "attention_decode: every row needs at least one cached key");
  Scratch<const float *> kd(std::vector<const float *>(k_rows, k_rows + batch));
  Scratch<const float *> vd(std::vector<const float *>(v_rows, v_rows + batch));
  Scratch<int32_t> ld(std::vector<int32_t>(lengths, lengths + batch));
  const int64_t warps = (int64_t)batch * heads;
  const float scale = 1.0f / sqrtf((float)head_dim);
  TF_DISPATCH_HEAD_DIM(head_dim, P, {
    decode_kernel<P><<<(unsigned)((warps + 7) / 8), 256, 0, kStream>>>(q, kd.get(), vd.get(), ld.get(), batch, heads,
                                                                        kv_heads, head_dim, window, scale, out);
    TF_CUDA_LAUNCHED(decode_kernel);
  });
}

}  // namespace tf::cuda

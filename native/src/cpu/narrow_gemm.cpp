// GEMMs with one narrow side (a LoRA rank: 4, 8 or a multiple of 16), where OpenBLAS reaches a fraction of its
// usual speed: it packs the long operand for a product that reads it once. These read the long operand once,
// straight from memory, with the narrow operand and the accumulators in vector registers (GCC vector extensions:
// one 16-float vector is one AVX-512 register, two AVX2 or four SSE ones in the other clones).
//
// Each output element is summed over k in order by one thread, so results do not depend on the thread count.
#include <cstring>
#include <vector>

#include "kernels.h"
#include "vec.h"

// v16 values never cross a call boundary (the helpers are always inlined), so the vector ABI note is moot.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace tf::cpu {

namespace {

typedef float v16 __attribute__((vector_size(64)));

__attribute__((always_inline)) inline v16 load16(const float *p) {
  v16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((always_inline)) inline void store16(float *p, v16 v) { std::memcpy(p, &v, sizeof v); }

// Panel width: R outputs (R <= 16) per vector.
template <int R>
__attribute__((always_inline)) inline v16 load_r(const float *p) {
  if constexpr (R == 16) return load16(p);
  v16 v = {};
  std::memcpy(&v, p, sizeof(float) * R);
  return v;
}
template <int R>
__attribute__((always_inline)) inline void store_r(float *p, v16 v) {
  if constexpr (R == 16)
    store16(p, v);
  else
    std::memcpy(p, &v, sizeof(float) * R);
}

constexpr int kRows = 4;

// C[m][R] (at c, stride ldc) = alpha * X[m][K] W[K][R] + beta * C, rows [i0, i1); W rows at stride ldw.
template <int R>
TF_CLONES void xw_rows(int i0, int i1, int K, float alpha, const float *x, int ldx, const float *w, int ldw,
                       float beta, float *c, int ldc) {
  int i = i0;
  for (; i + kRows <= i1; i += kRows) {
    v16 acc[kRows] = {};
    const float *xr = x + (int64_t)i * ldx;
    for (int k = 0; k < K; ++k) {
      const v16 wk = load_r<R>(w + (int64_t)k * ldw);
      for (int r = 0; r < kRows; ++r) acc[r] += xr[(int64_t)r * ldx + k] * wk;
    }
    for (int r = 0; r < kRows; ++r) {
      float *cr = c + (int64_t)(i + r) * ldc;
      store_r<R>(cr, beta == 0.0f ? alpha * acc[r] : alpha * acc[r] + beta * load_r<R>(cr));
    }
  }
  for (; i < i1; ++i) {
    v16 acc = {};
    const float *xr = x + (int64_t)i * ldx;
    for (int k = 0; k < K; ++k) acc += xr[k] * load_r<R>(w + (int64_t)k * ldw);
    float *cr = c + (int64_t)i * ldc;
    store_r<R>(cr, beta == 0.0f ? alpha * acc : alpha * acc + beta * load_r<R>(cr));
  }
}

// C[R][N] (at c, stride ldc) += alpha * Z[n][R]^T Y[n][N], for columns [j0, j1) (at most kCols). Rows go in
// blocks of kRowBlock: within a block every 16-column strip of Y is read for all its rows, accumulating in
// t[R][kCols] in row order.
constexpr int kCols = 128, kRowBlock = 64;

template <int R>
TF_CLONES void zty_cols(int j0, int j1, int n, float alpha, const float *z, int ldz, const float *y, int ldy, float *c,
                        int ldc) {
  float t[R][kCols] = {};
  for (int i0 = 0; i0 < n; i0 += kRowBlock) {
    const int i1 = i0 + kRowBlock < n ? i0 + kRowBlock : n;
    for (int j = j0; j < j1; j += 16) {
      const int width = j1 - j < 16 ? j1 - j : 16;
      v16 acc[R];
      for (int r = 0; r < R; ++r) acc[r] = load16(&t[r][j - j0]);
      // Each row's line of the next strip (or, after the last strip, of the next block's first) is fetched a
      // whole strip pass ahead: the rows of a block are too many streams for the hardware prefetcher.
      const int64_t ahead = j + 16 < j1 ? 16 : (int64_t)kRowBlock * ldy + (j0 - j);
      if (width == 16) {
        for (int i = i0; i < i1; ++i) {
          __builtin_prefetch(y + (int64_t)i * ldy + j + ahead);
          const v16 yi = load16(y + (int64_t)i * ldy + j);
          const float *zi = z + (int64_t)i * ldz;
          for (int r = 0; r < R; ++r) acc[r] += zi[r] * yi;
        }
      } else {
        for (int i = i0; i < i1; ++i) {
          v16 yi = {};
          std::memcpy(&yi, y + (int64_t)i * ldy + j, sizeof(float) * width);
          const float *zi = z + (int64_t)i * ldz;
          for (int r = 0; r < R; ++r) acc[r] += zi[r] * yi;
        }
      }
      for (int r = 0; r < R; ++r) store16(&t[r][j - j0], acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    float *cr = c + (int64_t)r * ldc;
    for (int j = j0; j < j1; ++j) cr[j] += alpha * t[r][j - j0];
  }
}

template <int R>
void xw(int m, int K, float alpha, const float *x, int ldx, const float *w, int ldw, float beta, float *c, int ldc) {
  const int blocks = (m + kRows - 1) / kRows;
#pragma omp parallel for schedule(static) if ((int64_t)m * K * R >= 8 * kParallelMin)
  for (int b = 0; b < blocks; ++b) {
    const int i0 = b * kRows, i1 = i0 + kRows < m ? i0 + kRows : m;
    xw_rows<R>(i0, i1, K, alpha, x, ldx, w, ldw, beta, c, ldc);
  }
}

template <int R>
void zty(int N, int n, float alpha, const float *z, int ldz, const float *y, int ldy, float *c, int ldc) {
  const int items = (N + kCols - 1) / kCols;
#pragma omp parallel for schedule(static) if ((int64_t)n * N * R >= 8 * kParallelMin)
  for (int b = 0; b < items; ++b) {
    const int j0 = b * kCols, j1 = j0 + kCols < N ? j0 + kCols : N;
    zty_cols<R>(j0, j1, n, alpha, z, ldz, y, ldy, c, ldc);
  }
}

}  // namespace

bool narrow_supported(int r) { return r == 4 || r == 8 || (r > 0 && r % 16 == 0); }

void gemm_xw_narrow(int m, int r, int k, float alpha, const float *x, int ldx, const float *w, int ldw, float beta,
                    float *c, int ldc) {
  if (r == 4) return xw<4>(m, k, alpha, x, ldx, w, ldw, beta, c, ldc);
  if (r == 8) return xw<8>(m, k, alpha, x, ldx, w, ldw, beta, c, ldc);
  for (int p = 0; p < r; p += 16) xw<16>(m, k, alpha, x, ldx, w + p, ldw, beta, c + p, ldc);
}

void gemm_zty_narrow(int r, int N, int n, float alpha, const float *z, int ldz, const float *y, int ldy, float *c,
                     int ldc) {
  if (r == 4) return zty<4>(N, n, alpha, z, ldz, y, ldy, c, ldc);
  if (r == 8) return zty<8>(N, n, alpha, z, ldz, y, ldy, c, ldc);
  for (int p = 0; p < r; p += 16) zty<16>(N, n, alpha, z + p, ldz, y, ldy, c + (int64_t)p * ldc, ldc);
}

}  // namespace tf::cpu

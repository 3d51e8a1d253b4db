// GEMMs through cuBLASLt. Tensors stay f32 in memory (the master copy); the product runs on the tensor cores with
// bf16 operands and f32 accumulation (CUBLAS_COMPUTE_32F_FAST_16BF): bf16 compute, f32 storage. The engine's
// matrices are row-major, cuBLASLt's column-major, so C = op(A) op(B) runs as C^T = op(B)^T op(A)^T.
//
// TF_CUDA_GEMM=fp32 (exact f32 on CUDA cores) or tf32 picks another compute type, for parity checks.
// The chosen algorithm is cached per shape: the heuristic query costs more than a small product.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "common.cuh"
#include "kernels.h"

namespace tf::cuda {

namespace {

constexpr size_t kWorkspace = 32u << 20;  // cuBLASLt's recommendation for Hopper

cublasComputeType_t compute_type() {
  static const cublasComputeType_t type = [] {
    const char *v = std::getenv("TF_CUDA_GEMM");
    const std::string s = v ? v : "bf16";
    if (s == "fp32") return CUBLAS_COMPUTE_32F;
    if (s == "tf32") return CUBLAS_COMPUTE_32F_FAST_TF32;
    if (s != "bf16") fail(TF_ERR_INVALID_ARGUMENT, "TF_CUDA_GEMM must be bf16, tf32 or fp32, not '" + s + "'");
    return CUBLAS_COMPUTE_32F_FAST_16BF;
  }();
  return type;
}

struct Lt {
  cublasLtHandle_t handle = nullptr;
  void *workspace = nullptr;
};

// One handle and workspace per device (the engine uses device 0 today).
Lt &lt() {
  static std::once_flag once;
  static Lt state;
  std::call_once(once, [] {
    TF_CUBLAS_CHECK(cublasLtCreate(&state.handle));
    TF_CUDA_CHECK(cudaMalloc(&state.workspace, kWorkspace));  // outside the tensor accounting: lives with the process
  });
  return state;
}

// Shape, leading dimensions and the pointers' alignments: cuBLASLt's heuristic assumes 256-byte aligned operands
// unless told otherwise, and the engine passes offsets into buffers (a head's columns, a chunk's rows).
using Key = std::tuple<bool, bool, int, int, int, int, int, int, uint32_t, uint32_t, uint32_t>;

uint32_t alignment(const void *p) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  return a == 0 ? 256u : (uint32_t)std::min<uintptr_t>(256, a & (~a + 1));  // lowest set bit
}

struct Plan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo;
};

// Builds (once per shape) the descriptors and algorithm of C^T[n x m] = opB(B^T) opA(A^T).
const Plan &plan(const Key &key) {
  static std::mutex mu;
  static std::map<Key, Plan> plans;
  std::lock_guard<std::mutex> lock(mu);
  auto it = plans.find(key);
  if (it != plans.end()) return it->second;
  const auto [ta, tb, m, n, k, lda, ldb, ldc, align_a, align_b, align_c] = key;
  Plan p;
  TF_CUBLAS_CHECK(cublasLtMatmulDescCreate(&p.desc, compute_type(), CUDA_R_32F));
  // cuBLASLt's first operand is our B, its second our A.
  const cublasOperation_t op_first = tb ? CUBLAS_OP_T : CUBLAS_OP_N, op_second = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
  TF_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &op_first, sizeof op_first));
  TF_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &op_second, sizeof op_second));
  // Stored (before op) column-major shapes: row-major X[r][c] is column-major [c x r].
  TF_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&p.a, CUDA_R_32F, tb ? k : n, tb ? n : k, ldb));
  TF_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&p.b, CUDA_R_32F, ta ? m : k, ta ? k : m, lda));
  TF_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&p.c, CUDA_R_32F, n, m, ldc));
  cublasLtMatmulPreference_t pref;
  TF_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
  const size_t ws = kWorkspace;
  TF_CUBLAS_CHECK(
      cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws));
  // cuBLASLt's A is our B and its B our A.
  const uint32_t aligns[4] = {align_b, align_a, align_c, align_c};
  const cublasLtMatmulPreferenceAttributes_t which[4] = {
      CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
      CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES};
  for (int i = 0; i < 4; ++i)
    TF_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, which[i], &aligns[i], sizeof aligns[i]));
  cublasLtMatmulHeuristicResult_t result;
  int found = 0;
  const cublasStatus_t st =
      cublasLtMatmulAlgoGetHeuristic(lt().handle, p.desc, p.a, p.b, p.c, p.c, pref, 1, &result, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  if (st != CUBLAS_STATUS_SUCCESS || found == 0)
    fail(TF_ERR_INTERNAL, "cuBLASLt has no algorithm for a " + std::to_string(m) + "x" + std::to_string(n) + "x" +
                              std::to_string(k) + " GEMM (status " + cublasLtGetStatusName(st) + ")");
  p.algo = result.algo;
  return plans.emplace(key, p).first->second;
}

// C = beta * C for k == 0, which cuBLASLt does not take.
__global__ void scale_matrix(float *c, int m, int n, int ldc, float beta) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (int64_t)m * n;
       i += (int64_t)gridDim.x * blockDim.x) {
    float &x = c[(i / n) * ldc + i % n];
    x = beta == 0.0f ? 0.0f : beta * x;
  }
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
          int ldb, float beta, float *c, int ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    scale_matrix<<<blocks_for((int64_t)m * n, 256), 256, 0, kStream>>>(c, m, n, ldc, beta);
    TF_CUDA_LAUNCHED(scale_matrix);
    return;
  }
  const Plan &p = plan(Key{trans_a, trans_b, m, n, k, lda, ldb, ldc, alignment(a), alignment(b), alignment(c)});
  TF_CUBLAS_CHECK(cublasLtMatmul(lt().handle, p.desc, &alpha, b, p.a, a, p.b, &beta, c, p.c, c, p.c, &p.algo,
                                 lt().workspace, kWorkspace, kStream));
}

// One product per projection: the decode step's GEMVs (m = 1), which cuBLASLt runs as bandwidth-bound GEMVs.
void gemv_multi(int count, const float *const *w, const int *rows, int k, const float *x, float beta,
                float *const *y) {
  for (int i = 0; i < count; ++i) gemm(false, true, 1, rows[i], k, 1.0f, x, k, w[i], k, beta, y[i], rows[i]);
}

// LoRA's rank-wide products: cuBLASLt handles a narrow side at any rank, so every rank is "narrow".
bool narrow_ok(int r) { return r > 0; }

void gemm_xw_narrow(int m, int r, int k, float alpha, const float *x, int ldx, const float *w, int ldw, float beta,
                    float *c, int ldc) {
  gemm(false, false, m, r, k, alpha, x, ldx, w, ldw, beta, c, ldc);
}

void gemm_zty_narrow(int r, int N, int n, float alpha, const float *z, int ldz, const float *y, int ldy, float *c,
                     int ldc) {
  gemm(true, false, r, N, n, alpha, z, ldz, y, ldy, 1.0f, c, ldc);
}

}  // namespace tf::cuda

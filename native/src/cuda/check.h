// CUDA and cuBLAS errors become tf::Error (a status code and a message), never aborts: the C API boundary turns
// them into TF_ERR_OUT_OF_MEMORY or TF_ERR_INTERNAL with the call that failed. After an error that poisons the
// context (an illegal address, say) every later call fails the same way; the process must then be restarted.
#pragma once
#include <cublasLt.h>
#include <cuda_runtime.h>

#include <string>

#include "../error.h"

namespace tf::cuda {

[[noreturn]] inline void fail_cuda(cudaError_t e, const char *what, const char *file, int line) {
  cudaGetLastError();  // clear a non-sticky error so that the next call starts clean
  const tf_status status = e == cudaErrorMemoryAllocation ? TF_ERR_OUT_OF_MEMORY : TF_ERR_INTERNAL;
  fail(status, std::string("CUDA error in ") + what + " (" + file + ":" + std::to_string(line) +
                   "): " + cudaGetErrorName(e) + ": " + cudaGetErrorString(e));
}

[[noreturn]] inline void fail_cublas(cublasStatus_t s, const char *what, const char *file, int line) {
  const tf_status status = s == CUBLAS_STATUS_ALLOC_FAILED ? TF_ERR_OUT_OF_MEMORY : TF_ERR_INTERNAL;
  fail(status, std::string("cuBLAS error in ") + what + " (" + file + ":" + std::to_string(line) +
                   "): " + cublasLtGetStatusName(s) + ": " + cublasLtGetStatusString(s));
}

}  // namespace tf::cuda

#define TF_CUDA_CHECK(call)                                                     \
  do {                                                                          \
    const cudaError_t tf_e_ = (call);                                           \
    if (tf_e_ != cudaSuccess) ::tf::cuda::fail_cuda(tf_e_, #call, __FILE__, __LINE__); \
  } while (0)

#define TF_CUBLAS_CHECK(call)                                                       \
  do {                                                                              \
    const cublasStatus_t tf_s_ = (call);                                            \
    if (tf_s_ != CUBLAS_STATUS_SUCCESS) ::tf::cuda::fail_cublas(tf_s_, #call, __FILE__, __LINE__); \
  } while (0)

// After every kernel launch: a bad configuration shows here, a fault inside the kernel at the next sync.
#define TF_CUDA_LAUNCHED(name) TF_CUDA_CHECK(cudaPeekAtLastError())

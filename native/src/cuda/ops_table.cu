// The CUDA op table, and whether this process can use it. Entries are set by name, so the table follows
// backend.h's field order whatever it becomes; ops_table_test checks that no entry is left null.
#include <string>

#include "common.cuh"
#include "cuda_backend.h"
#include "kernels.h"

namespace tf {

namespace {

Ops make_table() {
  Ops o{};
  o.name = "cuda";
  o.set_threads = cuda::set_threads;
  o.gemm = cuda::gemm;
  o.embedding_forward = cuda::embedding_forward;
  o.embedding_backward = cuda::embedding_backward;
  o.rmsnorm_forward = cuda::rmsnorm_forward;
  o.rmsnorm_backward = cuda::rmsnorm_backward;
  o.rope_forward = cuda::rope_forward;
  o.rope_backward = cuda::rope_backward;
  o.attention_saved_floats = cuda::attention_saved_floats;
  o.attention_forward = cuda::attention_forward;
  o.attention_backward = cuda::attention_backward;
  o.attention_decode = cuda::attention_decode;
  o.swiglu_forward = cuda::swiglu_forward;
  o.swiglu_backward = cuda::swiglu_backward;
  o.cross_entropy = cuda::cross_entropy;
  o.adamw = cuda::adamw;
  o.add = cuda::add;
  o.scale = cuda::scale;
  o.sum_squares = cuda::sum_squares;
  o.bias_backward = cuda::bias_backward;
  o.gemv_multi = cuda::gemv_multi;
  o.narrow_ok = cuda::narrow_ok;
  o.gemm_xw_narrow = cuda::gemm_xw_narrow;
  o.gemm_zty_narrow = cuda::gemm_zty_narrow;
  o.grad_sum_squares = cuda::grad_sum_squares;
  o.adamw_multi = cuda::adamw_multi;
  o.host_memory = false;
  o.alloc = cuda::alloc;
  o.free = cuda::free;
  o.memory_in_use = cuda::memory_in_use;
  o.memory_peak = cuda::memory_peak;
  o.reset_memory_peak = cuda::reset_memory_peak;
  o.set_memory_limit = cuda::set_memory_limit;
  o.copy_h2d = cuda::copy_h2d;
  o.copy_d2h = cuda::copy_d2h;
  o.copy_d2d = cuda::copy_d2d;
  o.zero = cuda::zero;
  o.fill = cuda::fill;
  o.add_bias = cuda::add_bias;
  o.mul = cuda::mul;
  o.mul_accumulate = cuda::mul_accumulate;
  o.dropout = cuda::dropout;
  o.transpose = cuda::transpose;
  o.gather_rows = cuda::gather_rows;
  o.scatter_add_rows = cuda::scatter_add_rows;
  o.copy_rows_to = cuda::copy_rows_to;
  o.weighted_cross_entropy = cuda::weighted_cross_entropy;
  o.target_logprobs = cuda::target_logprobs;
  return o;
}

// Empty when a device can be used, else why not. Asked once: the answer does not change within a process.
const std::string &unavailable_reason() {
  static const std::string why = []() -> std::string {
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
      cudaGetLastError();
      std::string why = std::string("no usable CUDA device (") + cudaGetErrorName(e) + ": " + cudaGetErrorString(e) + ")";
      if (e == cudaErrorInsufficientDriver || e == cudaErrorNoDevice)
        why += "; is an NVIDIA driver (libcuda.so.1) for CUDA " + std::to_string(CUDART_VERSION / 1000) + " installed?";
      return why;
    }
    if (count == 0) return "no CUDA device in this machine";
    int driver = 0, runtime = 0;
    cudaDriverGetVersion(&driver);
    cudaRuntimeGetVersion(&runtime);
    if (driver < runtime)
      return "the CUDA driver (" + std::to_string(driver) + ") is older than the runtime this engine was built with (" +
             std::to_string(runtime) + ")";
    return "";
  }();
  return why;
}

}  // namespace

const Ops *cuda_ops_if_available(std::string &why) {
  why = unavailable_reason();
  if (!why.empty()) return nullptr;
  static const Ops table = make_table();
  return &table;
}

}  // namespace tf

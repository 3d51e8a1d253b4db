#include "../backend.h"

#include "kernels.h"

namespace tf {

const Ops &cpu_ops() {
  static const Ops ops = {
      "cpu",
      cpu::set_threads,
      cpu::gemm,
      cpu::embedding_forward,
      cpu::embedding_backward,
      cpu::rmsnorm_forward,
      cpu::rmsnorm_backward,
      cpu::rope_forward,
      cpu::rope_backward,
      cpu::attention_saved_floats,
      cpu::attention_forward,
      cpu::attention_backward,
      cpu::attention_decode,
      cpu::swiglu_forward,
      cpu::swiglu_backward,
      cpu::cross_entropy,
      cpu::adamw,
      cpu::add,
      cpu::scale,
      cpu::sum_squares,
      cpu::bias_backward,
      cpu::gemv_multi,
      cpu::narrow_supported,
      cpu::gemm_xw_narrow,
      cpu::gemm_zty_narrow,
      cpu::grad_sum_squares,
      cpu::adamw_multi,
      // issue #21: memory and the former outside loops
      /*host_memory=*/true,
      cpu::alloc,
      cpu::free,
      cpu::memory_in_use,
      cpu::memory_peak,
      cpu::reset_memory_peak,
      cpu::set_memory_limit,
      cpu::copy_h2d,
      cpu::copy_d2h,
      cpu::copy_d2d,
      cpu::zero,
      cpu::fill,
      cpu::add_bias,
      cpu::mul,
      cpu::mul_accumulate,
      cpu::dropout,
      cpu::transpose,
      cpu::gather_rows,
      cpu::scatter_add_rows,
      cpu::copy_rows_to,
      cpu::weighted_cross_entropy,
      cpu::target_logprobs,
  };
  return ops;
}

}  // namespace tf

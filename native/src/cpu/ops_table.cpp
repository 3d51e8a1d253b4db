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
  };
  return ops;
}

}  // namespace tf

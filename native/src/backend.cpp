#include "backend.h"

#include "error.h"
#ifdef TF_WITH_CUDA
#include "cuda/cuda_backend.h"
#endif

namespace tf {

const Ops &backend(const std::string &name) {
  if (name.empty() || name == "cpu") return cpu_ops();
#ifdef TF_WITH_CUDA
  if (name == "cuda") {
    std::string why;
    if (const Ops *ops = cuda_ops_if_available(why)) return *ops;
    fail(TF_ERR_UNSUPPORTED, "backend cuda is built into this engine but cannot run here: " + why);
  }
  fail(TF_ERR_UNSUPPORTED, "unknown backend '" + name + "' (available: cpu, cuda)");
#else
  if (name == "cuda")
    fail(TF_ERR_UNSUPPORTED, "backend cuda is not built into this engine (built without a CUDA toolkit: see docs/gpu.md)");
  fail(TF_ERR_UNSUPPORTED, "unknown backend '" + name + "' (available: cpu)");
#endif
}

}  // namespace tf

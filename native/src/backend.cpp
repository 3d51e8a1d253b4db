#include "backend.h"

#include "error.h"

namespace tf {

const Ops &backend(const std::string &name) {
  if (name.empty() || name == "cpu") return cpu_ops();
  if (name == "cuda") fail(TF_ERR_UNSUPPORTED, "backend cuda is not built into this engine");
  fail(TF_ERR_UNSUPPORTED, "unknown backend '" + name + "' (available: cpu)");
}

}  // namespace tf

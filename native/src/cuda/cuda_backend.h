// The CUDA backend as the rest of the engine sees it: plain C++ (no CUDA headers), so backend.cpp can ask for it.
#pragma once
#include <string>

#include "../backend.h"

namespace tf {

// The CUDA op table when this process can use a device, else null with `why` saying what is missing (no device,
// a driver older than the runtime, ...).
const Ops *cuda_ops_if_available(std::string &why);

}  // namespace tf

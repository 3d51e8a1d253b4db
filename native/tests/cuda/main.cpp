// The CUDA kernel tests need a device. Without one the binary fails (exit 2) with the reason, rather than
// reporting skipped tests: "compiled" must never read as "verified".
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "cuda/cuda_backend.h"

int main(int argc, char **argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string why;
  if (!tf::cuda_ops_if_available(why)) {
    std::fprintf(stderr, "tuneforge_cuda_tests needs a CUDA GPU and found none: %s\n"
                         "(the CUDA backend is compiled, unverified on this machine; tools/bench/gpu/prove.sh runs "
                         "these tests where a GPU is)\n", why.c_str());
    return 2;
  }
  return RUN_ALL_TESTS();
}

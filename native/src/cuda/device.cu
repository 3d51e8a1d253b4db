// Device memory: allocations counted (bytes in use, the peak, an operator's limit) as the CPU backend counts
// them, copies, zero and fill, each checked. An allocation the device cannot hold, or one past the limit, is
// TF_ERR_OUT_OF_MEMORY naming the request, the engine's use and what the device has free, so the trainer can
// retry with a smaller micro-batch.
#include <mutex>
#include <string>
#include <unordered_map>

#include "common.cuh"
#include "kernels.h"

namespace tf::cuda {

namespace {

struct Accounting {
  std::mutex mu;
  std::unordered_map<void *, size_t> sizes;  // cudaMalloc keeps no size we can ask for
  size_t in_use = 0, peak = 0, limit = 0;
};

Accounting &acct() {
  static Accounting a;
  return a;
}

std::string mib(size_t bytes) { return std::to_string((bytes + (1u << 19)) >> 20) + " MiB"; }

__global__ void fill_kernel(float *x, int64_t n, float value) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    x[i] = value;
}

}  // namespace

void set_threads(int) {}  // host threads do not change device kernels

// cudaMalloc's blocks are 256-byte aligned (backend.h asks for 64).
void *alloc(size_t bytes) {
  if (bytes == 0) return nullptr;
  Accounting &a = acct();
  {
    std::lock_guard<std::mutex> lock(a.mu);
    if (a.limit && a.in_use + bytes > a.limit)
      fail(TF_ERR_OUT_OF_MEMORY, "out of memory: the cuda backend cannot allocate " + mib(bytes) + " with " +
                                     mib(a.in_use) + " in use (limit " + mib(a.limit) + ")");
  }
  void *p = nullptr;
  const cudaError_t e = cudaMalloc(&p, bytes);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    size_t free_b = 0, total_b = 0;
    cudaMemGetInfo(&free_b, &total_b);
    fail(TF_ERR_OUT_OF_MEMORY, "out of memory: the CUDA device refused " + mib(bytes) + " with " + mib(memory_in_use()) +
                                   " in use by the engine, " + mib(free_b) + " of " + mib(total_b) + " free");
  }
  if (e != cudaSuccess) fail_cuda(e, "cudaMalloc", __FILE__, __LINE__);
  std::lock_guard<std::mutex> lock(a.mu);
  a.sizes[p] = bytes;
  a.in_use += bytes;
  if (a.in_use > a.peak) a.peak = a.in_use;
  return p;
}

// Never throws: Buffer destructors call it (a throw there would terminate the process), also at exit after the
// CUDA runtime has unloaded. A failed cudaFree leaves its error for the next checked call to report.
void free(void *p) {
  if (!p) return;
  Accounting &a = acct();
  {
    std::lock_guard<std::mutex> lock(a.mu);
    auto it = a.sizes.find(p);
    if (it == a.sizes.end()) return;  // not ours: freeing it could corrupt the device heap
    a.in_use -= it->second;
    a.sizes.erase(it);
  }
  cudaFree(p);  // waits for the work in flight that may still use it
}

size_t memory_in_use() {
  std::lock_guard<std::mutex> lock(acct().mu);
  return acct().in_use;
}

size_t memory_peak() {
  std::lock_guard<std::mutex> lock(acct().mu);
  return acct().peak;
}

void reset_memory_peak() {
  std::lock_guard<std::mutex> lock(acct().mu);
  acct().peak = acct().in_use;
}

void set_memory_limit(size_t bytes) {
  std::lock_guard<std::mutex> lock(acct().mu);
  acct().limit = bytes;
}

// From pageable host memory the copy has read the source when it returns, so the caller may reuse it.
void copy_h2d(void *dst, const void *src, size_t bytes) {
  if (bytes) TF_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, kStream));
}

void copy_d2h(void *dst, const void *src, size_t bytes) {
  if (!bytes) return;
  TF_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, kStream));
  TF_CUDA_CHECK(cudaStreamSynchronize(kStream));
}

void copy_d2d(void *dst, const void *src, size_t bytes) {
  if (bytes) TF_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, kStream));
}

void zero(void *p, size_t bytes) {
  if (bytes) TF_CUDA_CHECK(cudaMemsetAsync(p, 0, bytes, kStream));
}

void fill(float *x, int64_t n, float value) {
  if (n <= 0) return;
  fill_kernel<<<blocks_for(n, 256), 256, 0, kStream>>>(x, n, value);
  TF_CUDA_LAUNCHED(fill_kernel);
}

void synchronize() { TF_CUDA_CHECK(cudaStreamSynchronize(kStream)); }

}  // namespace tf::cuda

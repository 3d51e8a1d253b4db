// The CPU backend's device memory is host memory: 64-byte aligned blocks (whole cache lines, AVX-512 loads)
// counted so that a process can see and cap what the engine holds. Each block carries its size in a 64-byte
// header in front of it, so free needs nothing but the pointer.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../error.h"
#include "kernels.h"
#include "vec.h"

namespace tf::cpu {

namespace {

constexpr size_t kAlign = 64;
std::atomic<size_t> g_in_use{0}, g_peak{0}, g_limit{0};

std::string mib(size_t bytes) { return std::to_string((bytes + (1u << 19)) >> 20) + " MiB"; }

void raise_peak(size_t now) {
  size_t peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

}  // namespace

void *alloc(size_t bytes) {
  if (bytes == 0) return nullptr;
  const size_t limit = g_limit.load(std::memory_order_relaxed);
  require(bytes <= SIZE_MAX - 2 * kAlign, TF_ERR_OUT_OF_MEMORY,
          "out of memory: cannot allocate " + std::to_string(bytes) + " bytes");
  const size_t before = g_in_use.fetch_add(bytes, std::memory_order_relaxed);
  if (limit && before + bytes > limit) {
    g_in_use.fetch_sub(bytes, std::memory_order_relaxed);
    fail(TF_ERR_OUT_OF_MEMORY, "out of memory: the cpu backend cannot allocate " + mib(bytes) + " with " +
                                   mib(before) + " in use (limit " + mib(limit) + ")");
  }
  // Exactly the bytes asked for after the header (posix_memalign has no size rule), so AddressSanitizer
  // catches a kernel that runs past a buffer's end as it did with the std::vectors before.
  void *block = nullptr;
  if (posix_memalign(&block, kAlign, kAlign + bytes) != 0) block = nullptr;
  if (!block) {
    g_in_use.fetch_sub(bytes, std::memory_order_relaxed);
    fail(TF_ERR_OUT_OF_MEMORY,
         "out of memory: the system refused " + mib(bytes) + " with " + mib(before) + " in use by the engine");
  }
  raise_peak(before + bytes);
  *static_cast<size_t *>(block) = bytes;
  return static_cast<char *>(block) + kAlign;
}

void free(void *p) {
  if (!p) return;
  void *block = static_cast<char *>(p) - kAlign;
  g_in_use.fetch_sub(*static_cast<size_t *>(block), std::memory_order_relaxed);
  std::free(block);
}

size_t memory_in_use() { return g_in_use.load(std::memory_order_relaxed); }
size_t memory_peak() { return g_peak.load(std::memory_order_relaxed); }
void reset_memory_peak() { g_peak.store(g_in_use.load(std::memory_order_relaxed), std::memory_order_relaxed); }
void set_memory_limit(size_t bytes) { g_limit.store(bytes, std::memory_order_relaxed); }

// Transfers are copies within one memory, as the std::vector copies they replace were.
static void copy(void *dst, const void *src, size_t bytes) { std::memcpy(dst, src, bytes); }

void copy_h2d(void *dst, const void *src, size_t bytes) { copy(dst, src, bytes); }
void copy_d2h(void *dst, const void *src, size_t bytes) { copy(dst, src, bytes); }
void copy_d2d(void *dst, const void *src, size_t bytes) { copy(dst, src, bytes); }

void zero(void *p, size_t bytes) { std::memset(p, 0, bytes); }

void fill(float *x, int64_t n, float value) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) x[i] = value;
}

}  // namespace tf::cpu

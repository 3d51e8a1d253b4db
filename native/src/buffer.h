// Device memory owned through a backend's operation table (backend.h): a move-only array of T whose storage
// comes from ops.alloc and goes back to ops.free. Model, trainer and generation code hold every tensor,
// activation and cache in one and hand data() to ops; they never dereference it. Host values cross with
// upload / download; host_view is the zero-copy read of backends whose device memory is host memory (CPU).
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

#include "backend.h"
#include "error.h"

namespace tf {

template <class T>
class Buffer {
 public:
  Buffer() = default;
  // n uninitialised elements.
  Buffer(const Ops &ops, size_t n) : ops_(&ops), n_(n) { p_ = static_cast<T *>(ops.alloc(n * sizeof(T))); }
  static Buffer zeros(const Ops &ops, size_t n) {
    Buffer b(ops, n);
    b.zero();
    return b;
  }
  // n elements copied from host memory.
  static Buffer from_host(const Ops &ops, const T *host, size_t n) {
    Buffer b(ops, n);
    b.upload(host, n);
    return b;
  }
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;
  Buffer(Buffer &&o) noexcept : ops_(o.ops_), p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  Buffer &operator=(Buffer &&o) noexcept {
    if (this != &o) {
      release();
      ops_ = o.ops_;
      p_ = std::exchange(o.p_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  ~Buffer() { release(); }

  T *data() { return p_; }
  const T *data() const { return p_; }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  const Ops *ops() const { return ops_; }

  // Makes the buffer hold n elements of undefined value, reallocating only when the count changes (an
  // activation reused across passes of one shape). The old storage is freed before the new is taken.
  void reset(const Ops &ops, size_t n) {
    if (n == n_ && ops_ == &ops) return;
    release();
    ops_ = &ops;
    p_ = static_cast<T *>(ops.alloc(n * sizeof(T)));
    n_ = n;
  }
  void release() {
    if (p_) ops_->free(p_);
    p_ = nullptr;
    n_ = 0;
  }
  void zero() {
    if (n_) ops_->zero(p_, n_ * sizeof(T));
  }
  // Elements [offset, offset + n) from / to host memory.
  void upload(const T *host, size_t n, size_t offset = 0) {
    require(offset + n <= n_, TF_ERR_INTERNAL, "upload past the end of a buffer");
    if (n) ops_->copy_h2d(p_ + offset, host, n * sizeof(T));
  }
  void download(T *host, size_t n, size_t offset = 0) const {
    require(offset + n <= n_, TF_ERR_INTERNAL, "download past the end of a buffer");
    if (n) ops_->copy_d2h(host, p_ + offset, n * sizeof(T));
  }
  std::vector<T> to_host() const {
    std::vector<T> out(n_);
    download(out.data(), n_);
    return out;
  }
  // The storage as host memory: only where the backend's device memory is host memory (tests, host-side
  // checks on the CPU backend). Elsewhere it is an internal error, not a silent copy.
  T *host_view() {
    require(!p_ || ops_->host_memory, TF_ERR_INTERNAL, "host_view of device memory: download it instead");
    return p_;
  }
  const T *host_view() const { return const_cast<Buffer *>(this)->host_view(); }

 private:
  const Ops *ops_ = nullptr;
  T *p_ = nullptr;
  size_t n_ = 0;
};

using FloatBuffer = Buffer<float>;
using IntBuffer = Buffer<int32_t>;

// Reads n device floats on the host: the memory itself where the backend's device memory is host memory (no
// copy), else a copy_d2h into `scratch`. For code that must look at values (sampling, exports, checks).
inline const float *read_on_host(const Ops &ops, const float *device, size_t n, std::vector<float> &scratch) {
  if (ops.host_memory) return device;
  scratch.resize(n);
  if (n) ops.copy_d2h(scratch.data(), device, n * sizeof(float));
  return scratch.data();
}

// Fills n device floats from the host: `fill(host)` writes straight into the buffer where the backend's memory
// is host memory, else into a staging vector that is then uploaded (weights read from safetensors files).
template <class F>
void write_from_host(FloatBuffer &b, F &&fill) {
  if (b.ops()->host_memory) {
    fill(b.data());
    return;
  }
  std::vector<float> staging(b.size());
  fill(staging.data());
  b.upload(staging.data(), staging.size());
}

}  // namespace tf

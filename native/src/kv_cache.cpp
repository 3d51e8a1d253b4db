#include "kv_cache.h"

#include <algorithm>

#include "error.h"

namespace tf {

KvCache::KvCache(const Ops &ops, int layers, int row, int limit)
    : ops_(ops), row_(row), limit_(limit), k_(layers), v_(layers) {}

void KvCache::extend(int n) {
  const int need = length_ + n;
  require(need <= limit_, TF_ERR_INTERNAL,
          "KV cache of " + std::to_string(limit_) + " positions cannot hold " + std::to_string(need));
  if (need > capacity_) {
    // Doubling keeps appends amortised O(1); the limit caps the last growth at this sequence's own maximum.
    const int grown = std::min(limit_, std::max({need, 2 * length_, 16}));
    // Every layer's new buffers are taken before any old one is replaced, so running out of memory leaves
    // the cache as it was.
    std::vector<FloatBuffer> k, v;
    for (size_t l = 0; l < k_.size(); ++l) {
      k.emplace_back(ops_, (size_t)grown * row_);
      v.emplace_back(ops_, (size_t)grown * row_);
    }
    const size_t used = sizeof(float) * length_ * row_;
    for (size_t l = 0; l < k_.size() && used; ++l) {
      ops_.copy_d2d(k[l].data(), k_[l].data(), used);
      ops_.copy_d2d(v[l].data(), v_[l].data(), used);
    }
    k_ = std::move(k);
    v_ = std::move(v);
    capacity_ = grown;
  }
  length_ = need;
}

void KvCache::truncate(int length) {
  if (length < length_) length_ = length;
}

}  // namespace tf

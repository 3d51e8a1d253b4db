#include "kv_cache.h"

#include <algorithm>

#include "error.h"

namespace tf {

KvCache::KvCache(int layers, int row, int limit) : row_(row), limit_(limit), k_(layers), v_(layers) {}

int KvCache::capacity() const { return k_.empty() ? limit_ : (int)(k_[0].capacity() / row_); }

void KvCache::extend(int n) {
  const int need = length_ + n;
  require(need <= limit_, TF_ERR_INTERNAL,
          "KV cache of " + std::to_string(limit_) + " positions cannot hold " + std::to_string(need));
  if (need > capacity()) {
    // Doubling keeps appends amortised O(1); the limit caps the last growth at this sequence's own maximum.
    const int grown = std::min(limit_, std::max({need, 2 * length_, 16}));
    for (auto &b : k_) b.reserve((size_t)grown * row_);
    for (auto &b : v_) b.reserve((size_t)grown * row_);
  }
  for (auto &b : k_) b.resize((size_t)need * row_);
  for (auto &b : v_) b.resize((size_t)need * row_);
  length_ = need;
}

void KvCache::truncate(int length) {
  if (length >= length_) return;
  for (auto &b : k_) b.resize((size_t)length * row_);
  for (auto &b : v_) b.resize((size_t)length * row_);
  length_ = length;
}

}  // namespace tf

// One sequence's key/value cache: per layer, [length][kv_heads][head_dim] floats (position-major, the
// layout the K/V projections produce), in the backend's memory. It grows with the sequence, geometrically and
// never past its own limit, so a session holds memory for the tokens its sequences have, not for max context ×
// slots.
#pragma once
#include <cstddef>
#include <vector>

#include "buffer.h"

namespace tf {

class KvCache {
 public:
  // row: kv_heads * head_dim floats per position; limit: the most positions this sequence may hold.
  KvCache(const Ops &ops, int layers, int row, int limit);

  int length() const { return length_; }
  int limit() const { return limit_; }
  // Positions the buffers have room for without reallocating.
  int capacity() const { return capacity_; }

  // Makes room for n more positions and counts them; the caller then fills them in every layer.
  void extend(int n);
  // Forgets positions from `length` on (undoes an extend whose fill failed); the memory stays.
  void truncate(int length);

  // Device pointers: position pos of a layer's keys / values, and the start of each.
  float *k(int layer, int pos) { return k_[layer].data() + (size_t)pos * row_; }
  float *v(int layer, int pos) { return v_[layer].data() + (size_t)pos * row_; }
  const float *k(int layer) const { return k_[layer].data(); }
  const float *v(int layer) const { return v_[layer].data(); }

 private:
  const Ops &ops_;
  int row_, limit_, length_ = 0, capacity_ = 0;
  std::vector<FloatBuffer> k_, v_;
};

}  // namespace tf

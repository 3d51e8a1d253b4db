// Deterministic random numbers (xoshiro256** seeded by splitmix64). The whole
// state is four words so that checkpoints can store and restore it exactly.
#pragma once
#include <array>
#include <cstdint>

namespace tf {

struct Rng {
  std::array<uint64_t, 4> s{};

  explicit Rng(uint64_t seed = 0) { reseed(seed); }

  void reseed(uint64_t seed) {
    for (auto &word : s) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t next() {
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 24 random bits, exact in float.
  float uniform() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }
};

}  // namespace tf

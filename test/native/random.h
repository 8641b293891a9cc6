// Seeded data for the engine tests.
#pragma once

#include <cstdint>
#include <vector>

namespace testdata {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {  // splitmix64
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  float uniform() { return float(next() >> 40) / float(1 << 24) * 2.0f - 1.0f; }  // [-1, 1)
  int small_int() { return int(next() % 256); }                                     // [0, 256)

 private:
  uint64_t state_;
};

inline std::vector<float> uniform_vectors(size_t n, size_t dim, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n * dim);
  for (float& x : v) x = rng.uniform();
  return v;
}

// Integer-valued vectors like SIFT's: distances are exact in float, so ties are real ties.
inline std::vector<float> integer_vectors(size_t n, size_t dim, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n * dim);
  for (float& x : v) x = float(rng.small_int() % 4);
  return v;
}

}  // namespace testdata

// Product quantiser: the vector is cut into m sub-vectors, each replaced by the nearest
// of 256 codewords (one byte). Distances to a query come from per-query lookup tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "../runtime/thread_pool.h"
#include "kmeans.h"

namespace qv {

class Pq {
 public:
  static constexpr size_t kCodewords = 256;  // 8 bits per sub-quantiser

  Pq() = default;
  Pq(size_t dim, size_t m) : dim_(dim), m_(m), dsub_(dim / m) {}

  void train(const float* vectors, size_t n, ThreadPool& pool, uint64_t seed, size_t iterations,
             const Progress& progress);
  // codes: n x m bytes, row-major.
  void encode(const float* vectors, size_t n, uint8_t* codes, ThreadPool& pool) const;
  // tables[j * 256 + c]: |v_j - codeword(j, c)|^2 (L2), or -<v_j, codeword(j, c)> (IP).
  void tables(const float* v, bool ip, float* tables) const;

  size_t m() const { return m_; }
  size_t dsub() const { return dsub_; }
  std::vector<float>& codebooks() { return codebooks_; }
  const std::vector<float>& codebooks() const { return codebooks_; }
  // Builds the panel copy of the codebooks that tables() scans; call after setting them.
  void prepare();

 private:
  size_t dim_ = 0, m_ = 0, dsub_ = 0;
  std::vector<float> codebooks_;  // m x 256 x dsub, row-major
  std::vector<float> panels_;     // the same, each sub-codebook in panel layout
};

}  // namespace qv

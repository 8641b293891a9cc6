// Exact search over vectors that stay in a file: a sealed segment's vector column (rows x dim
// float32, row-major) mapped read-only. The pages belong to the page cache, so under memory
// pressure the kernel drops them and reads them again when a search comes; the process
// holds only a norm per row (COSINE). Rows are numbered as in the file and are their ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../common/mapped_file.h"
#include "vector_index.h"

namespace qv {

class MappedFlatIndex final : public VectorIndex {
 public:
  // Maps the file and checks it has this CRC-32C and holds `rows` vectors first (Error
  // kInvalidFile); what follows them (a column file pads its values to 8 bytes) is ignored.
  MappedFlatIndex(const std::string& path, size_t dim, Metric metric, uint32_t crc, size_t rows);

  size_t dim() const override { return dim_; }
  Metric metric() const override { return metric_; }
  size_t rows() const override { return rows_; }
  size_t memory_bytes() const override { return inverse_norms_.capacity() * sizeof(float); }
  size_t mapped_bytes() const { return rows_ * dim_ * sizeof(float); }

  SearchResult search(const float* queries, size_t nq, size_t k, BitsetView exclude, ThreadPool& pool,
                      const SearchParams& params) const override;

  // The vectors of these rows as stored, row-major, into out (n x dim).
  void vectors(const uint32_t* rows, size_t n, float* out) const;

 private:
  const float* row(size_t r) const { return data_ + r * dim_; }

  const size_t dim_;
  const Metric metric_;
  MappedFile file_;
  const size_t rows_;
  const float* const data_;  // rows_ x dim_ floats, in the mapping
  std::vector<float> inverse_norms_;  // COSINE: 1 / |row| (0 for a zero row)
};

}  // namespace qv

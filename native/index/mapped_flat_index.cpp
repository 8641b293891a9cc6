#include "mapped_flat_index.h"

#include <algorithm>
#include <cmath>

#include "../common/error.h"

namespace qv {

namespace {
constexpr size_t kRowsPerItem = 16384;  // rows one pool item scans for one query
}

MappedFlatIndex::MappedFlatIndex(const std::string& path, size_t dim, Metric metric, uint32_t crc, size_t rows)
    : dim_(dim), metric_(metric), file_(path), rows_(rows), data_(file_.vectors(rows, dim, crc)) {
  if (metric == Metric::Cosine) {
    const Kernels& kern = kernels();
    inverse_norms_.resize(rows_);
    for (size_t r = 0; r < rows_; ++r) {
      const float norm = std::sqrt(kern.ip(row(r), row(r), dim));
      inverse_norms_[r] = norm > 0 ? 1.0f / norm : 0.0f;
    }
  }
}

SearchResult MappedFlatIndex::search(const float* queries, size_t nq, size_t k, BitsetView exclude, ThreadPool& pool,
                                     const SearchParams& params) const {
  check_search_shape(nq, k);
  std::vector<float> normalized;
  queries = unit_rows_if(metric_ == Metric::Cosine, queries, nq, dim_, normalized);
  const Kernels& kern = kernels();
  const size_t blocks = std::max<size_t>(1, (rows_ + kRowsPerItem - 1) / kRowsPerItem);
  std::vector<TopK> heaps(nq * blocks, TopK(k));
  pool.parallel_for(nq * blocks, [&](size_t item) {
    const size_t q = item / blocks, first = (item % blocks) * kRowsPerItem, end = std::min(rows_, first + kRowsPerItem);
    const float* query = queries + q * dim_;
    TopK& heap = heaps[item];
    for (size_t r = first; r < end; ++r) {
      if (exclude.test(r)) continue;
      float d;
      if (metric_ == Metric::L2) d = kern.l2sq(query, row(r), dim_);
      else if (metric_ == Metric::IP) d = -kern.ip(query, row(r), dim_);
      else d = -kern.ip(query, row(r), dim_) * inverse_norms_[r];
      if (d <= heap.threshold() && params.window.contains(d)) heap.push(Hit{d, int64_t(r)});
    }
  });
  SearchResult result(nq, std::min(k, rows_));
  for (size_t q = 0; q < nq; ++q) {
    TopK merged(k);
    for (size_t b = 0; b < blocks; ++b) {
      for (const Hit& hit : heaps[q * blocks + b].take_sorted()) merged.push(hit);
    }
    result.set_row(q, merged.take_sorted(), metric_);
  }
  return result;
}

void MappedFlatIndex::vectors(const uint32_t* rows, size_t n, float* out) const {
  for (size_t i = 0; i < n; ++i) {
    if (rows[i] >= rows_) throw Error(code::kInvalidArgument, "row " + std::to_string(rows[i]) + " is past the end");
    std::copy(row(rows[i]), row(rows[i]) + dim_, out + i * dim_);
  }
}

}  // namespace qv

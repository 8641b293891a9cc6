// Exact (brute-force) search over vectors held in panel layout. Rows are numbered in the
// order they were added; removing an id hides its row (a tombstone) and never renumbers,
// so row bitsets built by callers (deletes, MVCC, filters) stay valid.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "../common/aligned_buffer.h"
#include "../kernels/kernels.h"
#include "../runtime/thread_pool.h"
#include "bitset.h"
#include "topk.h"
#include "vector_index.h"

namespace qv {

class FlatIndex final : public VectorIndex {
 public:
  FlatIndex(size_t dim, Metric metric);

  size_t dim() const override { return dim_; }
  Metric metric() const override { return metric_; }

  // Adds n vectors (row-major) with their ids. All or nothing: a non-finite value or an
  // id already present (or repeated in the batch) throws and adds no row.
  void add(const float* vectors, const int64_t* ids, size_t n);

  // Hides the rows of these ids; unknown ids are ignored. Returns how many were removed.
  size_t remove(const int64_t* ids, size_t n);

  // Top-k of each of nq queries (row-major). Rows set in `exclude` are skipped, as are
  // removed rows. Runs on `pool`; safe to call while other searches run, and serialised
  // against add and remove. Of the params, only the window applies.
  SearchResult search(const float* queries, size_t nq, size_t k, BitsetView exclude, ThreadPool& pool,
                      const SearchParams& params = {}) const override;

  // No more rows to come (a sealed segment): gives back the spare capacity growth left.
  void shrink();

  size_t size() const { return live_.load(std::memory_order_relaxed); }  // rows not removed
  size_t rows() const override;                                           // rows ever added
  size_t memory_bytes() const override;

  // The vectors of these rows as they were added, row-major, into out (n x dim). COSINE rows
  // are stored unit-length with their norm, so they come back within float rounding.
  // Throws QV_INVALID_ARGUMENT for a row past the end.
  void vectors(const uint32_t* rows, size_t n, float* out) const;

  // Row of an id, or -1.
  int64_t row_of(int64_t id) const;

 private:
  void make_sparse();  // unique lock held
  void scan_rows(const float* queries, size_t nq, size_t first_panel, size_t end_panel, size_t rows,
                 BitsetView exclude, DistanceWindow window, std::vector<TopK>& heaps) const;

  const size_t dim_;
  const Metric metric_;
  mutable std::shared_mutex mutex_;
  AlignedFloats panels_;
  size_t rows_ = 0;
  // While every id equals its row number (0, 1, 2, ...: how the database adds rows), ids_
  // and row_of_ stay empty and the id is the row; the first other id fills them in.
  bool dense_ = true;
  std::vector<int64_t> ids_;       // id of each row (when not dense)
  std::vector<uint8_t> removed_;   // tombstone bitset over rows
  std::vector<float> norms_;       // COSINE: each row's length before it was normalised
  std::unordered_map<int64_t, uint32_t> row_of_;
  std::atomic<size_t> live_{0};
};

// Throws QV_NON_FINITE naming the first NaN or infinite value, if any.
void check_finite(const float* values, size_t n, size_t dim, const char* what);

}  // namespace qv

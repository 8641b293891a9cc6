// What a segment needs of its vector index, exact or approximate: FlatIndex and IvfIndex
// both implement it, so a segment searches whichever it holds the same way, and the query
// node can swap a built IVF index in for the exact one without the reads knowing.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../kernels/kernels.h"
#include "../runtime/thread_pool.h"
#include "bitset.h"
#include "topk.h"

namespace qv {

// The hits a range search keeps, in the internal "smaller is better" terms: lo <= d < hi.
struct DistanceWindow {
  float lo = -__builtin_inff();
  float hi = __builtin_inff();
  bool bounded() const { return lo != -__builtin_inff() || hi != __builtin_inff(); }
  bool contains(float d) const { return d >= lo && d < hi; }
};

// Milvus's range search in a metric's own terms: L2 keeps range_filter <= d < radius; IP and
// COSINE keep radius < s <= range_filter (range_filter is optional: NaN for none).
DistanceWindow range_window(Metric metric, float radius, float range_filter);

// How one search runs; an exact index ignores what only an approximate one uses.
struct SearchParams {
  size_t nprobe = 8;  // IVF: lists scanned
  size_t refine = 1;  // IVF_PQ with kept vectors: candidates re-ranked exactly, as a multiple of k
  DistanceWindow window;
};

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  virtual size_t dim() const = 0;
  virtual Metric metric() const = 0;
  virtual size_t rows() const = 0;  // rows ever added: the length a row bitset covers
  virtual size_t memory_bytes() const = 0;

  // Top-k of each of nq queries (row-major), skipping rows set in `exclude`; ids are the ids
  // the rows were added with. Safe to call from many threads at once.
  virtual SearchResult search(const float* queries, size_t nq, size_t k, BitsetView exclude, ThreadPool& pool,
                              const SearchParams& params) const = 0;
};

}  // namespace qv

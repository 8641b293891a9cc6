// Reads over the segments of one collection, as a map-reduce: each segment is searched with
// a bitset of the rows the read must not see (deleted, or newer than the read timestamp),
// then the per-segment top k are merged by score, ties to the smaller primary key, each key
// once (Milvus's reduce does the same).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "../expr/filter.h"
#include "../index/vector_index.h"
#include "../runtime/thread_pool.h"
#include "segment_rows.h"

namespace qv {

// One segment as a read sees it: its rows, and the index of the vector field searched.
struct SegmentPart {
  std::shared_ptr<const SegmentRows> rows;
  std::shared_ptr<const VectorIndex> index;  // null for reads that need no vectors
};

// Every query's hits, best first, one query after another (counts[q] of them for query q),
// column by column: a search's answer is handed to JavaScript as these columns, copied whole.
struct MergedHits {
  std::vector<uint32_t> counts;
  std::vector<uint32_t> parts;  // which of the parts
  std::vector<uint32_t> rows;
  std::vector<float> scores;      // in the metric's own terms
  std::vector<int64_t> int_keys;  // the rows' keys when keys are Int64, read during the merge (else empty)

  size_t size() const { return rows.size(); }
};

// The k best hits of each of nq queries over all parts as a read at `at` sees them, best first; with a
// filter, among the rows that pass it only (the filter is applied inside the scan, so k
// come back when k rows pass); with a bounded params.window, among the hits inside it (range
// search). IVF segments scan params.nprobe lists.
MergedHits search_segments(const std::vector<SegmentPart>& parts, const float* queries, size_t nq, size_t k, ReadAt at,
                           ThreadPool& pool, const Filter* filter = nullptr, const SearchParams& params = {});

struct RowRef {
  uint32_t part;
  uint32_t row;
};

// The rows a read at `at` sees (and passing the filter, if any) in key order, each key once,
// skipping `offset` and returning at most `limit`.
std::vector<RowRef> select_rows(const std::vector<SegmentPart>& parts, ReadAt at, size_t offset, size_t limit,
                                const Filter* filter = nullptr);

// How many rows a read at `at` sees and pass the filter.
size_t count_rows(const std::vector<SegmentPart>& parts, ReadAt at, const Filter& filter);

}  // namespace qv

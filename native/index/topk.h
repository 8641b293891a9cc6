// Top-k selection and merging. Internally every score is a "distance" where smaller is
// better: L2 as is, IP and COSINE negated (Milvus does the same). Ties go to the smaller id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "../kernels/kernels.h"

namespace qv {

inline constexpr size_t kMaxK = 16384;
// Queries in one search call (Milvus's limit too): with k, it bounds a search's memory.
inline constexpr size_t kMaxNq = 16384;

// Throws Error(kInvalidK) or Error(kInvalidArgument) unless 1 <= k <= kMaxK and 1 <= nq <= kMaxNq.
void check_search_shape(size_t nq, size_t k);

struct Hit {
  float distance;
  int64_t id;
};

inline bool better(const Hit& a, const Hit& b) {
  return a.distance < b.distance || (a.distance == b.distance && a.id < b.id);
}

// The k best hits seen so far, as a max-heap on "worse".
class TopK {
 public:
  // Nothing is allocated up front: a heap grows with what it is offered, so k = 16384 over
  // a few rows costs a few rows.
  explicit TopK(size_t k) : k_(k) {}

  // Distance a candidate must beat (or tie with a smaller id) to enter.
  float threshold() const { return heap_.size() < k_ ? kInfinity : heap_.front().distance; }

  void push(Hit hit);
  // Moves the hits out, best first.
  std::vector<Hit> take_sorted();
  size_t size() const { return heap_.size(); }

 private:
  static constexpr float kInfinity = __builtin_inff();
  size_t k_;
  std::vector<Hit> heap_;
};

// Offers n scores ("smaller is better") to the heap. skip(j) says whether candidate j is
// hidden (deleted, filtered out); id(j) gives its id. Both are asked only of the rare
// candidates that beat the heap's threshold.
template <class Skip, class Id>
void offer(TopK& heap, const float* scores, size_t n, Skip skip, Id id) {
  static_assert(kPanelWidth <= 32, "a panel's candidates are one 32-bit mask");
  float threshold = heap.threshold();
  for (size_t j0 = 0; j0 < n; j0 += kPanelWidth) {
    // Once the heap is full almost nothing beats it: one branch-free pass over 16 scores
    // marks the candidates, and only those are looked at (a branch per score mispredicted
    // on every candidate). A NaN score is never marked.
    const size_t width = n - j0 < kPanelWidth ? n - j0 : kPanelWidth;
    uint32_t marked = 0;
    for (size_t j = 0; j < width; ++j) marked |= uint32_t(scores[j0 + j] <= threshold) << j;
    while (marked != 0) {
      const size_t j = j0 + size_t(__builtin_ctz(marked));
      marked &= marked - 1;
      if (!(scores[j] <= threshold) || skip(j)) continue;  // the heap's threshold fell meanwhile
      heap.push(Hit{scores[j], id(j)});
      threshold = heap.threshold();
    }
  }
}

// Results of a batch search: nq rows of k slots each, best first. counts[q] slots of row q
// are filled; the rest hold id -1 and distance NaN. Searches make k the smaller of the k
// asked for and the vectors there are, so that a large k over a small index stays small.
struct SearchResult {
  size_t nq = 0;
  size_t k = 0;
  std::vector<int64_t> ids;
  std::vector<float> distances;
  std::vector<uint32_t> counts;

  SearchResult() = default;
  SearchResult(size_t nq, size_t k);
  // Writes one row from hits sorted best first, turning internal distances into the
  // metric's own scores.
  void set_row(size_t q, const std::vector<Hit>& hits, Metric metric);
};

// The internal distance of a score in the metric's own terms, and back.
inline float to_internal(float score, Metric metric) { return metric == Metric::L2 ? score : -score; }
inline float to_score(float internal, Metric metric) { return metric == Metric::L2 ? internal : -internal; }

// k-way merge of per-segment results for the same queries: the k best per query, each id
// at most once (its best hit is kept, as Milvus's reduce does).
SearchResult merge_results(const std::vector<const SearchResult*>& parts, size_t k, Metric metric);

}  // namespace qv

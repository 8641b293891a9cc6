#include "topk.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "../common/error.h"

namespace qv {

namespace {
// std::push_heap keeps the "largest" on top; with this order that is the worst hit. A type,
// not a function pointer, so that the heap code inlines it.
struct WorseFirst {
  bool operator()(const Hit& a, const Hit& b) const { return better(a, b); }
};
}  // namespace

void TopK::push(Hit hit) {
  if (std::isnan(hit.distance)) hit.distance = kInfinity;  // NaN would break the ordering
  if (heap_.size() < k_) {
    heap_.push_back(hit);
    std::push_heap(heap_.begin(), heap_.end(), WorseFirst{});
    return;
  }
  if (!better(hit, heap_.front())) return;
  // The worst hit makes room: sift the new one down from the top (one pass, where a pop and
  // a push would take two).
  const size_t n = heap_.size();
  size_t at = 0;
  for (size_t child = 1; child < n; child = 2 * at + 1) {
    if (child + 1 < n && better(heap_[child], heap_[child + 1])) ++child;  // the worse child
    if (!better(hit, heap_[child])) break;
    heap_[at] = heap_[child];
    at = child;
  }
  heap_[at] = hit;
}

std::vector<Hit> TopK::take_sorted() {
  std::sort_heap(heap_.begin(), heap_.end(), WorseFirst{});
  return std::move(heap_);
}

void check_search_shape(size_t nq, size_t k) {
  if (k == 0 || k > kMaxK) throw Error(code::kInvalidK, "k must be between 1 and " + std::to_string(kMaxK) + ", got " + std::to_string(k));
  if (nq == 0 || nq > kMaxNq) {
    throw Error(code::kInvalidArgument, "a search takes 1 to " + std::to_string(kMaxNq) + " queries, got " + std::to_string(nq));
  }
}

SearchResult::SearchResult(size_t nq_, size_t k_)
    : nq(nq_),
      k(k_),
      ids(nq_ * k_, -1),
      distances(nq_ * k_, std::numeric_limits<float>::quiet_NaN()),
      counts(nq_, 0) {}

void SearchResult::set_row(size_t q, const std::vector<Hit>& hits, Metric metric) {
  const size_t n = std::min(hits.size(), k);
  for (size_t i = 0; i < n; ++i) {
    ids[q * k + i] = hits[i].id;
    distances[q * k + i] = to_score(hits[i].distance, metric);
  }
  counts[q] = uint32_t(n);
}

SearchResult merge_results(const std::vector<const SearchResult*>& parts, size_t k, Metric metric) {
  if (k == 0 || k > kMaxK) throw Error(code::kInvalidK, "k must be between 1 and 16384");
  const size_t nq = parts.empty() ? 0 : parts[0]->nq;
  size_t slots = 0;  // no row can hold more hits than all parts together
  for (const SearchResult* p : parts) {
    if (p->nq != nq) throw Error(code::kInvalidArgument, "results to merge must have the same number of queries");
    slots += p->k;
  }
  SearchResult out(nq, std::min(k, slots));
  std::vector<size_t> cursor(parts.size());
  std::vector<Hit> row;
  std::unordered_set<int64_t> seen;
  for (size_t q = 0; q < nq; ++q) {
    std::fill(cursor.begin(), cursor.end(), 0);
    row.clear();
    seen.clear();
    // Each part is sorted, so repeatedly taking the best head is a k-way merge; the
    // number of parts is small (segments), so a linear scan of the heads is cheapest.
    while (row.size() < k) {
      size_t best = parts.size();
      Hit best_hit{0, 0};
      for (size_t p = 0; p < parts.size(); ++p) {
        const SearchResult& r = *parts[p];
        if (cursor[p] >= r.counts[q]) continue;
        const size_t at = q * r.k + cursor[p];
        const Hit h{to_internal(r.distances[at], metric), r.ids[at]};
        if (best == parts.size() || better(h, best_hit)) {
          best = p;
          best_hit = h;
        }
      }
      if (best == parts.size()) break;
      ++cursor[best];
      if (seen.insert(best_hit.id).second) row.push_back(best_hit);
    }
    out.set_row(q, row, metric);
  }
  return out;
}

}  // namespace qv

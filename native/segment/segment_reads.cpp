#include "segment_reads.h"

#include <algorithm>
#include <numeric>
#include <shared_mutex>
#include <string_view>
#include <unordered_set>

#include "../index/bitset.h"
#include "../index/flat_index.h"
#include "../index/topk.h"

namespace qv {

namespace {

// Shared locks on every part's rows, for as long as keys are read.
class ReadLocks {
 public:
  explicit ReadLocks(const std::vector<SegmentPart>& parts) {
    locks_.reserve(parts.size());
    for (const SegmentPart& part : parts) locks_.emplace_back(part.rows->lock());
  }

 private:
  std::vector<std::shared_lock<std::shared_mutex>> locks_;
};

struct Candidate {
  float distance;  // smaller is better
  uint32_t part;
  uint32_t row;
  int64_t key;  // for Int64 keys (0 for VarChar)
};

// Keys already taken. A search keeps a few per query: those are compared by value in a list,
// reused from query to query; past kListed, a hash set takes over. Every segment of a
// collection has the same key type.
class SeenKeys {
 public:
  explicit SeenKeys(KeyType type) : type_(type) {}

  void clear() {
    listed_ints_.clear();
    listed_strings_.clear();
    ints_.clear();
    strings_.clear();
  }

  bool insert(const SegmentRows& rows, uint32_t row) {
    if (type_ == KeyType::kInt64) return insert(rows.int_key(row));
    return insert(listed_strings_, strings_, rows.str_key(row));
  }

  bool insert(int64_t key) { return insert(listed_ints_, ints_, key); }

 private:
  static constexpr size_t kListed = 64;

  template <typename Key, typename Set>
  static bool insert(std::vector<Key>& listed, Set& set, Key key) {
    if (listed.size() < kListed) {
      if (std::find(listed.begin(), listed.end(), key) != listed.end()) return false;
      listed.push_back(key);
      if (listed.size() == kListed) set.insert(listed.begin(), listed.end());
      return true;
    }
    return set.insert(key).second;
  }

  KeyType type_;
  std::vector<int64_t> listed_ints_;
  std::vector<std::string_view> listed_strings_;
  std::unordered_set<int64_t> ints_;
  std::unordered_set<std::string_view> strings_;
};

KeyType key_type_of(const std::vector<SegmentPart>& parts) {
  return parts.empty() ? KeyType::kInt64 : parts[0].rows->key_type();
}

}  // namespace

namespace {

// The bitset of the first `rows` rows of a part that a read must not see: deleted, newer
// than read_ts, past the rows with keys, or (with a filter) not passing it.
std::vector<uint8_t> hidden_rows(const SegmentRows& segment, ReadAt at, size_t rows, const Filter* filter) {
  std::shared_lock<std::shared_mutex> read(segment.lock());
  std::vector<uint8_t> hidden = segment.hidden(at, rows);
  if (filter == nullptr) return hidden;
  if (hidden.empty()) hidden.assign((rows + 7) / 8, 0);
  const size_t have = std::min(rows, segment.rows());
  const std::vector<uint8_t> pass = filter->evaluate(segment, have);
  for (size_t row = 0; row < have; ++row) {
    if (!pass[row]) hidden[row >> 3] |= uint8_t(1u << (row & 7));
  }
  return hidden;
}

}  // namespace

MergedHits search_segments(const std::vector<SegmentPart>& parts, const float* queries, size_t nq, size_t k, ReadAt at,
                           ThreadPool& pool, const Filter* filter, const SearchParams& params) {
  if (!parts.empty()) check_finite(queries, nq, parts[0].index->dim(), "query vector");
  std::vector<SearchResult> results(parts.size());
  // Segments in parallel, so that one query over many segments uses every core; a segment's
  // own parallel_for (over batches of queries) runs inside, with the caller working too.
  pool.parallel_for(parts.size(), [&](size_t p) {
    const SegmentPart& part = parts[p];
    // The index may hold rows whose keys are not appended yet: the bitset hides them too.
    const std::vector<uint8_t> hidden = hidden_rows(*part.rows, at, part.index->rows(), filter);
    results[p] = part.index->search(queries, nq, k, BitsetView(hidden.data(), hidden.size() * 8), pool, params);
  });
  ReadLocks locks(parts);
  const bool int_keys = key_type_of(parts) == KeyType::kInt64;
  // The merge needs every hit's key, at random rows. Int64 keys are gathered first, in one
  // loop of independent loads that the CPU overlaps (read inside the merge, each load waited
  // for the one before); VarChar keys are prefetched.
  std::vector<std::vector<int64_t>> keys(parts.size());
  for (size_t p = 0; p < parts.size(); ++p) {
    const SearchResult& r = results[p];
    const SegmentRows& rows = *parts[p].rows;
    if (int_keys) keys[p].resize(r.ids.size());
    for (size_t q = 0; q < nq; ++q) {
      for (size_t i = 0; i < r.counts[q]; ++i) {
        const size_t slot = q * r.k + i;
        if (int_keys) keys[p][slot] = rows.int_key(uint32_t(r.ids[slot]));
        else rows.prefetch_key(uint32_t(r.ids[slot]));
      }
    }
  }
  size_t found = 0;
  for (const SearchResult& r : results) found += std::accumulate(r.counts.begin(), r.counts.end(), size_t(0));
  MergedHits out;
  out.counts.assign(nq, 0);
  const size_t most = std::min(found, nq * k);
  out.parts.reserve(most);
  out.rows.reserve(most);
  out.scores.reserve(most);
  if (int_keys) out.int_keys.reserve(most);
  // Each part's metric, read once: a virtual call per hit showed in the merge's profile.
  std::vector<Metric> metrics(parts.size());
  for (size_t p = 0; p < parts.size(); ++p) metrics[p] = parts[p].index->metric();
  std::vector<Candidate> candidates;
  SeenKeys seen(key_type_of(parts));
  auto better = [&](const Candidate& a, const Candidate& b) {
    if (a.distance != b.distance) return a.distance < b.distance;
    if (int_keys) return a.key < b.key;
    return parts[a.part].rows->compare_keys(a.row, *parts[b.part].rows, b.row) < 0;
  };
  for (size_t q = 0; q < nq; ++q) {
    candidates.clear();
    for (size_t p = 0; p < parts.size(); ++p) {
      const SearchResult& r = results[p];
      for (size_t i = 0; i < r.counts[q]; ++i) {
        const size_t slot = q * r.k + i;
        const int64_t key = int_keys ? keys[p][slot] : 0;
        candidates.push_back(Candidate{to_internal(r.distances[slot], metrics[p]), uint32_t(p), uint32_t(r.ids[slot]), key});
      }
    }
    // One segment's hits come sorted already (unless two tie out of key order).
    if (!std::is_sorted(candidates.begin(), candidates.end(), better)) std::sort(candidates.begin(), candidates.end(), better);
    seen.clear();
    uint32_t& count = out.counts[q];
    for (const Candidate& c : candidates) {
      if (count == k) break;
      if (!(int_keys ? seen.insert(c.key) : seen.insert(*parts[c.part].rows, c.row))) continue;
      out.parts.push_back(c.part);
      out.rows.push_back(c.row);
      out.scores.push_back(to_score(c.distance, metrics[c.part]));
      if (int_keys) out.int_keys.push_back(c.key);
      ++count;
    }
  }
  return out;
}

std::vector<RowRef> select_rows(const std::vector<SegmentPart>& parts, ReadAt at, size_t offset, size_t limit,
                                const Filter* filter) {
  ReadLocks locks(parts);
  std::vector<RowRef> refs;
  for (size_t p = 0; p < parts.size(); ++p) {
    const SegmentRows& rows = *parts[p].rows;
    const std::vector<uint8_t> pass = filter != nullptr ? filter->evaluate(rows, rows.rows()) : std::vector<uint8_t>();
    for (uint32_t row = 0; row < rows.rows(); ++row) {
      if (rows.visible(row, at) && (filter == nullptr || pass[row])) refs.push_back(RowRef{uint32_t(p), row});
    }
  }
  auto less = [&](const RowRef& a, const RowRef& b) {
    return parts[a.part].rows->compare_keys(a.row, *parts[b.part].rows, b.row) < 0;
  };
  // Only the first offset + limit need order.
  const size_t wanted = limit >= refs.size() || offset >= refs.size() - limit ? refs.size() : offset + limit;
  std::partial_sort(refs.begin(), refs.begin() + std::ptrdiff_t(wanted), refs.end(), less);
  refs.resize(wanted);
  // At one timestamp a key has at most one visible row; should two ever show, the first stays.
  SeenKeys seen(key_type_of(parts));
  std::vector<RowRef> out;
  size_t skipped = 0;
  for (const RowRef& ref : refs) {
    if (!seen.insert(*parts[ref.part].rows, ref.row)) continue;
    if (skipped++ < offset) continue;
    out.push_back(ref);
  }
  return out;
}

size_t count_rows(const std::vector<SegmentPart>& parts, ReadAt at, const Filter& filter) {
  ReadLocks locks(parts);
  size_t count = 0;
  for (const SegmentPart& part : parts) {
    const SegmentRows& rows = *part.rows;
    const std::vector<uint8_t> pass = filter.evaluate(rows, rows.rows());
    for (uint32_t row = 0; row < rows.rows(); ++row) count += pass[row] && rows.visible(row, at) ? 1 : 0;
  }
  return count;
}

}  // namespace qv

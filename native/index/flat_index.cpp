#include "flat_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <string>

#include "../common/error.h"
#include "../kernels/panel_layout.h"

namespace qv {

namespace {
constexpr size_t kBlockPanels = 64;         // rows scored per kernel call: 1024
constexpr size_t kQueryTile = 128;          // queries scored together against a block
// Multiply-adds below which handing part of a tile to another thread costs more (its
// wake-up, another heap) than it saves: about 50 us of work.
constexpr size_t kMinChunkWork = size_t(1) << 21;
}  // namespace

void check_finite(const float* values, size_t n, size_t dim, const char* what) {
  // A pass with no branch first (it vectorises): NaN and infinities are the floats whose
  // exponent bits are all set. Only a batch that has one is walked again to name it.
  uint32_t all_exponent_bits = 0;
  for (size_t i = 0; i < n * dim; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &values[i], sizeof bits);
    all_exponent_bits |= uint32_t((bits & 0x7f800000u) == 0x7f800000u);
  }
  if (all_exponent_bits == 0) return;
  for (size_t i = 0; i < n * dim; ++i) {
    if (!std::isfinite(values[i])) {
      throw Error(code::kNonFinite, std::string(what) + " " + std::to_string(i / dim) + " has a " +
                                        (std::isnan(values[i]) ? "NaN" : "infinite") + " value at dimension " +
                                        std::to_string(i % dim));
    }
  }
}

FlatIndex::FlatIndex(size_t dim, Metric metric) : dim_(dim), metric_(metric) {
  if (dim == 0 || dim > 65536) throw Error(code::kInvalidArgument, "dimension must be between 1 and 65536");
}

size_t FlatIndex::rows() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return rows_;
}

int64_t FlatIndex::row_of(int64_t id) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  if (dense_) return id >= 0 && size_t(id) < rows_ && !(removed_[size_t(id) >> 3] & (1u << (id & 7))) ? id : -1;
  auto it = row_of_.find(id);
  return it == row_of_.end() ? -1 : int64_t(it->second);
}

void FlatIndex::vectors(const uint32_t* rows, size_t n, float* out) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  for (size_t i = 0; i < n; ++i) {
    if (rows[i] >= rows_) throw Error(code::kInvalidArgument, "row " + std::to_string(rows[i]) + " is past the end");
    float* row = out + i * dim_;
    panel_get(panels_.data(), dim_, rows[i], row);
    if (!norms_.empty()) {
      for (size_t d = 0; d < dim_; ++d) row[d] *= norms_[rows[i]];
    }
  }
}

void FlatIndex::shrink() {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  panels_.shrink_to_fit();
  norms_.shrink_to_fit();
  ids_.shrink_to_fit();
  removed_.shrink_to_fit();
}

size_t FlatIndex::memory_bytes() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  // The map's nodes dominate its cost: key, value, next pointer and the bucket slot.
  return panels_.capacity() * sizeof(float) + norms_.capacity() * sizeof(float) + ids_.capacity() * sizeof(int64_t) + removed_.capacity() +
         row_of_.size() * (sizeof(int64_t) + sizeof(uint32_t) + 2 * sizeof(void*)) +
         row_of_.bucket_count() * sizeof(void*);
}

void FlatIndex::add(const float* vectors, const int64_t* ids, size_t n) {
  if (n == 0) return;
  check_finite(vectors, n, dim_, "vector");
  std::vector<float> normalized;
  const float* raw = vectors;
  vectors = unit_rows_if(metric_ == Metric::Cosine, vectors, n, dim_, normalized);

  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (rows_ + n > UINT32_MAX) throw Error(code::kInvalidArgument, "an index holds at most 2^32 - 1 rows");
  bool consecutive = dense_;
  for (size_t i = 0; i < n && consecutive; ++i) consecutive = ids[i] == int64_t(rows_ + i);
  if (!consecutive && dense_) make_sparse();
  if (!consecutive) {
    std::unordered_map<int64_t, uint32_t> batch;
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      if (row_of_.count(ids[i]) != 0 || !batch.emplace(ids[i], 0).second) {
        throw Error(code::kDuplicateId, "id " + std::to_string(ids[i]) + " is already in the index");
      }
    }
  }
  const size_t first = rows_;
  if (metric_ == Metric::Cosine) {
    norms_.resize(first + n);
    for (size_t i = 0; i < n; ++i) {
      double sum = 0;
      for (size_t d = 0; d < dim_; ++d) sum += double(raw[i * dim_ + d]) * raw[i * dim_ + d];
      norms_[first + i] = float(std::sqrt(sum));
    }
  }
  panels_.resize(panel_count(first + n) * panel_floats(dim_));
  pack_rows(vectors, n, dim_, panels_.data(), first);
  removed_.resize((first + n + 7) / 8, 0);
  if (!dense_) {
    ids_.insert(ids_.end(), ids, ids + n);
    row_of_.reserve(first + n);
    for (size_t i = 0; i < n; ++i) row_of_.emplace(ids[i], uint32_t(first + i));
  }
  rows_ = first + n;
  live_.fetch_add(n, std::memory_order_relaxed);
}

void FlatIndex::make_sparse() {
  ids_.resize(rows_);
  row_of_.reserve(rows_);
  for (size_t r = 0; r < rows_; ++r) {
    ids_[r] = int64_t(r);
    if (!(removed_[r >> 3] & (1u << (r & 7)))) row_of_.emplace(int64_t(r), uint32_t(r));
  }
  dense_ = false;
}

size_t FlatIndex::remove(const int64_t* ids, size_t n) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  size_t removed = 0;
  for (size_t i = 0; i < n; ++i) {
    if (dense_) {
      const int64_t r = ids[i];
      if (r < 0 || size_t(r) >= rows_ || (removed_[size_t(r) >> 3] & (1u << (r & 7)))) continue;
      removed_[size_t(r) >> 3] |= uint8_t(1u << (r & 7));
      ++removed;
      continue;
    }
    auto it = row_of_.find(ids[i]);
    if (it == row_of_.end()) continue;
    removed_[it->second >> 3] |= uint8_t(1u << (it->second & 7));
    row_of_.erase(it);
    ++removed;
  }
  live_.fetch_sub(removed, std::memory_order_relaxed);
  return removed;
}

void FlatIndex::scan_rows(const float* queries, size_t nq, size_t first_panel, size_t end_panel, size_t rows,
                          BitsetView exclude, DistanceWindow window, std::vector<TopK>& heaps) const {
  const Kernels& k = kernels();
  const PanelScan scan = metric_ == Metric::L2 ? k.scan_l2sq : k.scan_neg_ip;
  const BitsetView removed(removed_.data(), rows_);
  const size_t ld = kBlockPanels * kPanelWidth;
  std::vector<float> scores(nq * ld);
  for (size_t p0 = first_panel; p0 < end_panel; p0 += kBlockPanels) {
    const size_t np = std::min(kBlockPanels, end_panel - p0);
    scan(queries, nq, panels_.data() + p0 * panel_floats(dim_), np, dim_, scores.data(), ld);
    const size_t row0 = p0 * kPanelWidth;
    const size_t block_rows = std::min(np * kPanelWidth, rows - row0);
    if (window.bounded()) {  // out of range: NaN, which never enters a heap
      for (size_t q = 0; q < nq; ++q) {
        float* s = scores.data() + q * ld;
        for (size_t j = 0; j < block_rows; ++j) s[j] = s[j] >= window.lo && s[j] < window.hi ? s[j] : __builtin_nanf("");
      }
    }
    for (size_t q = 0; q < nq; ++q) {
      offer(
          heaps[q], scores.data() + q * ld, block_rows,
          [&](size_t j) { return removed.test(row0 + j) || exclude.test(row0 + j); },
          [&](size_t j) { return dense_ ? int64_t(row0 + j) : ids_[row0 + j]; });
    }
  }
}

SearchResult FlatIndex::search(const float* queries, size_t nq, size_t k, BitsetView exclude, ThreadPool& pool,
                               const SearchParams& params) const {
  const DistanceWindow window = params.window;
  check_search_shape(nq, k);
  check_finite(queries, nq, dim_, "query");
  std::vector<float> normalized;
  queries = unit_rows_if(metric_ == Metric::Cosine, queries, nq, dim_, normalized);

  std::shared_lock<std::shared_mutex> lock(mutex_);
  const size_t rows = rows_;
  const size_t npanels = panel_count(rows);
  SearchResult result(nq, std::min(k, live_.load(std::memory_order_relaxed)));
  if (nq == 0 || rows == 0) return result;

  // Work items are (query tile, panel range) pairs. Few tiles: split the rows so every
  // thread helps with each query; many tiles: one range each, and no merge is needed.
  const size_t tiles = (nq + kQueryTile - 1) / kQueryTile;
  const size_t threads = pool.size();
  size_t chunks = tiles >= threads ? 1 : (2 * threads + tiles - 1) / tiles;
  const size_t tile_work = rows * dim_ * std::min(nq, kQueryTile);
  chunks = std::max<size_t>(1, std::min(chunks, tile_work / kMinChunkWork));
  const size_t panels_per_chunk = (npanels + chunks - 1) / chunks;

  std::vector<std::vector<TopK>> partial(tiles * chunks);
  pool.parallel_for(tiles * chunks, [&](size_t item) {
    const size_t tile = item / chunks, chunk = item % chunks;
    const size_t q0 = tile * kQueryTile, tq = std::min(kQueryTile, nq - q0);
    const size_t first = chunk * panels_per_chunk;
    const size_t end = std::min(npanels, first + panels_per_chunk);
    std::vector<TopK>& heaps = partial[item];
    heaps.assign(tq, TopK(k));
    if (first < end) scan_rows(queries + q0 * dim_, tq, first, end, rows, exclude, window, heaps);
  });

  for (size_t tile = 0; tile < tiles; ++tile) {
    const size_t q0 = tile * kQueryTile, tq = std::min(kQueryTile, nq - q0);
    for (size_t i = 0; i < tq; ++i) {
      TopK& merged = partial[tile * chunks][i];
      for (size_t c = 1; c < chunks; ++c) {
        for (const Hit& h : partial[tile * chunks + c][i].take_sorted()) merged.push(h);
      }
      result.set_row(q0 + i, merged.take_sorted(), metric_);
    }
  }
  return result;
}

}  // namespace qv

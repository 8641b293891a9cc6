#include "segment_rows.h"

#include <algorithm>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <string>
#include <utility>

#include "../common/error.h"

namespace qv {

namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finaliser: sequential keys spread over the table
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t hash_int(int64_t key) { return mix(uint64_t(key)); }
uint64_t hash_str(std::string_view key) { return mix(std::hash<std::string_view>()(key)); }

}  // namespace

SegmentRows::SegmentRows(KeyType type, const std::vector<ColumnType>& columns) : type_(type) {
  for (ColumnType column : columns) columns_.emplace_back(column);
}

void SegmentRows::append_fixed(size_t i, const void* values, size_t n, const uint8_t* valid) {
  std::unique_lock<std::shared_mutex> write(mutex_);
  columns_.at(i).append_fixed(values, n, valid);
}

void SegmentRows::append_text(size_t i, const std::vector<std::string>& values, const uint8_t* valid) {
  std::unique_lock<std::shared_mutex> write(mutex_);
  columns_.at(i).append_text(values, valid);
}

uint64_t SegmentRows::hash_of(uint32_t row) const {
  return type_ == KeyType::kInt64 ? hash_int(int_keys_[row]) : hash_str(str_key(row));
}

bool SegmentRows::grow_table(size_t rows) {
  if (rows * 2 <= table_.size()) return false;
  size_t capacity = 16;
  while (capacity < rows * 2) capacity *= 2;
  table_.assign(capacity, 0);
  for (uint32_t row = 0; row < insert_ts_.size(); ++row) index_row(row);
  return true;
}

void SegmentRows::index_row(uint32_t row) {
  const size_t mask = table_.size() - 1;
  for (size_t slot = hash_of(row) & mask;; slot = (slot + 1) & mask) {
    const uint32_t there = table_[slot];
    if (there == 0) {
      table_[slot] = row + 1;
      return;
    }
    if (compare_keys(there - 1, *this, row) == 0) {
      // The key's last inserted row is the one that may be live. Rows usually come in insert
      // order, but a compaction may copy an older, deleted row (kept for reads at older
      // timestamps) after the newer one.
      if (insert_ts_[row] >= insert_ts_[there - 1]) table_[slot] = row + 1;
      return;
    }
  }
}

template <class Equal>
int64_t SegmentRows::find_newest(uint64_t hash, Equal equal) const {
  if (table_.empty()) return -1;
  const size_t mask = table_.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    const uint32_t there = table_[slot];
    if (there == 0) return -1;
    if (equal(there - 1)) return int64_t(there - 1);
  }
}

void SegmentRows::after_append(const int64_t* ts, size_t first, size_t n) {
  insert_ts_.insert(insert_ts_.end(), ts, ts + n);
  for (size_t i = 0; i < n; ++i) {
    max_insert_ts_ = std::max(max_insert_ts_, ts[i]);
    min_insert_ts_ = std::min(min_insert_ts_, ts[i]);
  }
  if (grow_table(first + n)) return;  // rebuilt with every row
  for (size_t row = first; row < first + n; ++row) index_row(uint32_t(row));
}

void SegmentRows::append(const int64_t* keys, const int64_t* ts, size_t n) {
  std::unique_lock<std::shared_mutex> write(mutex_);
  const size_t first = rows();
  int_keys_.insert(int_keys_.end(), keys, keys + n);
  after_append(ts, first, n);
}

void SegmentRows::append(const std::vector<std::string>& keys, const int64_t* ts) {
  std::unique_lock<std::shared_mutex> write(mutex_);
  const size_t first = rows();
  for (const std::string& key : keys) {
    str_bytes_ += key;
    str_offsets_.push_back(str_bytes_.size());
  }
  after_append(ts, first, keys.size());
}

void SegmentRows::mark_deleted(uint32_t row, int64_t ts) {
  if (delete_ts_.size() < insert_ts_.size()) {
    delete_ts_.resize(insert_ts_.capacity(), 0);
    deleted_bits_.resize((delete_ts_.size() + 7) / 8, 0);
  }
  delete_ts_[row] = ts;
  deleted_bits_[row >> 3] |= uint8_t(1u << (row & 7));
  ++deleted_;
  max_delete_ts_ = std::max(max_delete_ts_, ts);
}

bool SegmentRows::remove(uint32_t row, int64_t ts) {
  if (row >= rows() || is_deleted(row) || insert_ts_[row] >= ts) return false;
  std::unique_lock<std::shared_mutex> write(mutex_);
  mark_deleted(row, ts);
  return true;
}

template <class Key, class KeyOf>
void SegmentRows::delete_by_key(std::unordered_map<Key, std::vector<int64_t>>& stamps, KeyOf key_of) {
  for (auto& [key, list] : stamps) std::sort(list.begin(), list.end());
  std::unique_lock<std::shared_mutex> write(mutex_);
  for (uint32_t row = 0; row < rows(); ++row) {
    auto it = stamps.find(key_of(row));
    if (it == stamps.end() || is_deleted(row)) continue;
    // The earliest delete of the key later than the row's insert.
    auto later = std::upper_bound(it->second.begin(), it->second.end(), insert_ts_[row]);
    if (later != it->second.end()) mark_deleted(row, *later);
  }
}

void SegmentRows::apply_deletes(const int64_t* keys, const int64_t* ts, size_t n) {
  std::unordered_map<int64_t, std::vector<int64_t>> stamps;
  for (size_t i = 0; i < n; ++i) stamps[keys[i]].push_back(ts[i]);
  delete_by_key(stamps, [&](uint32_t row) { return int_keys_[row]; });
}

void SegmentRows::apply_deletes(const std::vector<std::string>& keys, const int64_t* ts) {
  std::unordered_map<std::string_view, std::vector<int64_t>> stamps;
  for (size_t i = 0; i < keys.size(); ++i) stamps[keys[i]].push_back(ts[i]);
  delete_by_key(stamps, [&](uint32_t row) { return str_key(row); });
}

int64_t SegmentRows::find_live(int64_t key) const {
  if (type_ != KeyType::kInt64) return -1;
  const int64_t row = find_newest(hash_int(key), [&](uint32_t r) { return int_keys_[r] == key; });
  return row >= 0 && !is_deleted(uint32_t(row)) ? row : -1;
}

int64_t SegmentRows::find_live(std::string_view key) const {
  if (type_ != KeyType::kVarChar) return -1;
  const int64_t row = find_newest(hash_str(key), [&](uint32_t r) { return str_key(r) == key; });
  return row >= 0 && !is_deleted(uint32_t(row)) ? row : -1;
}

size_t SegmentRows::visible_count(ReadAt at) const {
  if (all_seen(at)) return rows() - deleted_;
  size_t count = 0;
  for (uint32_t row = 0; row < rows(); ++row) count += visible(row, at) ? 1 : 0;
  return count;
}

bool SegmentRows::all_seen(ReadAt at) const {
  return max_insert_ts_ <= at.ts && max_delete_ts_ <= at.ts && min_insert_ts_ >= at.expired_before;
}

std::vector<uint8_t> SegmentRows::hidden(ReadAt at, size_t rows) const {
  const size_t have = std::min(rows, this->rows());
  const bool all_seen = this->all_seen(at);
  if (all_seen && deleted_ == 0 && have == rows) return {};
  std::vector<uint8_t> bits((rows + 7) / 8, 0);
  if (all_seen) {
    const size_t bytes = std::min(deleted_bits_.size(), (have + 7) / 8);
    std::copy(deleted_bits_.begin(), deleted_bits_.begin() + bytes, bits.begin());
  } else {
    for (uint32_t row = 0; row < have; ++row) {
      if (!visible(row, at)) bits[row >> 3] |= uint8_t(1u << (row & 7));
    }
  }
  for (size_t row = have; row < rows; ++row) bits[row >> 3] |= uint8_t(1u << (row & 7));
  return bits;
}

int SegmentRows::compare_keys(uint32_t row, const SegmentRows& other, uint32_t other_row) const {
  if (type_ == KeyType::kInt64) {
    const int64_t a = int_keys_[row], b = other.int_keys_[other_row];
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return str_key(row).compare(other.str_key(other_row));
}

void SegmentRows::shrink() {
  std::unique_lock<std::shared_mutex> write(mutex_);
  int_keys_.shrink_to_fit();
  str_offsets_.shrink_to_fit();
  str_bytes_.shrink_to_fit();
  insert_ts_.shrink_to_fit();
  for (Column& column : columns_) column.shrink();
  if (deleted_ == 0) {
    std::vector<int64_t>().swap(delete_ts_);
    std::vector<uint8_t>().swap(deleted_bits_);
  } else {
    delete_ts_.resize(rows());
    delete_ts_.shrink_to_fit();
    deleted_bits_.resize((rows() + 7) / 8);
    deleted_bits_.shrink_to_fit();
  }
}

size_t SegmentRows::memory_bytes() const {
  size_t bytes = int_keys_.capacity() * 8 + str_offsets_.capacity() * 8 + str_bytes_.capacity() + insert_ts_.capacity() * 8 +
                 delete_ts_.capacity() * 8 + deleted_bits_.capacity() + table_.capacity() * 4;
  for (const Column& column : columns_) bytes += column.memory_bytes();
  for (const auto& index : scalar_indexes_) bytes += index ? index->memory_bytes() : 0;
  return bytes;
}

void SegmentRows::build_scalar_index(size_t i) {
  if (i >= columns_.size()) throw Error(code::kInvalidArgument, "no column " + std::to_string(i));
  std::unique_ptr<const ScalarIndex> index;
  {
    std::shared_lock<std::shared_mutex> read(mutex_);
    index = std::make_unique<const ScalarIndex>(columns_[i], rows());
  }
  std::unique_lock<std::shared_mutex> write(mutex_);
  if (scalar_indexes_.size() < columns_.size()) scalar_indexes_.resize(columns_.size());
  scalar_indexes_[i] = std::move(index);
}

void SegmentRows::drop_scalar_index(size_t i) {
  std::unique_lock<std::shared_mutex> write(mutex_);
  if (i < scalar_indexes_.size()) scalar_indexes_[i].reset();
}

}  // namespace qv

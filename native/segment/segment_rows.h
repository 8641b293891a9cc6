// The rows of one segment as the query node needs them natively: each row's primary key,
// insert timestamp and delete timestamp, a hash table from a key to its newest row, and the
// scalar columns (which filters read). A batch's columns are appended before its keys: the
// rows a reader sees are those with a key.
// Rows keep their numbers for life, so bitsets over them (deletes, MVCC, filters) stay valid.
//
// Visibility at a read timestamp T (MVCC, as Milvus's segcore): row r is seen iff
// insert_ts[r] <= T and not (delete_ts[r] != 0 and delete_ts[r] <= T).
//
// Thread safety: one writer thread (the query node applying the log, on the JS thread) and
// any number of readers on the pool. The methods that change rows take `lock()` exclusively;
// readers on other threads hold it shared while they look; the writer's own reads need no lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "column.h"
#include "scalar_index.h"

namespace qv {

enum class KeyType { kInt64, kVarChar };

// What a read sees: rows inserted at or before ts, not deleted at or before it, and (with a
// collection TTL) inserted at or after expired_before.
struct ReadAt {
  ReadAt(int64_t ts, int64_t expired_before = std::numeric_limits<int64_t>::min()) : ts(ts), expired_before(expired_before) {}
  int64_t ts;
  int64_t expired_before;
};

class SegmentRows {
 public:
  explicit SegmentRows(KeyType type, const std::vector<ColumnType>& columns = {});

  KeyType key_type() const { return type_; }
  size_t rows() const { return insert_ts_.size(); }
  size_t deleted() const { return deleted_; }

  // Appends n rows: Int64 keys, or VarChar keys (`keys` only for the matching type), each
  // with its insert timestamp. A key already here points at its new row from now on.
  void append(const int64_t* keys, const int64_t* ts, size_t n);
  void append(const std::vector<std::string>& keys, const int64_t* ts);

  size_t column_count() const { return columns_.size(); }
  const Column& column(size_t i) const { return columns_[i]; }
  // Appends to column i: n fixed-width values, or text values; `valid` as in Column.
  void append_fixed(size_t i, const void* values, size_t n, const uint8_t* valid);
  void append_text(size_t i, const std::vector<std::string>& values, const uint8_t* valid);

  // Marks a row deleted at ts if it was inserted before ts and is not deleted yet; false otherwise.
  bool remove(uint32_t row, int64_t ts);

  // Deletes recorded elsewhere (a sealed segment's delta files): each row whose key is
  // among `keys` is deleted at the earliest of that key's timestamps later than its insert.
  void apply_deletes(const int64_t* keys, const int64_t* ts, size_t n);
  void apply_deletes(const std::vector<std::string>& keys, const int64_t* ts);

  // The newest row of a key if it is not deleted, else -1.
  int64_t find_live(int64_t key) const;
  int64_t find_live(std::string_view key) const;

  bool is_deleted(uint32_t row) const { return row < delete_ts_.size() && delete_ts_[row] != 0; }
  bool visible(uint32_t row, ReadAt at) const {
    const int64_t deleted = row < delete_ts_.size() ? delete_ts_[row] : 0;
    const int64_t inserted = insert_ts_[row];
    return inserted <= at.ts && inserted >= at.expired_before && (deleted == 0 || deleted > at.ts);
  }
  // Rows seen by a read.
  size_t visible_count(ReadAt at) const;

  // The bitset (least significant bit first) of the first `rows` rows that a read must not
  // see: deleted, newer than its timestamp, expired, or past the rows appended so far.
  // Empty when it would hide nothing.
  std::vector<uint8_t> hidden(ReadAt at, size_t rows) const;

  int64_t int_key(uint32_t row) const { return int_keys_[row]; }
  std::string_view str_key(uint32_t row) const {
    return std::string_view(str_bytes_).substr(str_offsets_[row], str_offsets_[row + 1] - str_offsets_[row]);
  }
  // Asks the cache for a row's key before it is read: a search reads its hits' keys at
  // random rows, and asking for them all first lets the loads overlap.
  void prefetch_key(uint32_t row) const {
    if (type_ == KeyType::kInt64) __builtin_prefetch(int_keys_.data() + row);
    else __builtin_prefetch(str_offsets_.data() + row);
  }
  int64_t insert_ts(uint32_t row) const { return insert_ts_[row]; }
  int64_t delete_ts(uint32_t row) const { return row < delete_ts_.size() ? delete_ts_[row] : 0; }

  // Key order across segments of one collection (same key type): <0, 0, >0.
  int compare_keys(uint32_t row, const SegmentRows& other, uint32_t other_row) const;

  // No more rows: the spare capacity goes.
  void shrink();
  size_t memory_bytes() const;

  // A sorted index over column i's rows as they are now (a sealed segment's; Error
  // kInvalidArgument for Bool and JSON columns), replacing any; built under a shared lock,
  // installed under the exclusive one. drop removes it.
  void build_scalar_index(size_t i);
  void drop_scalar_index(size_t i);
  // Column i's index, or null; read it under lock() held shared, as the column itself.
  const ScalarIndex* scalar_index(size_t i) const { return i < scalar_indexes_.size() ? scalar_indexes_[i].get() : nullptr; }

  std::shared_mutex& lock() const { return mutex_; }

 private:
  uint64_t hash_of(uint32_t row) const;
  void index_row(uint32_t row);  // the key table points the row's key at it
  bool grow_table(size_t rows);  // true if it was rebuilt (with every row)
  template <class Equal>
  int64_t find_newest(uint64_t hash, Equal equal) const;
  void mark_deleted(uint32_t row, int64_t ts);
  template <class Key, class KeyOf>
  void delete_by_key(std::unordered_map<Key, std::vector<int64_t>>& stamps, KeyOf key_of);
  void after_append(const int64_t* ts, size_t first, size_t n);
  bool all_seen(ReadAt at) const;  // every row's insert and delete is what a read at `at` sees

  const KeyType type_;
  std::vector<int64_t> int_keys_;
  std::vector<uint64_t> str_offsets_{0};  // row r's key is str_bytes_[offsets[r], offsets[r + 1])
  std::string str_bytes_;
  std::vector<Column> columns_;
  std::vector<std::unique_ptr<const ScalarIndex>> scalar_indexes_;  // by column; null: none
  std::vector<int64_t> insert_ts_;
  std::vector<int64_t> delete_ts_;  // grown to cover the rows only once a row is deleted
  std::vector<uint8_t> deleted_bits_;
  size_t deleted_ = 0;
  int64_t max_insert_ts_ = 0;
  int64_t min_insert_ts_ = std::numeric_limits<int64_t>::max();
  int64_t max_delete_ts_ = 0;
  // Open addressing over row + 1 (0: empty); at most half full, so probes stay short.
  std::vector<uint32_t> table_;
  mutable std::shared_mutex mutex_;
};

}  // namespace qv

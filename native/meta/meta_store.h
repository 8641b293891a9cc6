// The meta store: a small, synced key-value store on RocksDB for the database's catalog
// (collections, partitions, segments, channel checkpoints, the TSO window). Keys and values
// are byte strings; every write is atomic (one WriteBatch) and synced before it returns.
// One process at a time: RocksDB's lock file refuses a second opener (code QV_LOCKED).
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

namespace rocksdb {
class DB;
}  // namespace rocksdb

namespace qv {

class MetaStore {
 public:
  using Entry = std::pair<std::string, std::string>;

  explicit MetaStore(const std::string& path);
  ~MetaStore();
  MetaStore(const MetaStore&) = delete;
  MetaStore& operator=(const MetaStore&) = delete;

  std::optional<std::string> get(const std::string& key) const;
  // Every entry whose key starts with prefix, in key order.
  std::vector<Entry> scan(const std::string& prefix) const;
  // Puts, then deletes, in one synced batch.
  void write(const std::vector<Entry>& puts, const std::vector<std::string>& deletes);
  // Waits for calls under way; later calls throw QV_CLOSED.
  void close();

 private:
  std::unique_ptr<rocksdb::DB> db_;
  mutable std::shared_mutex in_use_;  // shared by every call, unique for close()
  bool closed_ = false;
};

}  // namespace qv

// rocksmq: the embedded log broker, on RocksDB. Topics hold messages with per-topic ids
// (1, 2, 3, ...); a send is durable (synced) before its ids are returned. Consumer groups
// keep their acknowledged position in the same database. Retention by age and by size
// deletes the oldest messages, whether or not any group has read them, and gives the disk
// space back within one retention interval.
//
// Layout: payloads under 64 KiB live in column family "messages": key = topic id (u32 BE)
// + message id (u64 BE), value = the payload. Larger ones live in append-only payload files
// (payload_files.h), written once. Column family "index", same keys, has every message:
// publish time (ms) and payload size, then for a large payload its file and offset (u64 LE
// each) and CRC-32C (u32 LE), so retention never reads a payload. Column family "default" holds the metadata:
//   "T" + name            -> topic id (u32 BE) + retention (i64 minutes, i64 MB)
//   "N" + topic id        -> first id, last id, message count, bytes (u64 LE each)
//   "G" + topic id + name -> acknowledged id (u64 LE)
//   "F" + file (u64 BE)   -> for each topic with payloads in that file: topic id (u32 BE)
//                            and the last message id there (u64 LE)
//   "S"                   -> next topic id (u32 BE)
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "payload_files.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace qv {

struct RocksMqOptions {
  std::string path;
  int64_t retention_minutes = 4320;  // rocksmq.retentionTimeInMinutes (-1: keep forever)
  int64_t retention_mb = 8192;       // rocksmq.retentionSizeInMB per topic (-1: no limit)
  int64_t compaction_interval_seconds = 60;  // rocksmq.compactionInterval: how often retention runs
  double lru_cache_ratio = 0.06;     // rocksmq.lrucacheratio of physical memory, 512 MiB..4 GiB
  std::vector<int> compression_types = {0, 0, 7, 7, 7};  // rocksmq.compressionTypes per level: 0 none, 7 zstd
  size_t max_payload_bytes = 8 << 20;  // like natsmq.server.maxPayload
};

struct TopicOptions {
  // Overrides of the broker-wide retention; 0 means "use the broker's".
  int64_t retention_minutes = 0;
  int64_t retention_mb = 0;
};

struct TopicStats {
  uint64_t first_id = 0;  // 0 when empty
  uint64_t last_id = 0;   // the last id ever given (0 when none)
  uint64_t messages = 0;
  uint64_t bytes = 0;     // payload bytes held
};

struct StoredMessage {
  uint64_t id;
  int64_t publish_time_ms;
  std::string payload;
};

class RocksMq {
 public:
  // The largest maxPayload that may be configured (1 GiB).
  static constexpr size_t kMaxPayloadLimit = size_t(1) << 30;

  // Throws Error(kStorage) when the database cannot be opened or read, and
  // Error(kInvalidArgument) for options out of range.
  explicit RocksMq(const RocksMqOptions& options);
  ~RocksMq();
  RocksMq(const RocksMq&) = delete;
  RocksMq& operator=(const RocksMq&) = delete;

  void close();

  void create_topic(const std::string& name, const TopicOptions& options = {});
  void drop_topic(const std::string& name);
  std::vector<std::string> list_topics() const;
  TopicStats topic_stats(const std::string& name) const;
  bool has_topic(const std::string& name) const;

  // Appends the payloads in order, as one atomic, synced write; returns their ids.
  // Concurrent sends are grouped into one write (group commit).
  std::vector<uint64_t> send(const std::string& topic, const std::vector<std::string>& payloads);

  // Up to `max` messages with id >= from, in order.
  std::vector<StoredMessage> read(const std::string& topic, uint64_t from, size_t max) const;

  // Consumer groups: the id after which delivery resumes (0: nothing acknowledged yet).
  uint64_t group_position(const std::string& topic, const std::string& group) const;
  bool has_group(const std::string& topic, const std::string& group) const;
  void create_group(const std::string& topic, const std::string& group, uint64_t position);
  void ack(const std::string& topic, const std::string& group, uint64_t id);  // never moves backward
  void drop_group(const std::string& topic, const std::string& group);

  // Runs retention now (normally done every compaction interval); returns messages deleted.
  uint64_t enforce_retention();

  // Called (on the writer thread) after messages were committed to a topic.
  void on_commit(std::function<void(const std::string& topic, uint64_t last_id)> listener);

  static bool valid_topic_name(const std::string& name);

 private:
  struct Topic;
  struct PendingSend;
  class Writer;

  Topic& topic(const std::string& name) const;  // throws QV_TOPIC_NOT_FOUND; under mutex_
  std::shared_ptr<Topic> shared_topic(const std::string& name) const;  // the same, kept alive past a drop
  void load_metadata();
  void release_database();
  void retention_loop();
  uint64_t trim(Topic& t, int64_t now_ms);
  void delete_unused_payload_files();
  bool deleted_by_retention(const std::string& topic, uint64_t id) const;
  void write_stats(void* batch, uint32_t topic_id, const TopicStats& stats);
  void check_open() const;

  RocksMqOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* messages_ = nullptr;
  rocksdb::ColumnFamilyHandle* index_ = nullptr;
  mutable std::shared_mutex in_use_;  // held shared by each call that uses db_, exclusive by close()
  std::mutex write_mutex_;  // one batch at a time: the writer's sends, retention, topic changes
  mutable std::mutex mutex_;  // topics_, groups, next_topic_id_, file_topics_
  // Shared with sends and retention passes under way, which check Topic::dropped.
  std::map<std::string, std::shared_ptr<Topic>> topics_;
  std::unique_ptr<PayloadFiles> payloads_;  // used under write_mutex_ (its readers need no lock)
  // For each payload file: topic id -> the last message id with its payload there.
  std::map<uint64_t, std::map<uint32_t, uint64_t>> file_topics_;
  uint32_t next_topic_id_ = 1;
  std::unique_ptr<Writer> writer_;
  std::mutex listener_mutex_;  // set on one thread, called on the writer's
  std::function<void(const std::string&, uint64_t)> listener_;
  std::thread retention_thread_;
  std::condition_variable retention_wake_;
  bool closed_ = false;
};

}  // namespace qv

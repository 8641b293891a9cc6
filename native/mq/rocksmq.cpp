#include "rocksmq.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <set>

#include "../common/bytes.h"
#include "../common/crc32c.h"
#include "../common/error.h"
#include "../storage/rocksdb_status.h"

namespace qv {

namespace {

constexpr size_t kLargePayload = 64 << 10;  // payloads this large go to payload files
// One read returns at least one message, then stops past this. Small, because a read's
// payloads are allocated together in the reading thread's malloc arena, and glibc keeps an
// arena's freed top (up to its trim threshold, often 10s of MiB) resident: 32 MiB reads
// kept ~60 MiB more resident in bench/db than 4 MiB reads; its insert rate did not drop.
constexpr size_t kReadBytes = 4 << 20;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string message_key(uint32_t topic, uint64_t id) {
  std::string k;
  put_be32(k, topic);
  put_be64(k, id);
  return k;
}
std::string meta_key(char kind, uint32_t topic, const std::string& suffix = "") {
  std::string k(1, kind);
  put_be32(k, topic);
  return k + suffix;
}

// The index entry of a message: publish time and size (u64 LE), then for a large payload
// its file and offset (u64 LE) and CRC-32C (u32 LE).
constexpr size_t kLargeIndexEntry = 36;

std::string index_entry(int64_t time, uint64_t size, const PayloadRef* ref) {
  std::string v;
  put_le64(v, uint64_t(time));
  put_le64(v, size);
  if (ref != nullptr) {
    put_le64(v, ref->file);
    put_le64(v, ref->offset);
    put_le32(v, ref->crc);
  }
  return v;
}

struct IndexEntry {
  int64_t time;
  uint64_t size;
  bool in_file;  // the payload is in a payload file, at `ref`; otherwise in "messages"
  PayloadRef ref;
};

IndexEntry parse_index_entry(const rocksdb::Slice& v) {
  const char* p = v.data();
  IndexEntry e{int64_t(get_le64(p)), get_le64(p + 8), v.size() == kLargeIndexEntry, {}};
  if (e.in_file) e.ref = PayloadRef{get_le64(p + 16), get_le64(p + 24), e.size, get_le32(p + 32)};
  return e;
}

std::string file_key(uint64_t file) {
  std::string k(1, 'F');
  put_be64(k, file);
  return k;
}

std::string file_topics_value(const std::map<uint32_t, uint64_t>& topics) {
  std::string v;
  for (const auto& [topic, last] : topics) {
    put_be32(v, topic);
    put_le64(v, last);
  }
  return v;
}

rocksdb::CompressionType compression(int type) {
  if (type == 0) return rocksdb::kNoCompression;
  if (type == 7) return rocksdb::kZSTD;
  throw Error(code::kInvalidArgument, "rocksmq.compressionTypes may hold 0 (none) and 7 (zstd) only");
}

}  // namespace

struct RocksMq::Topic {
  std::string name;
  uint32_t id = 0;
  TopicOptions options;
  TopicStats stats;  // guarded by RocksMq::mutex_
  std::map<std::string, uint64_t> groups;
  bool dropped = false;  // set under write_mutex_ and mutex_: a send or retention pass that still holds it stops
};

struct RocksMq::PendingSend {
  std::shared_ptr<Topic> topic;
  const std::vector<std::string>* payloads;
  std::vector<uint32_t> crcs;  // of the large payloads, in order
  std::vector<uint64_t> ids;
  std::exception_ptr error;
  bool done = false;
};

// Group commit: sends queue up while a write is in flight, and the next write takes them all.
class RocksMq::Writer {
 public:
  explicit Writer(RocksMq& mq) : mq_(mq), thread_([this] { loop(); }) {}
  ~Writer() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  void submit(PendingSend& send) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_) throw Error(code::kClosed, "the broker is closed");
    queue_.push_back(&send);
    wake_.notify_all();
    done_.wait(lock, [&] { return send.done; });
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to write
      std::deque<PendingSend*> batch;
      batch.swap(queue_);
      lock.unlock();
      try {
        commit(batch);
      } catch (...) {  // e.g. out of memory: fail these sends, and keep the writer alive
        for (PendingSend* s : batch) {
          s->ids.clear();
          s->error = std::current_exception();
        }
      }
      lock.lock();
      for (PendingSend* s : batch) s->done = true;
      done_.notify_all();
    }
  }

  void commit(std::deque<PendingSend*>& sends) {
    std::lock_guard<std::mutex> write_lock(mq_.write_mutex_);
    struct Entry {
      const Topic* topic;
      uint64_t id;
      const std::string* payload;
    };
    std::vector<Entry> entries;
    std::vector<const std::string*> large;
    std::vector<uint32_t> crcs;
    std::map<Topic*, TopicStats> before, after;
    {
      std::lock_guard<std::mutex> lock(mq_.mutex_);
      for (PendingSend* s : sends) {
        Topic& t = *s->topic;
        if (t.dropped) {  // dropped after the send looked it up; stable here, under write_mutex_
          s->error = std::make_exception_ptr(Error(code::kTopicNotFound, "topic \"" + t.name + "\" was dropped"));
          continue;
        }
        before.emplace(&t, t.stats);
        crcs.insert(crcs.end(), s->crcs.begin(), s->crcs.end());
        for (const std::string& payload : *s->payloads) {
          const uint64_t id = ++t.stats.last_id;
          if (t.stats.messages == 0) t.stats.first_id = id;
          ++t.stats.messages;
          t.stats.bytes += payload.size();
          s->ids.push_back(id);
          entries.push_back(Entry{&t, id, &payload});
          if (payload.size() >= kLargePayload) large.push_back(&payload);
        }
      }
      for (auto& [t, unused] : before) after[t] = t->stats;
    }
    try {
      // Large payloads first, synced: the index below must never point at bytes not on disk.
      const std::vector<PayloadRef> refs = large.empty() ? std::vector<PayloadRef>() : mq_.payloads_->append(large, crcs);
      const uint64_t file = refs.empty() ? 0 : refs.front().file;
      std::map<uint32_t, uint64_t> file_topics;
      if (file != 0) {
        std::lock_guard<std::mutex> lock(mq_.mutex_);
        file_topics = mq_.file_topics_[file];
      }
      // Sized up front: growing a batch of payloads would copy it several times over.
      size_t bytes = 4096 + entries.size() * 96;
      for (const Entry& e : entries) bytes += e.payload->size() < kLargePayload ? e.payload->size() : 0;
      rocksdb::WriteBatch batch(bytes);
      const int64_t now = now_ms();
      size_t next_ref = 0;
      for (const Entry& e : entries) {
        const std::string key = message_key(e.topic->id, e.id);
        const PayloadRef* ref = nullptr;
        if (e.payload->size() >= kLargePayload) {
          ref = &refs[next_ref++];
          file_topics[e.topic->id] = e.id;
        } else {
          batch.Put(mq_.messages_, key, *e.payload);
        }
        batch.Put(mq_.index_, key, index_entry(now, e.payload->size(), ref));
      }
      for (const auto& [t, stats] : after) mq_.write_stats(&batch, t->id, stats);
      if (file != 0) batch.Put(mq_.meta_, file_key(file), file_topics_value(file_topics));
      rocksdb::WriteOptions options;
      options.sync = true;  // acknowledged means on disk
      const rocksdb::Status status = mq_.db_->Write(options, &batch);
      if (!status.ok()) {
        if (file != 0) mq_.payloads_->seal();  // its tail now holds payloads nothing points to
        throw Error(code::kStorage, "rocksmq write failed: " + status.ToString());
      }
      if (file != 0) {
        std::lock_guard<std::mutex> lock(mq_.mutex_);
        mq_.file_topics_[file] = std::move(file_topics);
      }
    } catch (...) {
      // Nothing was committed: give the ids back and fail every send of this batch.
      const auto failure = std::current_exception();
      std::lock_guard<std::mutex> lock(mq_.mutex_);
      for (auto& [t, stats] : before) t->stats = stats;
      for (PendingSend* s : sends) {
        s->ids.clear();
        if (!s->error) s->error = failure;
      }
      return;
    }
    std::lock_guard<std::mutex> lock(mq_.listener_mutex_);
    if (mq_.listener_) {
      for (auto& [t, stats] : after) mq_.listener_(t->name, stats.last_id);
    }
  }

  RocksMq& mq_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::deque<PendingSend*> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

bool RocksMq::valid_topic_name(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

RocksMq::RocksMq(const RocksMqOptions& options) : options_(options) {
  if (options.max_payload_bytes == 0 || options.max_payload_bytes > kMaxPayloadLimit) {
    throw Error(code::kInvalidArgument, "rocksmq.maxPayload must be from 1 to " + std::to_string(kMaxPayloadLimit) + " bytes");
  }
  if (!(options.lru_cache_ratio > 0 && options.lru_cache_ratio <= 1)) {
    throw Error(code::kInvalidArgument, "rocksmq.lrucacheratio must be above 0 and at most 1");
  }
  rocksdb::DBOptions db;
  db.create_if_missing = true;
  db.create_missing_column_families = true;
  db.stats_dump_period_sec = 0;  // no periodic wake-ups: an idle broker uses no CPU
  db.stats_persist_period_sec = 0;
  db.IncreaseParallelism(2);
  // The write-ahead log is shared by every column family; bounding it makes RocksDB flush
  // the family that pins the oldest log, so logs of deleted messages do not linger.
  // 256 MiB: several batches of large messages, so that a batch does not force a flush.
  db.max_total_wal_size = 256 << 20;

  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const double memory = pages > 0 && page > 0 ? double(pages) * double(page) : double(8ull << 30);
  const size_t cache = size_t(std::clamp(memory * options.lru_cache_ratio, double(512ull << 20), double(4ull << 30)));
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(cache);
  table.block_size = 64 << 10;

  rocksdb::ColumnFamilyOptions messages;
  messages.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  for (int type : options.compression_types) messages.compression_per_level.push_back(compression(type));
  messages.num_levels = std::max<int>(2, int(options.compression_types.size()));
  // A batch of payloads just under 64 KiB fills a memtable: let writes go on while it is flushed.
  messages.max_write_buffer_number = 4;
  rocksdb::ColumnFamilyOptions small;
  small.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, small}, {"messages", messages}, {"index", small}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status = rocksdb::DB::Open(db, options.path, families, &handles, &raw);
  if (!status.ok()) throw Error(code::kStorage, "cannot open rocksmq at " + options.path + ": " + status.ToString());
  db_.reset(raw);
  meta_ = handles[0];
  messages_ = handles[1];
  index_ = handles[2];
  try {
    load_metadata();
  } catch (...) {
    // The handles must go before the database, or RocksDB aborts the process.
    release_database();
    throw;
  }
  writer_ = std::make_unique<Writer>(*this);
  retention_thread_ = std::thread([this] { retention_loop(); });
}

void RocksMq::load_metadata() {
  // Every value is checked for its length first: a damaged database is a StorageError,
  // never a read past a buffer.
  auto corrupt = [&](const rocksdb::Slice& key) {
    throw Error(code::kStorage, "rocksmq at " + options_.path + " has a damaged metadata entry (key \"" + key.ToString(true) + "\")");
  };
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), meta_));
  std::map<uint32_t, Topic*> by_id;
  for (it->Seek("T"); it->Valid() && it->key()[0] == 'T'; it->Next()) {
    const rocksdb::Slice v = it->value();
    if (v.size() != 20) corrupt(it->key());
    auto t = std::make_shared<Topic>();
    t->name = it->key().ToString().substr(1);
    t->id = uint32_t(get_be(v.data(), 4));
    t->options.retention_minutes = int64_t(get_le64(v.data() + 4));
    t->options.retention_mb = int64_t(get_le64(v.data() + 12));
    by_id[t->id] = t.get();
    topics_[t->name] = std::move(t);
  }
  for (it->Seek("N"); it->Valid() && it->key()[0] == 'N'; it->Next()) {
    if (it->key().size() != 5 || it->value().size() != 32) corrupt(it->key());
    auto found = by_id.find(uint32_t(get_be(it->key().data() + 1, 4)));
    if (found == by_id.end()) continue;
    const char* v = it->value().data();
    found->second->stats = TopicStats{get_le64(v), get_le64(v + 8), get_le64(v + 16), get_le64(v + 24)};
  }
  for (it->Seek("G"); it->Valid() && it->key()[0] == 'G'; it->Next()) {
    if (it->key().size() < 5 || it->value().size() != 8) corrupt(it->key());
    auto found = by_id.find(uint32_t(get_be(it->key().data() + 1, 4)));
    if (found == by_id.end()) continue;
    found->second->groups[it->key().ToString().substr(5)] = get_le64(it->value().data());
  }
  std::set<uint64_t> files;
  for (it->Seek("F"); it->Valid() && it->key()[0] == 'F'; it->Next()) {
    if (it->key().size() != 9 || it->value().size() % 12 != 0) corrupt(it->key());
    const uint64_t file = get_be(it->key().data() + 1, 8);
    files.insert(file);
    auto& topics = file_topics_[file];
    for (size_t at = 0; at + 12 <= it->value().size(); at += 12) {
      topics[uint32_t(get_be(it->value().data() + at, 4))] = get_le64(it->value().data() + at + 4);
    }
  }
  check(it->status(), "read the metadata");
  std::string next;
  if (db_->Get(rocksdb::ReadOptions(), meta_, "S", &next).ok()) {
    if (next.size() != 4) corrupt("S");
    next_topic_id_ = uint32_t(get_be(next.data(), 4));
  }
  payloads_ = std::make_unique<PayloadFiles>(options_.path + "/payloads", files);
}

void RocksMq::release_database() {
  for (auto* h : {meta_, messages_, index_}) {
    if (h != nullptr) db_->DestroyColumnFamilyHandle(h);
  }
  meta_ = messages_ = index_ = nullptr;
  db_->Close();
  db_.reset();
}

RocksMq::~RocksMq() { close(); }

void RocksMq::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    closed_ = true;
  }
  retention_wake_.notify_all();
  if (retention_thread_.joinable()) retention_thread_.join();
  // Calls already under way finish first (a read in flight still uses the database); later
  // ones see closed_ and throw.
  std::unique_lock<std::shared_mutex> no_calls(in_use_);
  writer_.reset();  // finishes the sends already queued
  release_database();
  payloads_.reset();
}

void RocksMq::check_open() const {
  if (closed_) throw Error(code::kClosed, "the broker is closed");
}

RocksMq::Topic& RocksMq::topic(const std::string& name) const { return *shared_topic(name); }

std::shared_ptr<RocksMq::Topic> RocksMq::shared_topic(const std::string& name) const {
  check_open();
  auto it = topics_.find(name);
  if (it == topics_.end()) throw Error(code::kTopicNotFound, "no topic named \"" + name + "\"");
  return it->second;
}

void RocksMq::write_stats(void* batch_ptr, uint32_t topic_id, const TopicStats& stats) {
  auto& batch = *static_cast<rocksdb::WriteBatch*>(batch_ptr);
  std::string v;
  put_le64(v, stats.first_id);
  put_le64(v, stats.last_id);
  put_le64(v, stats.messages);
  put_le64(v, stats.bytes);
  batch.Put(meta_, meta_key('N', topic_id), v);
}

void RocksMq::create_topic(const std::string& name, const TopicOptions& options) {
  std::shared_lock<std::shared_mutex> in_use(in_use_);  // close() waits for this call
  if (!valid_topic_name(name)) {
    throw Error(code::kInvalidTopic, "topic names are 1 to 255 letters, digits, '_', '-' or '.', got \"" + name + "\"");
  }
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  std::lock_guard<std::mutex> lock(mutex_);
  check_open();
  if (topics_.count(name) != 0) throw Error(code::kTopicExists, "topic \"" + name + "\" already exists");
  auto t = std::make_shared<Topic>();
  t->name = name;
  t->id = next_topic_id_;
  t->options = options;
  rocksdb::WriteBatch batch;
  std::string v;
  put_be32(v, t->id);
  put_le64(v, uint64_t(options.retention_minutes));
  put_le64(v, uint64_t(options.retention_mb));
  batch.Put(meta_, "T" + name, v);
  std::string next;
  put_be32(next, t->id + 1);
  batch.Put(meta_, "S", next);
  write_stats(&batch, t->id, t->stats);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  check(db_->Write(sync, &batch), "create topic");
  ++next_topic_id_;
  topics_[name] = std::move(t);
}

void RocksMq::drop_topic(const std::string& name) {
  std::shared_lock<std::shared_mutex> in_use(in_use_);  // close() waits for this call
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  std::unique_lock<std::mutex> lock(mutex_);
  Topic& t = topic(name);
  rocksdb::WriteBatch batch;
  batch.DeleteRange(messages_, message_key(t.id, 0), message_key(t.id + 1, 0));
  batch.DeleteRange(index_, message_key(t.id, 0), message_key(t.id + 1, 0));
  batch.Delete(meta_, "T" + name);
  batch.Delete(meta_, meta_key('N', t.id));
  batch.DeleteRange(meta_, meta_key('G', t.id), meta_key('G', t.id + 1));
  rocksdb::WriteOptions sync;
  sync.sync = true;
  check(db_->Write(sync, &batch), "drop topic");
  t.dropped = true;
  topics_.erase(name);
  lock.unlock();
  delete_unused_payload_files();
}

std::vector<std::string> RocksMq::list_topics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  check_open();
  std::vector<std::string> names;
  for (const auto& [name, unused] : topics_) names.push_back(name);
  return names;
}

bool RocksMq::has_topic(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !closed_ && topics_.count(name) != 0;
}

TopicStats RocksMq::topic_stats(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return topic(name).stats;
}

std::vector<uint64_t> RocksMq::send(const std::string& name, const std::vector<std::string>& payloads) {
  std::shared_lock<std::shared_mutex> in_use(in_use_);  // close() waits for this call
  if (payloads.empty()) return {};
  for (const std::string& p : payloads) {
    if (p.size() > options_.max_payload_bytes) {
      throw Error(code::kPayloadTooLarge, "a payload of " + std::to_string(p.size()) + " bytes is over the limit of " +
                                              std::to_string(options_.max_payload_bytes));
    }
  }
  PendingSend send;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    send.topic = shared_topic(name);
  }
  send.payloads = &payloads;
  // Here, on the caller's thread, while the writer may be busy with the previous commit.
  for (const std::string& p : payloads)
    if (p.size() >= kLargePayload) send.crcs.push_back(crc32c(p.data(), p.size()));
  writer_->submit(send);
  if (send.error) std::rethrow_exception(send.error);
  return send.ids;
}

std::vector<StoredMessage> RocksMq::read(const std::string& name, uint64_t from, size_t max) const {
  std::shared_lock<std::shared_mutex> in_use(in_use_);  // close() waits for this call
  uint32_t id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    id = topic(name).id;
  }
  std::vector<StoredMessage> out;
  const std::string upper = message_key(id + 1, 0);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_slice;
  // One snapshot for both families: a message's index entry and its payload were one write.
  std::shared_ptr<const rocksdb::Snapshot> snapshot(db_->GetSnapshot(), [this](const rocksdb::Snapshot* s) { db_->ReleaseSnapshot(s); });
  options.snapshot = snapshot.get();
  std::unique_ptr<rocksdb::Iterator> index(db_->NewIterator(options, index_));
  std::unique_ptr<rocksdb::Iterator> messages(db_->NewIterator(options, messages_));
  PayloadFiles::Reader files(*payloads_);
  size_t bytes = 0;
  for (index->Seek(message_key(id, std::max<uint64_t>(from, 1))); index->Valid() && out.size() < max && bytes < kReadBytes; index->Next()) {
    const rocksdb::Slice key = index->key();
    const IndexEntry entry = parse_index_entry(index->value());
    StoredMessage m{get_be(key.data() + 4, 8), entry.time, {}};
    if (entry.in_file) {
      if (!files.read(entry.ref, m.payload)) {
        if (deleted_by_retention(name, m.id)) continue;  // its file went after the snapshot was taken
        throw Error(code::kStorage, "the payload file of message " + std::to_string(m.id) + " of \"" + name + "\" is missing");
      }
    } else {
      if (!messages->Valid() || messages->key() != key) messages->Seek(key);
      if (!messages->Valid() || messages->key() != key) {
        check(messages->status(), "read");
        throw Error(code::kStorage, "message " + std::to_string(m.id) + " of \"" + name + "\" has no payload");
      }
      m.payload = messages->value().ToString();
      messages->Next();  // small payloads are read in key order: the next one is usually here
    }
    bytes += m.payload.size();
    out.push_back(std::move(m));
  }
  check(index->status(), "read");
  return out;
}

bool RocksMq::deleted_by_retention(const std::string& name, uint64_t id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = topics_.find(name);
  return it == topics_.end() || it->second->stats.messages == 0 || id < it->second->stats.first_id;
}

bool RocksMq::has_group(const std::string& name, const std::string& group) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return topic(name).groups.count(group) != 0;
}

uint64_t RocksMq::group_position(const std::string& name, const std::string& group) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const Topic& t = topic(name);
  auto it = t.groups.find(group);
  if (it == t.groups.end()) throw Error(code::kGroupNotFound, "topic \"" + name + "\" has no group \"" + group + "\"");
  return it->second;
}

void RocksMq::create_group(const std::string& name, const std::string& group, uint64_t position) {
  std::shared_lock<std::shared_mutex> in_use(in_use_);  // close() waits for this call
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  std::lock_guard<std::mutex> lock(mutex_);
  Topic& t = topic(name);
  std::string v;
  put_le64(v, position);
  check(db_->Put(rocksdb::WriteOptions(), meta_, meta_key('G', t.id, group), v), "create group");
  t.groups[group] = position;
}

void RocksMq::ack(const std::string& name, const std::string& group, uint64_t id) {
  std::shared_lock<std::shared_mutex> in_use(in_use_);  // close() waits for this call
  std::lock_guard<std::mutex> lock(mutex_);
  Topic& t = topic(name);
  auto it = t.groups.find(group);
  if (it == t.groups.end()) throw Error(code::kGroupNotFound, "topic \"" + name + "\" has no group \"" + group + "\"");
  if (id <= it->second) return;
  if (id > t.stats.last_id) throw Error(code::kInvalidArgument, "message " + std::to_string(id) + " was never sent to \"" + name + "\"");
  std::string v;
  put_le64(v, id);
  // Not synced: the write-ahead log survives a killed process; after a power cut a group
  // may see a few acknowledged messages again (delivery is at least once).
  check(db_->Put(rocksdb::WriteOptions(), meta_, meta_key('G', t.id, group), v), "ack");
  it->second = id;
}

void RocksMq::drop_group(const std::string& name, const std::string& group) {
  std::shared_lock<std::shared_mutex> in_use(in_use_);  // close() waits for this call
  std::lock_guard<std::mutex> lock(mutex_);
  Topic& t = topic(name);
  check(db_->Delete(rocksdb::WriteOptions(), meta_, meta_key('G', t.id, group)), "drop group");
  t.groups.erase(group);
}

void RocksMq::on_commit(std::function<void(const std::string&, uint64_t)> listener) {
  std::lock_guard<std::mutex> lock(listener_mutex_);
  listener_ = std::move(listener);
}

uint64_t RocksMq::trim(Topic& t, int64_t now) {
  const int64_t minutes = t.options.retention_minutes != 0 ? t.options.retention_minutes : options_.retention_minutes;
  const int64_t mb = t.options.retention_mb != 0 ? t.options.retention_mb : options_.retention_mb;
  TopicStats stats;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats = t.stats;
  }
  if (stats.messages == 0 || (minutes < 0 && mb < 0)) return 0;
  // Saturating: a retention longer than the clock's past, or larger than 2^64 bytes, keeps everything.
  const int64_t cutoff = minutes < 0 || minutes > now / 60000 ? INT64_MIN : now - minutes * 60000;
  const uint64_t limit = mb < 0 || uint64_t(mb) > (UINT64_MAX >> 20) ? UINT64_MAX : uint64_t(mb) << 20;
  uint64_t deleted = 0, freed = 0, new_first = stats.first_id;
  const std::string upper = message_key(t.id + 1, 0);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, index_));
  for (it->Seek(message_key(t.id, stats.first_id)); it->Valid(); it->Next()) {
    const IndexEntry entry = parse_index_entry(it->value());
    if (entry.time >= cutoff && stats.bytes - freed <= limit) break;
    ++deleted;
    freed += entry.size;
    new_first = get_be(it->key().data() + 4, 8) + 1;
  }
  if (deleted == 0) return 0;
  rocksdb::WriteBatch batch;
  const std::string from = message_key(t.id, stats.first_id), to = message_key(t.id, new_first);
  batch.DeleteRange(messages_, from, to);
  batch.DeleteRange(index_, from, to);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    t.stats.messages -= deleted;
    t.stats.bytes -= freed;
    t.stats.first_id = t.stats.messages == 0 ? t.stats.last_id + 1 : new_first;
    write_stats(&batch, t.id, t.stats);
  }
  check(db_->Write(rocksdb::WriteOptions(), &batch), "retention");
  return deleted;
}

uint64_t RocksMq::enforce_retention() {
  std::shared_lock<std::shared_mutex> in_use(in_use_);  // close() waits for this call
  std::vector<std::shared_ptr<Topic>> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    check_open();
    for (auto& [name, t] : topics_) all.push_back(t);
  }
  uint64_t deleted = 0;
  {
    std::lock_guard<std::mutex> write_lock(write_mutex_);
    const int64_t now = now_ms();
    for (const auto& t : all) {
      if (!t->dropped) deleted += trim(*t, now);  // dropped meanwhile: its messages are gone already
    }
    if (deleted > 0) delete_unused_payload_files();
  }
  if (deleted > 0) {
    // Reclaim the space of small payloads now rather than at some later compaction.
    // The metadata family is flushed too: until every family has flushed, the log files that
    // hold the deleted payloads cannot be released.
    check(db_->Flush(rocksdb::FlushOptions(), meta_), "flush metadata");
    rocksdb::CompactRangeOptions compact;
    compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    check(db_->CompactRange(compact, messages_, nullptr, nullptr), "compact messages");
    check(db_->CompactRange(compact, index_, nullptr, nullptr), "compact the index");
  }
  return deleted;
}

// Deletes the payload files in which every message is gone (by retention or a dropped
// topic). Called under write_mutex_.
void RocksMq::delete_unused_payload_files() {
  std::vector<uint64_t> unused;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::map<uint32_t, uint64_t> first_kept;  // topic id -> its first message id
    for (const auto& [name, t] : topics_) first_kept[t->id] = t->stats.messages == 0 ? UINT64_MAX : t->stats.first_id;
    for (const auto& [file, topics] : file_topics_) {
      const bool used = std::any_of(topics.begin(), topics.end(), [&](const auto& topic_last) {
        auto first = first_kept.find(topic_last.first);
        return first != first_kept.end() && topic_last.second >= first->second;
      });
      if (!used) unused.push_back(file);
    }
  }
  if (unused.empty()) return;
  // Synced first, together with the deletes before it: after a crash no index entry may
  // point into a deleted file.
  rocksdb::WriteBatch batch;
  for (uint64_t file : unused) batch.Delete(meta_, file_key(file));
  rocksdb::WriteOptions sync;
  sync.sync = true;
  check(db_->Write(sync, &batch), "forget payload files");
  for (uint64_t file : unused) {
    payloads_->remove(file);
    std::lock_guard<std::mutex> lock(mutex_);
    file_topics_.erase(file);
  }
}

void RocksMq::retention_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  // At most a year, so that the wait's deadline cannot overflow the clock (and spin).
  const auto interval = std::chrono::seconds(std::clamp<int64_t>(options_.compaction_interval_seconds, 1, 365 * 86400));
  while (!closed_) {
    // Sleeps, not polls: one wake-up per interval.
    if (retention_wake_.wait_for(lock, interval, [&] { return closed_; })) break;
    lock.unlock();
    try {
      enforce_retention();
    } catch (const Error&) {
      // A failed pass is retried at the next interval.
    }
    lock.lock();
  }
}

}  // namespace qv

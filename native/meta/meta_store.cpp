#include "meta/meta_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <mutex>

#include "common/error.h"
#include "storage/rocksdb_status.h"

namespace qv {

MetaStore::MetaStore(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.stats_dump_period_sec = 0;  // no periodic wake-ups while idle
  options.stats_persist_period_sec = 0;
  options.max_total_wal_size = 16 << 20;
  options.keep_log_file_num = 2;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status = rocksdb::DB::Open(options, path, &raw);
  if (status.IsIOError() && status.ToString().find("lock") != std::string::npos) {
    throw Error(code::kLocked, "the meta store at " + path + " is open in another process: " + status.ToString());
  }
  if (!status.ok()) throw Error(code::kStorage, "cannot open the meta store at " + path + ": " + status.ToString());
  db_.reset(raw);
}

MetaStore::~MetaStore() { close(); }

std::optional<std::string> MetaStore::get(const std::string& key) const {
  std::shared_lock lock(in_use_);
  if (closed_) throw Error(code::kClosed, "the meta store is closed");
  std::string value;
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &value);
  if (s.IsNotFound()) return std::nullopt;
  check(s, "meta store read failed");
  return value;
}

std::vector<MetaStore::Entry> MetaStore::scan(const std::string& prefix) const {
  std::shared_lock lock(in_use_);
  if (closed_) throw Error(code::kClosed, "the meta store is closed");
  std::vector<Entry> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    out.emplace_back(it->key().ToString(), it->value().ToString());
  }
  check(it->status(), "meta store scan failed");
  return out;
}

void MetaStore::write(const std::vector<Entry>& puts, const std::vector<std::string>& deletes) {
  std::shared_lock lock(in_use_);
  if (closed_) throw Error(code::kClosed, "the meta store is closed");
  rocksdb::WriteBatch batch;
  for (const Entry& e : puts) check(batch.Put(e.first, e.second), "meta store batch");
  for (const std::string& key : deletes) check(batch.Delete(key), "meta store batch");
  rocksdb::WriteOptions options;
  options.sync = true;
  check(db_->Write(options, &batch), "meta store write failed");
}

void MetaStore::close() {
  std::unique_lock lock(in_use_);
  if (closed_) return;
  closed_ = true;
  if (db_) db_->Close().PermitUncheckedError();
  db_.reset();
}

}  // namespace qv

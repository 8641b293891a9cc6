// rocksmq on real RocksDB files: order, ids, persistence, groups, retention, limits.
#include <rocksdb/db.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "../harness.h"
#include "common/error.h"
#include "mq/rocksmq.h"

namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("rocksmq_test_" + std::to_string(getpid()) + "_" + std::to_string(counter()++));
  TempDir() { fs::remove_all(path); }
  ~TempDir() { fs::remove_all(path); }
  static std::atomic<int>& counter() {
    static std::atomic<int> n{0};
    return n;
  }
};

qv::RocksMqOptions options_at(const TempDir& dir) {
  qv::RocksMqOptions o;
  o.path = dir.path.string();
  o.retention_minutes = -1;
  o.retention_mb = -1;
  o.compaction_interval_seconds = 3600;
  return o;
}

uint64_t folder_bytes(const fs::path& dir) {
  uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) if (e.is_regular_file()) total += e.file_size();
  return total;
}

}  // namespace

TEST(messages_come_back_in_order_with_per_topic_ids) {
  TempDir dir;
  qv::RocksMq mq(options_at(dir));
  mq.create_topic("a");
  mq.create_topic("b");
  CHECK(mq.send("a", {"one", "two"}) == (std::vector<uint64_t>{1, 2}));
  CHECK(mq.send("b", {"x"}) == (std::vector<uint64_t>{1}));
  CHECK(mq.send("a", {"three"}) == (std::vector<uint64_t>{3}));
  const auto got = mq.read("a", 1, 10);
  CHECK_EQ(got.size(), size_t(3));
  CHECK(got[0].payload == "one" && got[1].payload == "two" && got[2].payload == "three");
  CHECK_EQ(got[2].id, uint64_t(3));
  CHECK(got[0].publish_time_ms > 0);
  CHECK_EQ(mq.read("a", 3, 10).size(), size_t(1));
  const auto stats = mq.topic_stats("a");
  CHECK_EQ(stats.first_id, uint64_t(1));
  CHECK_EQ(stats.last_id, uint64_t(3));
  CHECK_EQ(stats.messages, uint64_t(3));
  CHECK_EQ(stats.bytes, uint64_t(11));
  CHECK(mq.list_topics() == (std::vector<std::string>{"a", "b"}));
}

TEST(everything_survives_a_reopen) {
  TempDir dir;
  {
    qv::RocksMq mq(options_at(dir));
    mq.create_topic("t");
    mq.send("t", {"a", "b", "c"});
    mq.create_group("t", "g", 0);
    mq.ack("t", "g", 2);
  }
  qv::RocksMq mq(options_at(dir));
  CHECK(mq.has_topic("t"));
  CHECK_EQ(mq.group_position("t", "g"), uint64_t(2));
  CHECK(mq.read("t", 3, 10)[0].payload == "c");
  CHECK(mq.send("t", {"d"}) == (std::vector<uint64_t>{4}));  // ids go on where they stopped
}

// A payload of `size` bytes that differs from every other (seeded by `n`).
std::string payload_of(size_t size, int n) {
  std::string p(size, char('a' + n % 26));
  for (size_t i = 0; i < size; i += 4096) p[i] = char(n + i / 4096);
  return p;
}

// Every message of a topic: a read stops after a few MiB, so large payloads take several.
std::vector<qv::StoredMessage> read_all(const qv::RocksMq& mq, const std::string& topic) {
  std::vector<qv::StoredMessage> got;
  for (uint64_t from = 1;;) {
    const auto part = mq.read(topic, from, 1000);
    if (part.empty()) return got;
    got.insert(got.end(), part.begin(), part.end());
    from = got.back().id + 1;
  }
}

std::vector<fs::path> payload_files(const TempDir& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir.path / "payloads")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(large_payloads_are_written_once_to_payload_files_and_survive_a_reopen) {
  TempDir dir;
  std::vector<std::string> sent;
  {
    qv::RocksMq mq(options_at(dir));
    mq.create_topic("big");
    mq.create_topic("other");
    for (int i = 0; i < 12; ++i) {
      // Large and small mixed in one batch, and another topic's payloads between them.
      std::vector<std::string> batch = {payload_of(3 << 20, i), "small " + std::to_string(i), payload_of(64 << 10, i)};
      mq.send("big", batch);
      mq.send("other", {payload_of(100 << 10, -i)});
      sent.insert(sent.end(), batch.begin(), batch.end());
    }
  }
  uint64_t file_bytes = 0;
  for (const auto& f : payload_files(dir)) file_bytes += fs::file_size(f);
  CHECK_EQ(file_bytes, uint64_t(12) * ((3 << 20) + (64 << 10) + (100 << 10)));  // each large payload once
  CHECK(payload_files(dir).size() > 1);  // 38 MiB does not fit one file
  qv::RocksMq mq(options_at(dir));
  const std::vector<qv::StoredMessage> got = read_all(mq, "big");
  CHECK_EQ(got.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    CHECK_EQ(got[i].id, uint64_t(i + 1));
    CHECK(got[i].payload == sent[i]);
  }
  CHECK(mq.read("other", 12, 10).at(0).payload == payload_of(100 << 10, -11));
}

TEST(a_payload_write_whose_index_never_committed_is_deleted_at_open) {
  TempDir dir;
  {
    qv::RocksMq mq(options_at(dir));
    mq.create_topic("t");
    mq.send("t", {payload_of(1 << 20, 1)});
  }
  // What a process killed between the payload write and the index write leaves behind.
  const fs::path stray = dir.path / "payloads" / "0000000099.payloads";
  { std::ofstream(stray) << std::string(1000, 'x'); }
  qv::RocksMq mq(options_at(dir));
  CHECK(!fs::exists(stray));
  mq.send("t", {payload_of(1 << 20, 2)});
  CHECK(payload_files(dir).back().filename().string() > "0000000099.payloads");  // numbers are never reused
  CHECK(mq.read("t", 1, 10).at(1).payload == payload_of(1 << 20, 2));
}

TEST(a_damaged_or_missing_payload_file_is_a_storage_error_not_wrong_bytes) {
  TempDir dir;
  qv::RocksMq mq(options_at(dir));
  mq.create_topic("t");
  mq.send("t", {payload_of(1 << 20, 1), payload_of(1 << 20, 2)});
  {
    std::fstream file(payload_files(dir).at(0), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp((1 << 20) + 12345);  // one byte of the second payload
    file.put('!');
  }
  CHECK(mq.read("t", 1, 1).at(0).payload == payload_of(1 << 20, 1));
  CHECK_THROWS_CODE(mq.read("t", 2, 1), qv::code::kStorage);
  for (const auto& f : payload_files(dir)) fs::remove(f);
  CHECK_THROWS_CODE(mq.read("t", 1, 10), qv::code::kStorage);
}

TEST(concurrent_sends_get_distinct_ordered_ids) {
  TempDir dir;
  qv::RocksMq mq(options_at(dir));
  mq.create_topic("t");
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> ids(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const auto got = mq.send("t", {std::to_string(t) + ":" + std::to_string(i)});
        ids[t].push_back(got[0]);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint64_t> all;
  for (const auto& v : ids) {
    for (size_t i = 1; i < v.size(); ++i) CHECK(v[i] > v[i - 1]);  // each producer's order holds
    all.insert(v.begin(), v.end());
  }
  CHECK_EQ(all.size(), size_t(800));
  CHECK_EQ(*all.rbegin(), uint64_t(800));
}

TEST(retention_by_size_and_age_deletes_the_oldest_and_frees_disk) {
  TempDir dir;
  auto o = options_at(dir);
  o.retention_mb = 1;
  qv::RocksMq mq(o);
  mq.create_topic("t");
  // Small payloads live in RocksDB, large ones in payload files: retention frees both.
  for (int i = 0; i < 60; ++i) mq.send("t", {payload_of(1 << 20, i), std::string(10 << 10, 's')});
  const uint64_t before = folder_bytes(dir.path);
  const uint64_t deleted = mq.enforce_retention();
  const auto stats = mq.topic_stats("t");
  CHECK(deleted > 100);
  CHECK(stats.bytes <= (1u << 20));
  CHECK_EQ(stats.first_id, deleted + 1);
  CHECK_EQ(mq.read("t", 1, 100).front().id, deleted + 1);
  const uint64_t after = folder_bytes(dir.path);
  std::printf("  disk: %llu bytes before retention, %llu after\n", (unsigned long long)before, (unsigned long long)after);
  // Payload files go whole: at most the newest file (16 MiB) stays.
  CHECK(after < qv::PayloadFiles::kFileBytes + (4 << 20));
  CHECK(after < before / 2);

  // Age: a topic that keeps messages for 0 minutes loses all of them.
  qv::TopicOptions none;
  none.retention_minutes = -1;
  mq.create_topic("keep", none);
  mq.send("keep", {"stays"});
  qv::TopicOptions instant;
  instant.retention_minutes = 1;
  mq.create_topic("short", instant);
  mq.send("short", {"old"});
  CHECK_EQ(mq.enforce_retention(), uint64_t(0));  // a minute has not passed
  CHECK_EQ(mq.topic_stats("keep").messages, uint64_t(1));
}

TEST(a_payload_file_stays_while_any_topic_keeps_a_message_in_it) {
  TempDir dir;
  qv::RocksMq mq(options_at(dir));
  qv::TopicOptions small;
  small.retention_mb = 1;
  mq.create_topic("short", small);
  mq.create_topic("long");
  for (int i = 0; i < 40; ++i) {
    mq.send("short", {payload_of(1 << 20, i)});
    mq.send("long", {payload_of(256 << 10, i)});
  }
  const size_t files = payload_files(dir).size();
  CHECK(mq.enforce_retention() >= 38);
  CHECK_EQ(payload_files(dir).size(), files);  // "long" still has a message in every file
  const auto kept = read_all(mq, "long");
  CHECK_EQ(kept.size(), size_t(40));
  CHECK(kept[39].payload == payload_of(256 << 10, 39));
  mq.drop_topic("long");
  CHECK(payload_files(dir).size() < files);  // now only what "short" keeps
  CHECK(mq.read("short", 40, 1).at(0).payload == payload_of(1 << 20, 39));
}

TEST(retention_by_age_deletes_expired_messages_and_ids_go_on) {
  TempDir dir;
  auto o = options_at(dir);
  o.retention_minutes = 0;  // every message is already old
  qv::RocksMq mq(o);
  mq.create_topic("t");
  mq.send("t", {"a", "b", "c"});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK_EQ(mq.enforce_retention(), uint64_t(3));
  const auto stats = mq.topic_stats("t");
  CHECK_EQ(stats.messages, uint64_t(0));
  CHECK_EQ(stats.bytes, uint64_t(0));
  CHECK_EQ(stats.first_id, uint64_t(4));
  CHECK(mq.read("t", 1, 10).empty());
  CHECK(mq.send("t", {"d"}) == (std::vector<uint64_t>{4}));
}

TEST(bad_input_and_misuse_give_typed_errors_and_write_nothing) {
  TempDir dir;
  auto o = options_at(dir);
  o.max_payload_bytes = 1000;
  qv::RocksMq mq(o);
  CHECK_THROWS_CODE(mq.create_topic("bad/name"), qv::code::kInvalidTopic);
  CHECK_THROWS_CODE(mq.create_topic(""), qv::code::kInvalidTopic);
  mq.create_topic("t");
  CHECK_THROWS_CODE(mq.create_topic("t"), qv::code::kTopicExists);
  CHECK_THROWS_CODE(mq.send("nope", {"x"}), qv::code::kTopicNotFound);
  CHECK_THROWS_CODE(mq.send("t", {"ok", std::string(1001, 'x')}), qv::code::kPayloadTooLarge);
  CHECK_EQ(mq.topic_stats("t").messages, uint64_t(0));
  CHECK_THROWS_CODE(mq.group_position("t", "g"), qv::code::kGroupNotFound);
  mq.create_group("t", "g", 0);
  CHECK_THROWS_CODE(mq.ack("t", "g", 5), qv::code::kInvalidArgument);
  mq.drop_topic("t");
  CHECK(!mq.has_topic("t"));
  mq.create_topic("t");  // a new topic of the same name starts empty
  CHECK_EQ(mq.topic_stats("t").last_id, uint64_t(0));
  CHECK(mq.read("t", 1, 10).empty());
  mq.close();
  CHECK_THROWS_CODE(mq.send("t", {"x"}), qv::code::kClosed);
}

TEST(close_waits_for_calls_under_way_and_refuses_later_ones) {
  TempDir dir;
  qv::RocksMq mq(options_at(dir));
  mq.create_topic("t");
  for (int i = 0; i < 8; ++i) mq.send("t", {payload_of(4 << 20, i), "small"});
  std::atomic<int> reads{0};
  std::string refused;
  std::thread reader([&] {
    for (;;) {
      try {
        mq.read("t", 1, 100);
        ++reads;
      } catch (const qv::Error& e) {
        refused = e.code();
        return;
      }
    }
  });
  while (reads.load() < 2) std::this_thread::yield();
  mq.close();  // while a read of 32 MiB is most likely under way
  reader.join();
  CHECK(refused == qv::code::kClosed);
}

TEST(the_commit_listener_hears_every_write) {
  TempDir dir;
  qv::RocksMq mq(options_at(dir));
  mq.create_topic("t");
  std::atomic<uint64_t> last{0};
  mq.on_commit([&](const std::string& topic, uint64_t id) {
    if (topic == "t") last.store(id);
  });
  mq.send("t", {"a", "b"});
  CHECK_EQ(last.load(), uint64_t(2));
}

// The listener is set on one thread while the writer commits on another; ThreadSanitizer
// (npm run test:tsan) reports it if that is not synchronised.
TEST(the_commit_listener_may_be_set_while_sends_commit) {
  TempDir dir;
  qv::RocksMq mq(options_at(dir));
  mq.create_topic("t");
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    while (!stop) mq.send("t", {"x"});
  });
  std::atomic<uint64_t> heard{0};
  for (int i = 0; i < 50; ++i) {
    mq.on_commit([&](const std::string&, uint64_t id) { heard.store(id); });
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const uint64_t last = mq.send("t", {"last"}).back();
  stop = true;
  producer.join();
  CHECK(heard.load() >= last);
}

TEST(a_send_racing_drop_topic_fails_cleanly_and_later_sends_work) {
  TempDir dir;
  qv::RocksMq mq(options_at(dir));
  mq.create_topic("t");
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0}, refused{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < 8; ++p) {
    producers.emplace_back([&, p] {
      const std::string payload(p % 2 == 0 ? 100 : 70000, char('a' + p));
      while (!stop) {
        try {
          mq.send("t", {payload, payload});
          ++sent;
        } catch (const qv::Error& e) {
          CHECK(std::strcmp(e.code(), qv::code::kTopicNotFound) == 0);
          ++refused;
        }
      }
    });
  }
  // Retention passes race the drops too.
  std::thread retention([&] {
    while (!stop) mq.enforce_retention();
  });
  while (sent == 0) std::this_thread::yield();  // the producers are under way before the drops begin
  for (int cycle = 0; cycle < 200; ++cycle) {
    mq.drop_topic("t");
    mq.create_topic("t");
  }
  stop = true;
  for (auto& t : producers) t.join();
  retention.join();
  CHECK(sent > 0);
  CHECK_EQ(mq.send("t", {"after"}).size(), size_t(1));
}

TEST(an_open_that_fails_after_the_database_opened_is_a_storage_error) {
  TempDir dir;
  fs::create_directories(dir.path);
  std::ofstream(dir.path / "payloads") << "a file where rocksmq keeps a folder";
  CHECK_THROWS_CODE(qv::RocksMq mq(options_at(dir)), qv::code::kStorage);
  fs::remove(dir.path / "payloads");
  qv::RocksMq mq(options_at(dir));  // the database was closed properly: it opens again
  mq.create_topic("t");
}

TEST(damaged_metadata_is_a_storage_error_not_a_read_past_a_buffer) {
  TempDir dir;
  { qv::RocksMq mq(options_at(dir)); mq.create_topic("t"); mq.create_group("t", "g", 0); }
  for (const std::string key : {"Tt", "S"}) {
    {
      std::vector<rocksdb::ColumnFamilyDescriptor> families = {
          {rocksdb::kDefaultColumnFamilyName, {}}, {"messages", {}}, {"index", {}}};
      std::vector<rocksdb::ColumnFamilyHandle*> handles;
      rocksdb::DB* db = nullptr;
      CHECK(rocksdb::DB::Open(rocksdb::DBOptions(), dir.path.string(), families, &handles, &db).ok());
      CHECK(db->Put(rocksdb::WriteOptions(), handles[0], key, "x").ok());  // one byte where more belong
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      delete db;
    }
    CHECK_THROWS_CODE(qv::RocksMq mq(options_at(dir)), qv::code::kStorage);
  }
}

TEST(a_stray_payload_file_with_the_largest_number_does_not_wrap_the_numbering) {
  TempDir dir;
  fs::create_directories(dir.path / "payloads");
  std::ofstream(dir.path / "payloads" / "18446744073709551615.payloads") << "stray";
  const std::string large(100000, 'L');
  {
    qv::RocksMq mq(options_at(dir));
    mq.create_topic("t");
    mq.send("t", {large, large});
  }
  qv::RocksMq mq(options_at(dir));
  const auto got = mq.read("t", 1, 10);
  CHECK_EQ(got.size(), size_t(2));
  CHECK(got[0].payload == large && got[1].payload == large);
}

TEST(retention_meant_as_keep_for_ages_keeps_everything) {
  TempDir dir;
  auto o = options_at(dir);
  o.retention_minutes = 230584300921369;  // minutes * 60000 overflows int64
  o.retention_mb = int64_t(1) << 44;      // << 20 overflows uint64
  qv::RocksMq mq(o);
  mq.create_topic("t");
  mq.send("t", {"a", "b", std::string(70000, 'c')});
  CHECK_EQ(mq.enforce_retention(), uint64_t(0));
  CHECK_EQ(mq.read("t", 1, 10).size(), size_t(3));
}

TEST(a_huge_compaction_interval_sleeps_rather_than_spins) {
  TempDir dir;
  auto o = options_at(dir);
  o.compaction_interval_seconds = 10000000000;  // 1e10 s: the wait's deadline would overflow
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  {
    qv::RocksMq mq(o);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  getrusage(RUSAGE_SELF, &after);
  const double cpu = (after.ru_utime.tv_sec - before.ru_utime.tv_sec) + (after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6 +
                     (after.ru_stime.tv_sec - before.ru_stime.tv_sec) + (after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6;
  CHECK(cpu < 0.25);  // a spinning retention thread uses the whole 0.5 s
}

TEST(out_of_range_options_are_refused) {
  TempDir dir;
  auto o = options_at(dir);
  o.max_payload_bytes = 0;
  CHECK_THROWS_CODE(qv::RocksMq mq(o), qv::code::kInvalidArgument);
  o.max_payload_bytes = size_t(-1);  // what a negative maxPayload became
  CHECK_THROWS_CODE(qv::RocksMq mq(o), qv::code::kInvalidArgument);
}

TEST_MAIN()

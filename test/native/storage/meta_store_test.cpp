// The meta store on real RocksDB files: synced atomic writes, prefix scans in key order,
// persistence across a reopen, one opener at a time, and calls after close.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "../harness.h"
#include "common/error.h"
#include "meta/meta_store.h"

namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("meta_store_test_" + std::to_string(getpid()) + "_" + std::to_string(counter()++));
  TempDir() { fs::remove_all(path); }
  ~TempDir() { fs::remove_all(path); }
  static std::atomic<int>& counter() {
    static std::atomic<int> n{0};
    return n;
  }
};

}  // namespace

TEST(writes_are_read_back_and_scanned_by_prefix_in_key_order) {
  TempDir dir;
  qv::MetaStore store(dir.path.string());
  CHECK(!store.get("c/1").has_value());
  store.write({{"c/2", "two"}, {"c/1", "one"}, {"s/1", "segment"}}, {});
  CHECK(store.get("c/1").value() == "one");
  auto collections = store.scan("c/");
  CHECK_EQ(collections.size(), size_t(2));
  CHECK(collections[0].first == "c/1" && collections[1].second == "two");
  CHECK_EQ(store.scan("x/").size(), size_t(0));
}

TEST(a_batch_puts_then_deletes_atomically) {
  TempDir dir;
  qv::MetaStore store(dir.path.string());
  store.write({{"a", "1"}, {"b", "2"}}, {});
  store.write({{"c", "3"}}, {"a", "b", "missing"});
  CHECK(!store.get("a").has_value());
  CHECK(!store.get("b").has_value());
  CHECK(store.get("c").value() == "3");
}

TEST(values_survive_a_reopen) {
  TempDir dir;
  {
    qv::MetaStore store(dir.path.string());
    store.write({{"tso", "12345"}, {"bytes", std::string("\0\1\2", 3)}}, {});
  }
  qv::MetaStore store(dir.path.string());
  CHECK(store.get("tso").value() == "12345");
  CHECK(store.get("bytes").value() == std::string("\0\1\2", 3));
}

TEST(a_second_opener_gets_qv_locked) {
  TempDir dir;
  qv::MetaStore store(dir.path.string());
  CHECK_THROWS_CODE(qv::MetaStore second(dir.path.string()), qv::code::kLocked);
}

TEST(calls_after_close_throw_qv_closed) {
  TempDir dir;
  qv::MetaStore store(dir.path.string());
  store.close();
  store.close();  // twice is fine
  CHECK_THROWS_CODE(store.get("a"), qv::code::kClosed);
  CHECK_THROWS_CODE(store.write({{"a", "1"}}, {}), qv::code::kClosed);
  CHECK_THROWS_CODE(store.scan(""), qv::code::kClosed);
}

TEST(a_path_that_is_a_file_is_a_storage_error) {
  TempDir dir;
  fs::create_directories(dir.path);
  const std::string file = (dir.path / "file").string();
  FILE* f = std::fopen(file.c_str(), "w");
  std::fclose(f);
  CHECK_THROWS_CODE(qv::MetaStore store(file), qv::code::kStorage);
}

TEST_MAIN()

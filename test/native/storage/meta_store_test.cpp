// The meta store on real RocksDB files: synced atomic writes, prefix scans in key order,
// persistence across a reopen, one opener at a time, and calls after close.
#include <cstdio>
#include <filesystem>
#include <string>

#include "../harness.h"
#include "../temp_dir.h"
#include "common/error.h"
#include "meta/meta_store.h"

namespace fs = std::filesystem;

namespace {

struct Dir : TempDir {
  Dir() : TempDir("meta_store_test") { }
};

}  // namespace

TEST(writes_are_read_back_and_scanned_by_prefix_in_key_order) {
  Dir dir;
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
  Dir dir;
  qv::MetaStore store(dir.path.string());
  store.write({{"a", "1"}, {"b", "2"}}, {});
  store.write({{"c", "3"}}, {"a", "b", "missing"});
  CHECK(!store.get("a").has_value());
  CHECK(!store.get("b").has_value());
  CHECK(store.get("c").value() == "3");
}

TEST(values_survive_a_reopen) {
  Dir dir;
  {
    qv::MetaStore store(dir.path.string());
    store.write({{"tso", "12345"}, {"bytes", std::string("\0\1\2", 3)}}, {});
  }
  qv::MetaStore store(dir.path.string());
  CHECK(store.get("tso").value() == "12345");
  CHECK(store.get("bytes").value() == std::string("\0\1\2", 3));
}

TEST(a_second_opener_gets_qv_locked) {
  Dir dir;
  qv::MetaStore store(dir.path.string());
  CHECK_THROWS_CODE(qv::MetaStore second(dir.path.string()), qv::code::kLocked);
}

TEST(calls_after_close_throw_qv_closed) {
  Dir dir;
  qv::MetaStore store(dir.path.string());
  store.close();
  store.close();  // twice is fine
  CHECK_THROWS_CODE(store.get("a"), qv::code::kClosed);
  CHECK_THROWS_CODE(store.write({{"a", "1"}}, {}), qv::code::kClosed);
  CHECK_THROWS_CODE(store.scan(""), qv::code::kClosed);
}

TEST(a_path_that_is_a_file_is_a_storage_error) {
  Dir dir;
  fs::create_directories(dir.path);
  const std::string file = (dir.path / "file").string();
  FILE* f = std::fopen(file.c_str(), "w");
  std::fclose(f);
  CHECK_THROWS_CODE(qv::MetaStore store(file), qv::code::kStorage);
}

TEST_MAIN()

// Files written once and read back checked: the content and CRC round-trip, a damaged or
// truncated file is QV_INVALID_FILE, a missing one QV_IO, and a failed write leaves nothing.
#include <filesystem>
#include <fstream>
#include <string>

#include "common/crc32c.h"
#include "common/durable_file.h"
#include "common/error.h"
#include "harness.h"
#include "temp_dir.h"

namespace fs = std::filesystem;

namespace {

struct Dir : TempDir {
  Dir() : TempDir("durable_file_test") { std::filesystem::create_directories(path); }
};

}  // namespace

TEST(chunks_are_written_in_order_and_read_back_with_their_crc) {
  Dir dir;
  const std::string path = (dir.path / "column").string();
  const std::string a(100000, 'a'), b = "tail";
  const uint32_t crc = qv::write_durably(path, {a, "", b});
  CHECK_EQ(crc, qv::crc32c((a + b).data(), a.size() + b.size()));
  CHECK(qv::read_checked(path, crc) == a + b);
  CHECK(!fs::exists(path + ".tmp"));
}

TEST(an_empty_file_round_trips) {
  Dir dir;
  const std::string path = (dir.path / "empty").string();
  const uint32_t crc = qv::write_durably(path, {});
  CHECK(qv::read_checked(path, crc).empty());
}

TEST(a_changed_byte_or_a_short_file_is_qv_invalid_file) {
  Dir dir;
  const std::string path = (dir.path / "column").string();
  const uint32_t crc = qv::write_durably(path, {std::string(4096, 'x')});
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    f.put('y');
  }
  CHECK_THROWS_CODE(qv::read_checked(path, crc), qv::code::kInvalidFile);
  fs::resize_file(path, 10);
  CHECK_THROWS_CODE(qv::read_checked(path, crc), qv::code::kInvalidFile);
}

TEST(a_missing_file_is_qv_io) {
  Dir dir;
  CHECK_THROWS_CODE(qv::read_checked((dir.path / "none").string(), 0), qv::code::kIo);
}

TEST(a_write_into_a_missing_folder_is_qv_io_and_leaves_nothing) {
  Dir dir;
  const fs::path path = dir.path / "no" / "such" / "folder" / "file";
  CHECK_THROWS_CODE(qv::write_durably(path.string(), {"x"}), qv::code::kIo);
  CHECK(!fs::exists(path));
}

TEST(a_rewrite_replaces_the_file_whole) {
  Dir dir;
  const std::string path = (dir.path / "column").string();
  qv::write_durably(path, {std::string(1000, 'a')});
  const uint32_t crc = qv::write_durably(path, {"short"});
  CHECK(qv::read_checked(path, crc) == "short");
}

TEST_MAIN()

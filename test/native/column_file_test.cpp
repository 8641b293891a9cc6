// Column files read with their CRC checked, and rewritten with only some rows (compaction):
// values and validity bytes of the kept rows in order, padding as the TypeScript encoder
// writes it, damaged sources refused.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/crc32c.h"
#include "common/error.h"
#include "harness.h"
#include "segment/column_file.h"
#include "temp_dir.h"

namespace {

std::vector<uint8_t> padded_to_8(std::vector<uint8_t> bytes) {
  bytes.resize((bytes.size() + 7) / 8 * 8, 0);
  return bytes;
}

// A column file of Int32 values 1000 * tag + row, with validity bytes when `nulls`.
qv::ColumnRows write_source(const std::string& path, uint32_t rows, uint32_t tag, bool nulls) {
  std::vector<uint8_t> values(rows * 4);
  for (uint32_t r = 0; r < rows; ++r) {
    const int32_t v = int32_t(1000 * tag + r);
    std::memcpy(values.data() + r * 4, &v, 4);
  }
  std::vector<uint8_t> file = padded_to_8(values);
  std::vector<uint8_t> valid;
  for (uint32_t r = 0; nulls && r < rows; ++r) valid.push_back(r % 3 == 0 ? 0 : 1);
  const std::vector<uint8_t> valid_padded = padded_to_8(valid);
  file.insert(file.end(), valid_padded.begin(), valid_padded.end());
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(file.data()), std::streamsize(file.size()));
  qv::ColumnRows source;
  source.path = path;
  source.bytes = file.size();
  source.crc = qv::crc32c(file.data(), file.size());
  source.value_bytes = values.size();
  source.valid_bytes = valid.size();
  return source;
}

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST(read_checked_reads_a_file_and_refuses_a_damaged_one) {
  TempDir dir("column_read");
  std::filesystem::create_directories(dir.path);
  const std::string path = (dir.path / "a.col").string();
  const qv::ColumnRows source = write_source(path, 5, 1, false);
  std::vector<uint8_t> out(source.bytes);
  qv::read_checked(path, source.bytes, source.crc, out.data());
  CHECK(out == read_all(path));
  CHECK_THROWS_CODE(qv::read_checked(path, source.bytes, source.crc ^ 1, out.data()), qv::code::kInvalidFile);
  std::vector<uint8_t> longer(source.bytes + 8);
  CHECK_THROWS_CODE(qv::read_checked(path, source.bytes + 8, source.crc, longer.data()), qv::code::kInvalidFile);
  CHECK_THROWS_CODE(qv::read_checked(path + ".missing", source.bytes, source.crc, out.data()), qv::code::kIo);
}

TEST(copy_column_rows_keeps_the_rows_in_order_with_their_validity) {
  TempDir dir("column_copy");
  std::filesystem::create_directories(dir.path);
  qv::ColumnRows a = write_source((dir.path / "a.col").string(), 7, 1, true);
  qv::ColumnRows b = write_source((dir.path / "b.col").string(), 4, 2, false);
  a.keep = {0, 1, 2, 5};  // a run, then a lone row
  b.keep = {1, 3};
  const std::string out_path = (dir.path / "out.col").string();
  const qv::WrittenColumn written = qv::copy_column_rows({a, b}, 4, out_path);

  const std::vector<int32_t> values = {1000, 1001, 1002, 1005, 2001, 2003};
  const std::vector<uint8_t> valid = {0, 1, 1, 1, 1, 1};  // a's rows 0, 3 and 6 are null; b has no nulls
  std::vector<uint8_t> expected(values.size() * 4);
  std::memcpy(expected.data(), values.data(), expected.size());
  expected = padded_to_8(expected);
  const std::vector<uint8_t> valid_padded = padded_to_8(valid);
  expected.insert(expected.end(), valid_padded.begin(), valid_padded.end());

  const std::vector<uint8_t> file = read_all(out_path);
  CHECK(file == expected);
  CHECK_EQ(written.bytes, uint64_t(file.size()));
  CHECK_EQ(written.crc, qv::crc32c(file.data(), file.size()));
  CHECK_EQ(written.value_bytes, uint64_t(values.size() * 4));
  CHECK_EQ(written.valid_bytes, uint64_t(valid.size()));

  // Without nulls anywhere: no validity bytes.
  b.keep = {0, 1, 2, 3};
  const qv::WrittenColumn plain = qv::copy_column_rows({b}, 4, out_path);
  CHECK_EQ(plain.valid_bytes, uint64_t(0));
  CHECK_EQ(plain.bytes, uint64_t(16));
}

TEST(copy_column_rows_refuses_damaged_sources_and_rows_past_the_end) {
  TempDir dir("column_copy_bad");
  std::filesystem::create_directories(dir.path);
  qv::ColumnRows a = write_source((dir.path / "a.col").string(), 6, 1, false);
  const std::string out_path = (dir.path / "out.col").string();
  a.keep = {6};
  CHECK_THROWS_CODE(qv::copy_column_rows({a}, 4, out_path), qv::code::kInvalidArgument);
  a.keep = {0};
  qv::ColumnRows wrong_crc = a;
  wrong_crc.crc ^= 1;
  CHECK_THROWS_CODE(qv::copy_column_rows({wrong_crc}, 4, out_path), qv::code::kInvalidFile);
  qv::ColumnRows wrong_shape = a;
  wrong_shape.value_bytes = 22;  // not whole rows
  CHECK_THROWS_CODE(qv::copy_column_rows({wrong_shape}, 4, out_path), qv::code::kInvalidFile);
  qv::ColumnRows missing = a;
  missing.path += ".missing";
  CHECK_THROWS_CODE(qv::copy_column_rows({missing}, 4, out_path), qv::code::kIo);
}

TEST_MAIN()

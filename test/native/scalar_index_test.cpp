// Scalar indexes answer filters exactly as a scan does: every comparison, ranges, IN lists,
// negations, nulls, NaN and Int64 values past 2^53, on numbers and VarChar.
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "expr/filter.h"
#include "harness.h"
#include "random.h"

namespace {

constexpr size_t kRows = 6000;

// Columns: 0 Int32 (nullable), 1 Int64 (some past 2^53), 2 Double (nullable, some NaN), 3 VarChar, 4 Bool.
std::unique_ptr<qv::SegmentRows> segment() {
  auto made = std::make_unique<qv::SegmentRows>(
      qv::KeyType::kInt64, std::vector<qv::ColumnType>{qv::ColumnType::kInt32, qv::ColumnType::kInt64, qv::ColumnType::kDouble,
                                                       qv::ColumnType::kVarChar, qv::ColumnType::kBool});
  testdata::Rng rng(5);
  std::vector<int32_t> ints(kRows);
  std::vector<int64_t> longs(kRows), keys(kRows), ts(kRows, 1);
  std::vector<double> doubles(kRows);
  std::vector<std::string> texts(kRows);
  std::vector<uint8_t> bools(kRows), valid(kRows);
  for (size_t i = 0; i < kRows; ++i) {
    ints[i] = int32_t(rng.next() % 1000) - 500;
    longs[i] = rng.next() % 7 == 0 ? (int64_t(1) << 53) + int64_t(rng.next() % 5) : int64_t(rng.next() % 2000);
    doubles[i] = rng.next() % 50 == 0 ? std::nan("") : double(rng.next() % 400) / 4.0;
    texts[i] = "t" + std::to_string(rng.next() % 300);
    bools[i] = uint8_t(rng.next() % 2);
    valid[i] = rng.next() % 20 != 0;
    keys[i] = int64_t(i);
  }
  made->append_fixed(0, ints.data(), kRows, valid.data());
  made->append_fixed(1, longs.data(), kRows, nullptr);
  made->append_fixed(2, doubles.data(), kRows, valid.data());
  made->append_text(3, texts, nullptr);
  made->append_fixed(4, bools.data(), kRows, nullptr);
  made->append(keys.data(), ts.data(), kRows);
  return made;
}

std::string field(int column) { return R"({"kind":"field","column":)" + std::to_string(column) + "}"; }
std::string value(const std::string& json) { return R"({"kind":"value","value":)" + json + "}"; }
std::string compare(const std::string& left, const std::string& cmp, const std::string& right) {
  return R"({"op":"compare","cmp":")" + cmp + R"(","left":)" + left + R"(,"right":)" + right + "}";
}
std::string both(const std::string& a, const std::string& b) { return R"({"op":"and","args":[)" + a + "," + b + "]}"; }
std::string negate(const std::string& a) { return R"({"op":"not","arg":)" + a + "}"; }
std::string in(int column, const std::string& values) { return R"({"op":"in","operand":)" + field(column) + R"(,"values":)" + values + "}"; }

std::vector<std::string> plans() {
  std::vector<std::string> out;
  const char* cmps[] = {"==", "!=", "<", "<=", ">", ">="};
  for (const char* cmp : cmps) {
    for (const char* v : {"-3", "17", "499", "-600", "2.5"}) {
      out.push_back(compare(field(0), cmp, value(v)));
      out.push_back(compare(value(v), cmp, field(0)));  // flipped
      out.push_back(negate(compare(field(0), cmp, value(v))));
    }
    for (const char* v : {"5", "1999", "9007199254740992", "9007199254740994", "-1"}) out.push_back(compare(field(1), cmp, value(v)));
    for (const char* v : {"10.25", "0", "99.75", "50"}) out.push_back(compare(field(2), cmp, value(v)));
    for (const char* v : {"\"t17\"", "\"t299\"", "\"t\"", "\"u\"", "3"}) out.push_back(compare(field(3), cmp, value(v)));
  }
  out.push_back(both(compare(field(0), ">", value("10")), compare(field(0), "<=", value("14"))));
  out.push_back(both(compare(value("10"), "<", field(0)), compare(field(0), "<", value("11.5"))));
  out.push_back(both(compare(field(1), ">=", value("100")), compare(field(1), "<", value("103"))));
  out.push_back(both(compare(field(2), ">", value("1")), compare(field(2), "<", value("3"))));
  out.push_back(negate(both(compare(field(2), ">", value("1")), compare(field(2), "<", value("3")))));
  out.push_back(in(0, "[1, 2, 3, 3, -499]"));
  out.push_back(in(0, "[1, 2.5, \"x\"]"));
  out.push_back(in(1, "[7, 9007199254740993]"));
  out.push_back(in(1, "[7, 8, 9]"));
  out.push_back(in(3, R"(["t1", "t2", "t1", "nope", 4])"));
  out.push_back(negate(in(3, R"(["t1", "t2"])")));
  out.push_back(compare(field(4), "==", value("true")));
  return out;
}

}  // namespace

TEST(an_indexed_segment_filters_exactly_as_a_scan) {
  const auto scanned = segment();
  const auto indexed = segment();
  for (size_t column : {0, 1, 2, 3}) indexed->build_scalar_index(column);
  CHECK(indexed->scalar_index(0) != nullptr && indexed->scalar_index(3) != nullptr && indexed->scalar_index(4) == nullptr);
  CHECK(indexed->memory_bytes() > scanned->memory_bytes());
  size_t checked = 0;
  for (const std::string& plan : plans()) {
    const qv::Filter filter(plan);
    const std::vector<uint8_t> a = filter.evaluate(*scanned, kRows);
    const std::vector<uint8_t> b = filter.evaluate(*indexed, kRows);
    CHECK(a == b);
    if (a != b) std::fprintf(stderr, "differs: %s\n", plan.c_str());
    ++checked;
  }
  CHECK(checked > 100);
  // Dropped, the column is scanned again.
  indexed->drop_scalar_index(0);
  CHECK(indexed->scalar_index(0) == nullptr);
}

TEST(an_index_covers_the_rows_it_was_built_over_only) {
  auto rows = segment();
  rows->build_scalar_index(0);
  // More rows than the index covers (a segment that grew since): the evaluator scans.
  const std::vector<int32_t> more = {17, 17};
  rows->append_fixed(0, more.data(), 2, nullptr);
  const std::vector<int64_t> longs = {0, 0};
  rows->append_fixed(1, longs.data(), 2, nullptr);
  const std::vector<double> doubles = {0, 0};
  rows->append_fixed(2, doubles.data(), 2, nullptr);
  rows->append_text(3, {"a", "b"}, nullptr);
  const std::vector<uint8_t> bools = {0, 0};
  rows->append_fixed(4, bools.data(), 2, nullptr);
  const int64_t keys[] = {int64_t(kRows), int64_t(kRows) + 1}, ts[] = {1, 1};
  rows->append(keys, ts, 2);
  const std::vector<uint8_t> pass = qv::Filter(compare(field(0), "==", value("17"))).evaluate(*rows, kRows + 2);
  CHECK(pass[kRows] == 1 && pass[kRows + 1] == 1);
}

TEST(bool_and_json_columns_have_no_scalar_index) {
  auto rows = segment();
  CHECK_THROWS_CODE(rows->build_scalar_index(4), qv::code::kInvalidArgument);
  CHECK_THROWS_CODE(rows->build_scalar_index(9), qv::code::kInvalidArgument);
}

TEST_MAIN()

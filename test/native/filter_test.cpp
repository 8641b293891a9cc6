// The JSON reader and the filter evaluator over a segment's rows: paths, every operation,
// three-valued logic with nulls and missing keys, and bad plans.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "expr/filter.h"
#include "expr/json.h"
#include "harness.h"
#include "random.h"

namespace {

TEST(json_parses_values_and_refuses_the_rest) {
  qv::Json v;
  CHECK(qv::parse_json(R"( {"a": [1, 2.5, "x\u00e9\ud83d\ude00", true, null], "b": {"c": -9223372036854775808}} )", v));
  CHECK(v.kind == qv::Json::Kind::kObject);
  const qv::Json* a = v.member("a");
  CHECK(a != nullptr && a->items.size() == 5);
  CHECK(a->items[0].kind == qv::Json::Kind::kInt && a->items[0].integer == 1);
  CHECK(a->items[1].kind == qv::Json::Kind::kDouble && a->items[1].number == 2.5);
  CHECK(a->items[2].text == "x\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(v.member("b")->member("c")->integer == INT64_MIN);
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "01x", "\"open", "tru", "1 2", "[\"\\q\"]", "{\"a\":1,}"}) {
    qv::Json out;
    CHECK(!qv::parse_json(bad, out));
  }
  std::string deep(300, '[');
  deep += std::string(300, ']');
  CHECK(!qv::parse_json(deep, v));
}

TEST(json_seek_finds_paths_without_parsing_the_rest) {
  const std::string text = R"({"skip": {"x": [1, {"y": "}"}]}, "a": {"b": [10, 20, {"c": "deep"}]}, "n": null})";
  qv::Json out;
  CHECK(qv::seek_json(text, {std::string("a"), std::string("b"), int64_t(1)}, out) && out.integer == 20);
  CHECK(qv::seek_json(text, {std::string("a"), std::string("b"), int64_t(2), std::string("c")}, out) && out.text == "deep");
  CHECK(qv::seek_json(text, {std::string("n")}, out) && out.kind == qv::Json::Kind::kNull);
  CHECK(!qv::seek_json(text, {std::string("missing")}, out));
  CHECK(!qv::seek_json(text, {std::string("a"), std::string("b"), int64_t(3)}, out));
  CHECK(!qv::seek_json(text, {std::string("a"), int64_t(0)}, out));  // an object indexed like an array
  CHECK(!qv::seek_json("not json", {std::string("a")}, out));
}

// Rows: key, age (Int32, nullable), name (VarChar), meta (JSON), tags (Array as JSON text).
std::unique_ptr<qv::SegmentRows> sample() {
  auto made = std::make_unique<qv::SegmentRows>(qv::KeyType::kInt64, std::vector<qv::ColumnType>{qv::ColumnType::kInt32, qv::ColumnType::kVarChar, qv::ColumnType::kJson, qv::ColumnType::kJson});
  qv::SegmentRows& rows = *made;
  const int32_t ages[] = {30, 0, 45, 17};
  const uint8_t valid[] = {1, 0, 1, 1};
  rows.append_fixed(0, ages, 4, valid);
  rows.append_text(1, {"apple", "banana", "apricot", "héllo_%"}, nullptr);
  rows.append_text(2, {R"({"color": "red", "n": 3, "list": [1, 2]})", R"({"color": null})", R"({"n": 3.0, "list": [2, 3]})", "{}"}, nullptr);
  rows.append_text(3, {R"(["a", "b"])", "[]", R"(["b"])", R"(["c", "a"])"}, nullptr);
  const int64_t keys[] = {1, 2, 3, 4};
  const int64_t ts[] = {1, 1, 1, 1};
  rows.append(keys, ts, 4);
  return made;
}

std::string passing(const std::string& plan) {
  const auto rows = sample();
  const std::vector<uint8_t> pass = qv::Filter(plan).evaluate(*rows, rows->rows());
  std::string out;
  for (uint8_t p : pass) out += p ? '1' : '0';
  return out;
}

const std::string kAge = R"({"kind":"field","column":0})";
const std::string kName = R"({"kind":"field","column":1})";
std::string meta(const std::string& key) { return R"({"kind":"field","column":2,"path":[")" + key + R"("]})"; }
std::string value(const std::string& json) { return R"({"kind":"value","value":)" + json + "}"; }
std::string compare(const std::string& left, const std::string& cmp, const std::string& right) {
  return R"({"op":"compare","cmp":")" + cmp + R"(","left":)" + left + R"(,"right":)" + right + "}";
}

TEST(comparisons_with_nulls_are_unknown_and_not_keeps_them_out) {
  CHECK(passing(compare(kAge, ">", value("20"))) == "1010");
  CHECK(passing(R"({"op":"not","arg":)" + compare(kAge, ">", value("20")) + "}") == "0001");  // row 2's age is null
  CHECK(passing(compare(kAge, "<=", value("17.5"))) == "0001");
  CHECK(passing(R"({"op":"isNull","column":0})") == "0100");
  CHECK(passing(R"({"op":"or","args":[)" + compare(kAge, ">", value("40")) + R"(,{"op":"isNull","column":0}]})") == "0110");
  CHECK(passing(R"({"op":"and","args":[]})") == "1111");
  CHECK(passing(compare(R"({"kind":"field","column":-1})", "!=", value("2"))) == "1011");
}

TEST(arithmetic_in_like_and_strings) {
  const std::string plus = R"({"kind":"arith","op":"+","left":)" + kAge + R"(,"right":)" + value("5") + "}";
  CHECK(passing(compare(plus, "==", value("50"))) == "0010");
  const std::string mod = R"({"kind":"arith","op":"%","left":)" + kAge + R"(,"right":)" + value("2") + "}";
  CHECK(passing(compare(mod, "==", value("1"))) == "0011");
  CHECK(passing(R"({"op":"in","operand":)" + kAge + R"(,"values":[17,30]})") == "1001");
  CHECK(passing(R"({"op":"like","operand":)" + kName + R"(,"pattern":"ap%"})") == "1010");
  CHECK(passing(R"({"op":"like","operand":)" + kName + R"(,"pattern":"%an_n%"})") == "0100");
  CHECK(passing(R"({"op":"like","operand":)" + kName + R"(,"pattern":"h_llo\\_\\%"})") == "0001");  // _ is one character (é)
  CHECK(passing(compare(kName, ">", value("\"apricot\""))) == "0101");
}

TEST(json_paths_exists_contains_and_length) {
  CHECK(passing(compare(meta("color"), "==", value("\"red\""))) == "1000");
  CHECK(passing(compare(meta("n"), "==", value("3"))) == "1010");  // 3.0 equals 3
  CHECK(passing(compare(meta("color"), "==", value("3"))) == "0000");  // a string is not 3
  CHECK(passing(R"({"op":"exists","column":2,"path":["color"]})") == "1100");  // a JSON null exists
  CHECK(passing(R"({"op":"isNull","column":2,"path":["color"]})") == "0111");
  CHECK(passing(R"({"op":"contains","mode":"one","column":2,"path":["list"],"values":[2]})") == "1010");
  CHECK(passing(R"({"op":"contains","mode":"all","column":3,"values":["a","b"]})") == "1000");
  CHECK(passing(R"({"op":"contains","mode":"any","column":3,"values":["c","b"]})") == "1011");
  const std::string length = R"({"kind":"length","column":3})";
  CHECK(passing(compare(length, "==", value("1"))) == "0010");
  const std::string first = R"({"kind":"field","column":3,"path":[0]})";
  CHECK(passing(compare(first, "==", value("\"b\""))) == "0010");
}

TEST(bad_plans_are_refused) {
  for (const char* plan : {"", "[]", R"({"op":"nope"})", R"({"op":"compare","cmp":"=","left":{},"right":{}})",
                           R"({"op":"in","operand":{"kind":"value","value":1},"values":3})", R"({"op":"isNull","column":"a"})"}) {
    CHECK_THROWS_CODE(qv::Filter{plan}, qv::code::kInvalidArgument);
  }
  const auto rows = sample();
  const qv::Filter missing(R"({"op":"isNull","column":9})");
  CHECK_THROWS_CODE(missing.evaluate(*rows, rows->rows()), qv::code::kInvalidArgument);
}

// Random bytes as JSON rows and random plans glued from fragments: every case either
// evaluates or throws qv::Error; nothing crashes (this also runs under ASan and UBSan).
TEST(fuzz_json_rows_and_plans) {
  testdata::Rng rng(17);
  const std::vector<std::string> json_bits = {"{", "}", "[", "]", ",", ":", "\"a\"", "\"b\"", "1", "-2.5e3", "true", "null",
                                              "\"\\u00e9\"", "\"\\ud800\"", "\\", " ", "0", "1e999", "\"x", "[[", "]]"};
  const std::vector<std::string> plan_bits = {
      R"({"op":"compare","cmp":"<","left":{"kind":"field","column":0,"path":["a"]},"right":{"kind":"value","value":1}})",
      R"({"op":"exists","column":0,"path":["a",0,"b"]})",
      R"({"op":"contains","mode":"any","column":0,"path":["b"],"values":[1,"a",[1]]})",
      R"({"op":"like","operand":{"kind":"field","column":0,"path":[]},"pattern":"%_\%"})",
      R"({"op":"compare","cmp":"==","left":{"kind":"length","column":0,"path":["a"]},"right":{"kind":"arith","op":"%","left":{"kind":"value","value":7},"right":{"kind":"field","column":0,"path":["b"]}}})",
      R"({"op":"not","arg":{"op":"isNull","column":0,"path":["a"]}})",
      R"({"op":"in","operand":{"kind":"negate","operand":{"kind":"field","column":0,"path":[0]}},"values":[-1,2.5]})",
      R"({"op":"or","args":[{"op":"truthy","operand":{"kind":"field","column":0,"path":["a"]}},{"op":"and","args":[]}]})",
      R"({"op":"compare","cmp":"<","left":)", R"(})", R"({"op":"isNull","column":7})", R"({"op":"in"})"};
  qv::SegmentRows rows(qv::KeyType::kInt64, {qv::ColumnType::kJson});
  std::vector<std::string> texts;
  std::vector<int64_t> keys, ts;
  for (int i = 0; i < 400; ++i) {
    std::string text;
    const int parts = 1 + int(rng.next() % 12);
    for (int p = 0; p < parts; ++p) text += json_bits[rng.next() % json_bits.size()];
    if (rng.next() % 4 == 0) text[rng.next() % text.size()] = char(rng.next() % 256);
    texts.push_back(text);
    keys.push_back(i);
    ts.push_back(1);
  }
  rows.append_text(0, texts, nullptr);
  rows.append(keys.data(), ts.data(), keys.size());
  int evaluated = 0, refused = 0;
  for (int n = 0; n < 2000; ++n) {
    std::string plan = plan_bits[rng.next() % plan_bits.size()];
    if (rng.next() % 3 == 0) plan = R"({"op":"and","args":[)" + plan + "," + plan_bits[rng.next() % plan_bits.size()] + "]}";
    if (rng.next() % 5 == 0 && !plan.empty()) plan[rng.next() % plan.size()] = char(rng.next() % 128);
    try {
      const qv::Filter filter(plan);
      CHECK_EQ(filter.evaluate(rows, rows.rows()).size(), rows.rows());
      ++evaluated;
    } catch (const qv::Error&) {
      ++refused;
    }
  }
  CHECK(evaluated > 500);
  std::printf("fuzz: %d plans over 400 random JSON rows, %d evaluated, %d refused\n", evaluated + refused, evaluated, refused);
}

}  // namespace

TEST_MAIN()

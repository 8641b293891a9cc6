// A small JSON reader for filters: parses a value into a tree (for plans and for the
// values a filter compares whole), and finds the value at a path inside a row's JSON text
// without building the parts it skips.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace qv {

// A step of a path: an object key or an array index.
using PathStep = std::variant<std::string, int64_t>;

struct Json {
  enum class Kind : uint8_t { kNull, kBool, kInt, kDouble, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  int64_t integer = 0;  // kInt: integers that fit int64 (others are kDouble)
  double number = 0;    // kDouble
  std::string text;     // kString
  std::vector<Json> items;                 // kArray
  std::vector<std::pair<std::string, Json>> members;  // kObject, in document order

  bool is_number() const { return kind == Kind::kInt || kind == Kind::kDouble; }
  double as_double() const { return kind == Kind::kInt ? double(integer) : number; }
  const Json* member(std::string_view key) const;  // the last member of that name, or null
};

// Parses one JSON value that makes up all of `text` (surrounding whitespace allowed).
// Returns false for anything else; nesting deeper than 256 is refused.
bool parse_json(std::string_view text, Json& out);

// The value at `path` inside the JSON text of a row: false if the text is not JSON, or the
// path leads nowhere (a missing key, an index out of range, a step into a scalar).
bool seek_json(std::string_view text, const std::vector<PathStep>& path, Json& out);

// Equality of JSON values as filters see it: numbers by value (1 == 1.0), the rest by kind
// and content, arrays element-wise, objects member-wise whatever the order.
bool json_equal(const Json& a, const Json& b);

}  // namespace qv

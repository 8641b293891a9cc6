// A filter plan (src/expr/plan.ts, sent as JSON with fields resolved to column numbers),
// evaluated over a segment's rows into the set of rows that pass.
//
// Logic is three-valued, as in SQL: a null field, a missing JSON key or a JSON null makes a
// comparison unknown; `not` keeps it unknown; `and`/`or` resolve it where they can; a row
// passes only if its result is true. A value of another type than the one compared with
// (a JSON string against a number) is simply false.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../segment/segment_rows.h"
#include "json.h"

namespace qv {

struct FilterOperand {
  enum class Kind : uint8_t { kField, kValue, kArith, kNegate, kLength } kind = Kind::kValue;
  int column = -1;  // kField, kLength: a column of the rows, or -1 for the primary key
  std::vector<PathStep> path;
  Json value;  // kValue
  char op = 0;  // kArith: + - * / % and ^ for **
  std::unique_ptr<FilterOperand> left, right;  // kArith (both), kNegate (left)
};

struct FilterExpr {
  enum class Op : uint8_t { kAnd, kOr, kNot, kTruthy, kCompare, kIn, kLike, kIsNull, kExists, kContains } op = Op::kAnd;
  std::vector<FilterExpr> args;   // kAnd, kOr, kNot
  FilterOperand left, right;      // kCompare (both); kTruthy, kIn, kLike (left)
  std::string cmp;                // kCompare: == != < <= > >=
  std::vector<Json> values;       // kIn, kContains
  std::string pattern;            // kLike
  char mode = '1';                // kContains: '1' one, 'a' all, 'y' any
  int column = -1;                // kIsNull, kExists, kContains
  std::vector<PathStep> path;     // kIsNull, kExists, kContains
};

class Filter {
 public:
  // Reads a plan; throws Error(kInvalidArgument) if it is not one, or names a column the
  // segment layout does not have (checked again at evaluation).
  explicit Filter(std::string_view plan_json);

  // One byte per row of the first `rows` rows: 1 where the row passes.
  std::vector<uint8_t> evaluate(const SegmentRows& segment, size_t rows) const;

 private:
  FilterExpr root_;
};

}  // namespace qv

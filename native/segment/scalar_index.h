// A sorted index over one scalar column of a sealed segment (what Milvus calls STL_SORT for
// numbers, INVERTED or TRIE for VarChar): the rows that hold a value, ordered by it. A
// comparison, a range or an IN list becomes binary searches and a pass over the matching
// rows, rather than a pass over every row. Rows with a null are left out (a comparison with
// null is unknown, which the evaluator marks from the column as it does for a scan).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "column.h"

namespace qv {

class ScalarIndex {
 public:
  // Indexes the first `rows` rows of a numeric or VarChar column (Bool, JSON: Error kInvalidArgument).
  ScalarIndex(const Column& column, size_t rows);

  size_t rows() const { return rows_; }
  bool is_text() const { return text_; }
  // Rows in value order; a range below is a span of it.
  const std::vector<uint32_t>& order() const { return order_; }
  size_t memory_bytes() const { return order_.capacity() * sizeof(uint32_t) + numbers_.capacity() * sizeof(double); }

  // Positions [first, last) of order() whose values lie between lo and hi (each bound
  // inclusive or not; an absent bound is unbounded). Numbers compare as doubles: the caller
  // leaves Int64 constants beyond 2^53 to a scan.
  std::pair<size_t, size_t> between(const double* lo, bool lo_inclusive, const double* hi, bool hi_inclusive) const;
  std::pair<size_t, size_t> between(const std::string_view* lo, bool lo_inclusive, const std::string_view* hi, bool hi_inclusive) const;

 private:
  const Column& column_;
  size_t rows_;
  bool text_;
  std::vector<uint32_t> order_;
  std::vector<double> numbers_;  // numeric columns: the value at each position of order_
};

}  // namespace qv

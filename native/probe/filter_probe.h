// Plain loops that find the rows one filter shape selects, each written for its shape alone:
// what bench/db compares the filter evaluator (native/expr/filter.h) with.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../expr/filter.h"
#include "../segment/segment_rows.h"

namespace qv {

struct FilterProbe {
  enum class Kind : uint8_t { kEquals, kRange, kIn, kPrefix, kJsonLess } kind = Kind::kEquals;
  size_t column = 0;           // an Int32 column (kEquals, kRange, kIn), VarChar (kPrefix), JSON (kJsonLess)
  int64_t a = 0, b = 0;        // kEquals: a; kRange: a < x <= b; kJsonLess: x[key] < a
  std::vector<int64_t> set;    // kIn
  std::string text;            // kPrefix: the prefix; kJsonLess: the key
};

struct FilterTiming {
  double filter_ms = 0;  // best pass of the evaluator
  double loop_ms = 0;    // best pass of the plain loop
  size_t filter_rows = 0, loop_rows = 0;  // rows each selected (they must agree)
};

// Times `rounds` passes of each over the first `rows` rows; one thread, as a segment's
// filter runs.
FilterTiming time_filter_and_loop(const SegmentRows& segment, size_t rows, const Filter& filter, const FilterProbe& probe, int rounds);

}  // namespace qv

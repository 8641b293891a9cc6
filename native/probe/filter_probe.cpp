#include "filter_probe.h"

#include <algorithm>
#include <chrono>

#include "../common/error.h"
#include "../expr/json.h"

namespace qv {

namespace {

std::vector<uint8_t> plain_loop(const SegmentRows& segment, size_t rows, const FilterProbe& p) {
  std::vector<uint8_t> out(rows, 0);
  const Column& column = segment.column(p.column);
  switch (p.kind) {
    case FilterProbe::Kind::kEquals:
      for (size_t i = 0; i < rows; ++i) out[i] = column.fixed<int32_t>(uint32_t(i)) == p.a;
      break;
    case FilterProbe::Kind::kRange:
      for (size_t i = 0; i < rows; ++i) {
        const int32_t x = column.fixed<int32_t>(uint32_t(i));
        out[i] = p.a < x && x <= p.b;
      }
      break;
    case FilterProbe::Kind::kIn:
      for (size_t i = 0; i < rows; ++i) out[i] = std::binary_search(p.set.begin(), p.set.end(), int64_t(column.fixed<int32_t>(uint32_t(i))));
      break;
    case FilterProbe::Kind::kPrefix:
      for (size_t i = 0; i < rows; ++i) out[i] = column.text(uint32_t(i)).substr(0, p.text.size()) == p.text;
      break;
    case FilterProbe::Kind::kJsonLess: {
      const std::vector<PathStep> path = {p.text};
      Json value;
      for (size_t i = 0; i < rows; ++i) {
        value = Json();
        out[i] = seek_json(column.text(uint32_t(i)), path, value) && value.is_number() && value.as_double() < double(p.a);
      }
      break;
    }
  }
  return out;
}

template <class F>
double best_ms(int rounds, F pass) {
  double best = 1e300;
  for (int r = 0; r < rounds; ++r) {
    const auto start = std::chrono::steady_clock::now();
    pass();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

FilterTiming time_filter_and_loop(const SegmentRows& segment, size_t rows, const Filter& filter, const FilterProbe& probe, int rounds) {
  if (probe.column >= segment.column_count()) throw Error(code::kInvalidArgument, "the probe's column is not in the segment");
  FilterTiming t;
  std::vector<uint8_t> a, b;
  t.filter_ms = best_ms(rounds, [&] { a = filter.evaluate(segment, rows); });
  t.loop_ms = best_ms(rounds, [&] { b = plain_loop(segment, rows, probe); });
  t.filter_rows = size_t(std::count(a.begin(), a.end(), 1));
  t.loop_rows = size_t(std::count(b.begin(), b.end(), 1));
  return t;
}

}  // namespace qv

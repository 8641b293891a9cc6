#include "scalar_index.h"

#include <algorithm>
#include <cmath>

#include "../common/error.h"

namespace qv {

namespace {

double number_at(const Column& column, uint32_t row) {
  switch (column.type()) {
    case ColumnType::kInt8: return double(column.fixed<int8_t>(row));
    case ColumnType::kInt16: return double(column.fixed<int16_t>(row));
    case ColumnType::kInt32: return double(column.fixed<int32_t>(row));
    case ColumnType::kInt64: return double(column.fixed<int64_t>(row));
    case ColumnType::kFloat: return double(column.fixed<float>(row));
    default: return column.fixed<double>(row);
  }
}

// [first, last) of a sorted sequence between two optional bounds, by `less` on its values.
template <class Value, class Get>
std::pair<size_t, size_t> span(size_t n, const Value* lo, bool lo_inclusive, const Value* hi, bool hi_inclusive, Get get) {
  size_t first = 0, last = n;
  if (lo != nullptr) {
    // The first position whose value is above lo (or not below it, when inclusive).
    size_t a = 0, b = n;
    while (a < b) {
      const size_t mid = a + (b - a) / 2;
      if (lo_inclusive ? get(mid) < *lo : !(*lo < get(mid))) a = mid + 1;
      else b = mid;
    }
    first = a;
  }
  if (hi != nullptr) {
    // The first position whose value is above hi (or not below it, when exclusive).
    size_t a = first, b = n;
    while (a < b) {
      const size_t mid = a + (b - a) / 2;
      if (hi_inclusive ? !(*hi < get(mid)) : get(mid) < *hi) a = mid + 1;
      else b = mid;
    }
    last = a;
  }
  return {first, std::max(first, last)};
}

}  // namespace

ScalarIndex::ScalarIndex(const Column& column, size_t rows) : column_(column), rows_(rows), text_(column.type() == ColumnType::kVarChar) {
  if (column.type() == ColumnType::kBool || column.type() == ColumnType::kJson) {
    throw Error(code::kInvalidArgument, "a scalar index covers numbers and VarChar only");
  }
  // A NaN compares false with everything, so it never matches what an index answers (and
  // would break the sort's ordering): left out, like nulls.
  order_.reserve(rows);
  for (uint32_t r = 0; r < rows; ++r) {
    if (!column.is_null(r) && (text_ || !std::isnan(number_at(column, r)))) order_.push_back(r);
  }
  if (text_) {
    std::stable_sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) { return column.text(a) < column.text(b); });
    return;
  }
  std::stable_sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) { return number_at(column, a) < number_at(column, b); });
  numbers_.resize(order_.size());
  for (size_t i = 0; i < order_.size(); ++i) numbers_[i] = number_at(column, order_[i]);
}

std::pair<size_t, size_t> ScalarIndex::between(const double* lo, bool lo_inclusive, const double* hi, bool hi_inclusive) const {
  return span(numbers_.size(), lo, lo_inclusive, hi, hi_inclusive, [&](size_t i) { return numbers_[i]; });
}

std::pair<size_t, size_t> ScalarIndex::between(const std::string_view* lo, bool lo_inclusive, const std::string_view* hi,
                                               bool hi_inclusive) const {
  return span(order_.size(), lo, lo_inclusive, hi, hi_inclusive, [&](size_t i) { return column_.text(order_[i]); });
}

}  // namespace qv

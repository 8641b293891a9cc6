#include "column.h"

namespace qv {

size_t column_width(ColumnType type) {
  switch (type) {
    case ColumnType::kBool:
    case ColumnType::kInt8:
      return 1;
    case ColumnType::kInt16:
      return 2;
    case ColumnType::kInt32:
    case ColumnType::kFloat:
      return 4;
    case ColumnType::kInt64:
    case ColumnType::kDouble:
      return 8;
    case ColumnType::kVarChar:
    case ColumnType::kJson:
      return 0;
  }
  return 0;
}

void Column::append_valid(const uint8_t* valid, size_t n) {
  bool all = true;
  for (size_t i = 0; valid != nullptr && i < n && all; ++i) all = valid[i] != 0;
  if (all && valid_.empty()) return;  // still no null anywhere
  if (valid_.empty()) valid_.assign(rows_, 1);
  if (valid == nullptr) valid_.insert(valid_.end(), n, 1);
  else valid_.insert(valid_.end(), valid, valid + n);
}

void Column::append_fixed(const void* values, size_t n, const uint8_t* valid) {
  append_valid(valid, n);
  const auto* bytes = static_cast<const uint8_t*>(values);
  fixed_.insert(fixed_.end(), bytes, bytes + n * width_);
  rows_ += n;
}

void Column::append_text(const std::vector<std::string>& values, const uint8_t* valid) {
  append_valid(valid, values.size());
  for (const std::string& value : values) {
    bytes_ += value;
    offsets_.push_back(bytes_.size());
  }
  rows_ += values.size();
}

void Column::shrink() {
  fixed_.shrink_to_fit();
  offsets_.shrink_to_fit();
  bytes_.shrink_to_fit();
  valid_.shrink_to_fit();
}

size_t Column::memory_bytes() const {
  return fixed_.capacity() + offsets_.capacity() * sizeof(uint64_t) + bytes_.capacity() + valid_.capacity();
}

}  // namespace qv

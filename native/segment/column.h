// One scalar column of a segment in native memory: fixed-width values (Bool as one byte,
// Int8 to Int64, Float, Double), or variable-length text (VarChar as UTF-8; JSON and Array
// values as their JSON text, which the filter evaluator reads in place). A row may be null:
// the validity bytes exist once a null was appended.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace qv {

enum class ColumnType : uint8_t { kBool, kInt8, kInt16, kInt32, kInt64, kFloat, kDouble, kVarChar, kJson };

// Bytes per value of a fixed-width type; 0 for text.
size_t column_width(ColumnType type);

class Column {
 public:
  explicit Column(ColumnType type) : type_(type), width_(column_width(type)) {}

  ColumnType type() const { return type_; }
  bool is_text() const { return width_ == 0; }
  size_t rows() const { return rows_; }

  // Appends n fixed-width values (n * width bytes, native byte order). `valid` (n bytes, 0 =
  // null) may be null: all valid.
  void append_fixed(const void* values, size_t n, const uint8_t* valid);
  // Appends text values (VarChar, or JSON text for JSON and Array columns).
  void append_text(const std::vector<std::string>& values, const uint8_t* valid);

  bool is_null(uint32_t row) const { return !valid_.empty() && valid_[row] == 0; }
  bool has_nulls() const { return !valid_.empty(); }

  template <class T>
  T fixed(uint32_t row) const {
    T value;
    std::memcpy(&value, fixed_.data() + size_t(row) * sizeof(T), sizeof(T));
    return value;
  }
  const uint8_t* fixed_data() const { return fixed_.data(); }
  std::string_view text(uint32_t row) const {
    return std::string_view(bytes_).substr(offsets_[row], offsets_[row + 1] - offsets_[row]);
  }

  void shrink();
  size_t memory_bytes() const;

 private:
  void append_valid(const uint8_t* valid, size_t n);

  ColumnType type_;
  size_t width_;
  size_t rows_ = 0;
  std::vector<uint8_t> fixed_;
  std::vector<uint64_t> offsets_{0};  // text of row r: bytes_[offsets_[r], offsets_[r + 1])
  std::string bytes_;
  std::vector<uint8_t> valid_;  // one byte per row; empty while every row is valid
};

}  // namespace qv

// A growable array of floats aligned to a cache line (to 2 MiB pages when large), so SIMD
// loads of a panel never straddle two lines and scans stream well.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "huge_alloc.h"

namespace qv {

class AlignedFloats {
 public:
  AlignedFloats() = default;
  ~AlignedFloats() { std::free(data_); }
  AlignedFloats(const AlignedFloats&) = delete;
  AlignedFloats& operator=(const AlignedFloats&) = delete;
  AlignedFloats(AlignedFloats&& other) noexcept { *this = std::move(other); }
  AlignedFloats& operator=(AlignedFloats&& other) noexcept {
    if (this != &other) {
      std::free(data_);
      data_ = other.data_;
      size_ = other.size_;
      capacity_ = other.capacity_;
      other.data_ = nullptr;
      other.size_ = other.capacity_ = 0;
    }
    return *this;
  }

  float* data() { return data_; }
  const float* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }

  // Grows to `n` floats, zero-filling the new ones; capacity at least doubles.
  void resize(size_t n) {
    if (n > capacity_) reserve(n < 2 * capacity_ ? 2 * capacity_ : n);
    if (n > size_) std::memset(data_ + size_, 0, (n - size_) * sizeof(float));
    size_ = n;
  }

  // Gives back the capacity past size() (growth doubles it): one copy into an exact buffer.
  void shrink_to_fit() {
    if (capacity_ == size_) return;
    AlignedFloats exact;
    exact.reserve(size_);
    if (size_ > 0) std::memcpy(exact.data_, data_, size_ * sizeof(float));
    exact.size_ = size_;
    *this = std::move(exact);
  }

  void reserve(size_t n) {
    if (n <= capacity_) return;
    size_t bytes = 0;
    auto* grown = static_cast<float*>(huge_alloc(n * sizeof(float), &bytes));
    if (size_ > 0) std::memcpy(grown, data_, size_ * sizeof(float));
    std::free(data_);
    data_ = grown;
    capacity_ = bytes / sizeof(float);
  }

 private:
  float* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace qv

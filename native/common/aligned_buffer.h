// A growable array of floats aligned to a cache line, so SIMD loads of a panel never
// straddle two lines and the buffer can be handed to any kernel.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

namespace qv {

class AlignedFloats {
 public:
  AlignedFloats() = default;
  ~AlignedFloats() { std::free(data_); }
  AlignedFloats(const AlignedFloats&) = delete;
  AlignedFloats& operator=(const AlignedFloats&) = delete;

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

  void reserve(size_t n) {
    if (n <= capacity_) return;
    const size_t bytes = ((n * sizeof(float) + kAlign - 1) / kAlign) * kAlign;
    auto* grown = static_cast<float*>(std::aligned_alloc(kAlign, bytes));
    if (grown == nullptr) throw std::bad_alloc();
    if (size_ > 0) std::memcpy(grown, data_, size_ * sizeof(float));
    std::free(data_);
    data_ = grown;
    capacity_ = bytes / sizeof(float);
  }

 private:
  static constexpr size_t kAlign = 64;
  float* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace qv

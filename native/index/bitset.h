// A read-only view of a bitset over rows, least significant bit first (bit i is
// byte i / 8, bit i % 8), the layout Milvus and faiss use. Rows past its end are unset.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qv {

class BitsetView {
 public:
  BitsetView() = default;
  BitsetView(const uint8_t* bytes, size_t bits) : bytes_(bytes), bits_(bits) {}

  bool test(size_t i) const { return i < bits_ && ((bytes_[i >> 3] >> (i & 7)) & 1) != 0; }
  bool empty() const { return bits_ == 0; }

 private:
  const uint8_t* bytes_ = nullptr;
  size_t bits_ = 0;
};

}  // namespace qv

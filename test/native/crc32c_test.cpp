// CRC-32C: known values, and the hardware path (three streams) against a bit-by-bit reference.
#include <cstdint>
#include <string>
#include <vector>

#include "common/crc32c.h"
#include "harness.h"
#include "random.h"

namespace {

uint32_t reference(const uint8_t* p, size_t n, uint32_t crc = 0) {
  uint32_t r = ~crc;
  for (size_t i = 0; i < n; ++i) {
    r ^= p[i];
    for (int bit = 0; bit < 8; ++bit) r = (r >> 1) ^ (r & 1 ? 0x82F63B78u : 0);
  }
  return ~r;
}

}  // namespace

TEST(known_values) {
  CHECK_EQ(qv::crc32c("123456789", 9), uint32_t(0xE3069283));  // the standard check value
  CHECK_EQ(qv::crc32c("", 0), uint32_t(0));
  const std::vector<uint8_t> zeros(32, 0);
  CHECK_EQ(qv::crc32c(zeros.data(), zeros.size()), uint32_t(0x8A9136AA));  // RFC 3720, B.4
}

TEST(matches_the_bitwise_definition_at_every_length_and_alignment) {
  testdata::Rng rng(7);
  std::vector<uint8_t> data(3 * 4096 * 3 + 100);
  for (auto& b : data) b = uint8_t(rng.next());
  for (size_t n : {size_t(1), size_t(7), size_t(8), size_t(4095), size_t(12288), size_t(12289), size_t(3 * 4096 * 3 + 97)}) {
    for (size_t offset : {size_t(0), size_t(1), size_t(3)}) {
      CHECK_EQ(qv::crc32c(data.data() + offset, n), reference(data.data() + offset, n));
    }
  }
}

TEST(continues_from_a_previous_value) {
  const std::string a(20000, 'a'), b = "and then some";
  const std::string both = a + b;
  CHECK_EQ(qv::crc32c(b.data(), b.size(), qv::crc32c(a.data(), a.size())), qv::crc32c(both.data(), both.size()));
}

TEST_MAIN()

#include "crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#elif defined(__aarch64__)
#include <arm_acle.h>
#if defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif
#endif

namespace qv {

namespace {

// The functions below work on the raw CRC register; crc32c() inverts it before and after.
constexpr uint32_t kPolynomial = 0x82F63B78;  // reflected Castagnoli polynomial

struct ByteTable {
  std::array<uint32_t, 256> entry{};
  ByteTable() {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t r = b;
      for (int bit = 0; bit < 8; ++bit) r = (r >> 1) ^ (r & 1 ? kPolynomial : 0);
      entry[b] = r;
    }
  }
};

uint32_t raw_table(uint32_t r, const uint8_t* p, size_t n) {
  static const ByteTable table;
  for (size_t i = 0; i < n; ++i) r = table.entry[(r ^ p[i]) & 0xFF] ^ (r >> 8);
  return r;
}

// The three streams each take a block of kLane bytes; their registers are then joined by
// "shifting" a register over kLane zero bytes, a linear map kept as four byte tables.
constexpr size_t kLane = 4096;

struct Shift {
  std::array<std::array<uint32_t, 256>, 4> table{};
  explicit Shift(uint32_t (*raw)(uint32_t, const uint8_t*, size_t)) {
    static const uint8_t zeros[kLane] = {};
    uint32_t basis[32];
    for (int i = 0; i < 32; ++i) basis[i] = raw(uint32_t(1) << i, zeros, kLane);
    for (int k = 0; k < 4; ++k) {
      for (uint32_t b = 0; b < 256; ++b) {
        uint32_t r = 0;
        for (int bit = 0; bit < 8; ++bit)
          if (b & (1u << bit)) r ^= basis[8 * k + bit];
        table[k][b] = r;
      }
    }
  }
  uint32_t operator()(uint32_t r) const {
    return table[0][r & 0xFF] ^ table[1][(r >> 8) & 0xFF] ^ table[2][(r >> 16) & 0xFF] ^ table[3][r >> 24];
  }
};

uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

#if defined(__x86_64__)
#define QV_CRC_TARGET __attribute__((target("sse4.2")))
QV_CRC_TARGET inline uint32_t step64(uint32_t r, uint64_t v) { return uint32_t(_mm_crc32_u64(r, v)); }
QV_CRC_TARGET inline uint32_t step8(uint32_t r, uint8_t v) { return _mm_crc32_u8(r, v); }
bool cpu_has_crc() { return __builtin_cpu_supports("sse4.2"); }
#elif defined(__aarch64__)
#define QV_CRC_TARGET __attribute__((target("+crc")))
QV_CRC_TARGET inline uint32_t step64(uint32_t r, uint64_t v) { return __crc32cd(r, v); }
QV_CRC_TARGET inline uint32_t step8(uint32_t r, uint8_t v) { return __crc32cb(r, v); }
bool cpu_has_crc() {
#if defined(__linux__)
  return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
#else
  return true;  // every Apple arm64 CPU has it
#endif
}
#endif

#ifdef QV_CRC_TARGET
QV_CRC_TARGET uint32_t raw_one_stream(uint32_t r, const uint8_t* p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) r = step64(r, load64(p));
  for (; n > 0; ++p, --n) r = step8(r, *p);
  return r;
}

// The instruction's latency is three times its issue interval: three independent streams
// keep it busy.
QV_CRC_TARGET uint32_t raw_hardware(uint32_t r, const uint8_t* p, size_t n) {
  static const Shift shift(raw_one_stream);
  for (; n >= 3 * kLane; p += 3 * kLane, n -= 3 * kLane) {
    uint32_t a = r, b = 0, c = 0;
    for (size_t i = 0; i < kLane; i += 8) {
      a = step64(a, load64(p + i));
      b = step64(b, load64(p + kLane + i));
      c = step64(c, load64(p + 2 * kLane + i));
    }
    r = shift(shift(a) ^ b) ^ c;
  }
  return raw_one_stream(r, p, n);
}
#endif

using RawCrc = uint32_t (*)(uint32_t, const uint8_t*, size_t);

RawCrc choose() {
#ifdef QV_CRC_TARGET
  if (cpu_has_crc()) return raw_hardware;
#endif
  return raw_table;
}

}  // namespace

uint32_t crc32c(const void* data, size_t size, uint32_t crc) {
  static const RawCrc raw = choose();
  return ~raw(~crc, static_cast<const uint8_t*>(data), size);
}

}  // namespace qv

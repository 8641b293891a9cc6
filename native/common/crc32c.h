// CRC-32C (Castagnoli), the checksum of rocksmq's payload files. Uses the CPU's CRC
// instruction when it has one (SSE4.2 on x86-64, the CRC extension on arm64), three
// streams at a time, and a table otherwise.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qv {

// The CRC-32C of `size` bytes, continuing from `crc` (0 to start): crc32c(b, crc32c(a)) is
// the checksum of a followed by b.
uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0);

}  // namespace qv

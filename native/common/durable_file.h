// Files written once and read back checked: the segment files' I/O. A file is written to a
// temporary name, synced, renamed into place and its folder synced, so after a crash it is
// either whole or absent. Its CRC-32C is returned for the caller to record, and checked on
// every read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qv {

// Writes the chunks, in order, as the file at path. Returns the CRC-32C of its bytes.
// Throws QV_IO (with the OS's reason) on failure; the path is then untouched.
uint32_t write_durably(const std::string& path, const std::vector<std::string>& chunks);

// The whole file. Throws QV_IO when it cannot be read, QV_INVALID_FILE when its CRC-32C
// is not `crc` (a damaged or replaced file).
std::string read_checked(const std::string& path, uint32_t crc);

}  // namespace qv

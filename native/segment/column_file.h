// A sealed segment's column files, read and rewritten natively so that their bytes never
// pass through the JavaScript thread. A column file (src/schema/columns.ts) holds the
// values, `row_width` bytes per row, zero padding to 8 bytes, then, when the column has
// nulls, one validity byte per row (0: null) and padding again. The catalog records each
// file's size and CRC-32C; every read checks both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qv {

// Reads the whole file at path into out, which holds `bytes` bytes. Throws Error(kIo) when
// it cannot be read, Error(kInvalidFile) when its size or CRC-32C is not the recorded one.
void read_checked(const std::string& path, uint64_t bytes, uint32_t crc, uint8_t* out);

// A column file as the catalog records it, and the rows of it to keep.
struct ColumnRows {
  std::string path;
  uint64_t bytes = 0;        // the whole file
  uint32_t crc = 0;          // of the whole file
  uint64_t value_bytes = 0;  // the values, before their padding
  uint64_t valid_bytes = 0;  // the validity bytes (0: no nulls)
  std::vector<uint32_t> keep;
};

struct WrittenColumn {
  uint64_t bytes = 0;
  uint32_t crc = 0;
  uint64_t value_bytes = 0;
  uint64_t valid_bytes = 0;
};

// Writes the kept rows of each source, source after source, as one column file at path
// (created or replaced, then synced; the caller syncs its folder), after checking each
// source's size and CRC-32C. When any source has nulls, the new file has a validity byte
// for every row (1 for the rows of a source without nulls).
WrittenColumn copy_column_rows(const std::vector<ColumnRows>& sources, size_t row_width, const std::string& path);

}  // namespace qv

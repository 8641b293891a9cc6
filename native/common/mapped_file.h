// A file mapped read-only into memory: its pages are read from disk when first touched and
// belong to the page cache, so the kernel can drop them again under memory pressure
// (unlike heap memory, which only swap could free).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace qv {

class MappedFile {
 public:
  // Throws Error(kIo) when the file cannot be opened or mapped.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  // The file as a vector column: `rows` vectors of `dim` floats first (what follows, a column
  // file's padding to 8 bytes, is ignored), after checking that and the whole file's CRC-32C
  // (Error kInvalidFile otherwise).
  const float* vectors(size_t rows, size_t dim, uint32_t crc) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace qv

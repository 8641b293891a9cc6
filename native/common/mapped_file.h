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
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace qv

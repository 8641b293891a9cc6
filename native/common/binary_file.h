// Binary files written and read with a running CRC-32C: what index files are made of.
// BinaryWriter counts the bytes and the CRC as it writes; BinaryReader checks every count
// against the bytes left before a caller allocates for it, so a crafted file cannot make
// it reserve more memory than the file could fill.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>

#include "crc32c.h"
#include "error.h"

namespace qv {

class BinaryWriter {
 public:
  explicit BinaryWriter(const std::string& path) : path_(path), out_(path, std::ios::binary | std::ios::trunc) {
    if (!out_) throw Error(code::kIo, "cannot write " + path + ": " + std::strerror(errno));
  }
  void bytes(const void* p, size_t n) {
    out_.write(static_cast<const char*>(p), std::streamsize(n));
    crc_ = crc32c(p, n, crc_);
    written_ += n;
  }
  uint32_t crc() const { return crc_; }
  template <class T>
  void value(T v) { bytes(&v, sizeof v); }
  template <class T>
  void array(const T* p, size_t n) { bytes(p, n * sizeof(T)); }
  uint64_t written() const { return written_; }
  // Zero bytes up to the next multiple of `alignment` from the file's start.
  void pad(size_t alignment) {
    static const char zeros[64] = {};
    const size_t n = size_t((alignment - written_ % alignment) % alignment);
    bytes(zeros, n);
  }
  void close() {
    out_.close();
    if (!out_) throw Error(code::kIo, "cannot write " + path_ + " (disk full?)");
  }

 private:
  std::string path_;
  std::ofstream out_;
  uint64_t written_ = 0;
  uint32_t crc_ = 0;
};

class BinaryReader {
 public:
  explicit BinaryReader(const std::string& path) : path_(path), in_(path, std::ios::binary | std::ios::ate) {
    if (!in_) throw Error(code::kIo, "cannot read " + path + ": " + std::strerror(errno));
    size_ = uint64_t(in_.tellg());
    in_.seekg(0);
  }
  void bytes(void* p, size_t n) {
    need(n, 1, "length");
    in_.read(static_cast<char*>(p), std::streamsize(n));
    if (size_t(in_.gcount()) != n) throw Error(code::kInvalidFile, path_ + " is truncated");
    crc_ = crc32c(p, n, crc_);
    read_ += n;
  }
  // Throws unless `count` items of `item_bytes` each fit in what is left of the file.
  void need(uint64_t count, uint64_t item_bytes, const char* what) const {
    if (item_bytes != 0 && count > left() / item_bytes) {
      throw Error(code::kInvalidFile, path_ + " is truncated or corrupt (" + what + ")");
    }
  }
  uint32_t crc() const { return crc_; }
  template <class T>
  T value() {
    T v;
    bytes(&v, sizeof v);
    return v;
  }
  template <class T>
  void array(T* p, size_t n) { bytes(p, n * sizeof(T)); }
  // A count read from the file, checked against a limit and against the bytes left for
  // items of `item_bytes` each.
  uint64_t count(uint64_t limit, uint64_t item_bytes, const char* what) {
    const uint64_t n = value<uint64_t>();
    if (n > limit) throw Error(code::kInvalidFile, path_ + " is corrupt (" + what + ")");
    need(n, item_bytes, what);
    return n;
  }
  uint64_t read() const { return read_; }
  uint64_t left() const { return size_ - read_; }
  const std::string& path() const { return path_; }
  // Reads past n bytes (into the CRC, not into memory).
  void skip(uint64_t n) {
    need(n, 1, "length");
    char buffer[1 << 16];
    while (n > 0) {
      const size_t step = size_t(std::min<uint64_t>(n, sizeof buffer));
      bytes(buffer, step);
      n -= step;
    }
  }
  // Past the padding BinaryWriter::pad wrote.
  void pad(size_t alignment) { skip((alignment - read_ % alignment) % alignment); }

 private:
  std::string path_;
  std::ifstream in_;
  uint64_t size_ = 0;
  uint64_t read_ = 0;
  uint32_t crc_ = 0;
};

}  // namespace qv

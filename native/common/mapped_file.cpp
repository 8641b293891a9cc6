#include "mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "crc32c.h"
#include "error.h"

namespace qv {

MappedFile::MappedFile(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(code::kIo, "cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    throw Error(code::kIo, "cannot stat " + path + ": " + std::strerror(error));
  }
  size_ = size_t(st.st_size);
  if (size_ > 0) {
    void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
    const int error = errno;
    ::close(fd);  // the mapping keeps the file open
    if (mapped == MAP_FAILED) throw Error(code::kIo, "cannot map " + path + ": " + std::strerror(error));
    data_ = static_cast<const uint8_t*>(mapped);
  } else {
    ::close(fd);
  }
}

const float* MappedFile::vectors(size_t rows, size_t dim, uint32_t crc) const {
  if (dim == 0 || size_ < rows * dim * sizeof(float)) {
    throw Error(code::kInvalidFile, path_ + " does not hold " + std::to_string(rows) + " vectors of dimension " + std::to_string(dim));
  }
  if (crc32c(data_, size_) != crc) throw Error(code::kInvalidFile, path_ + " is corrupt (checksum)");
  return reinterpret_cast<const float*>(data_);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace qv

#include "column_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "../common/crc32c.h"
#include "../common/error.h"
#include "../common/mapped_file.h"

namespace qv {

namespace {

constexpr uint64_t kAlign = 8;

uint64_t padded(uint64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

std::string damaged(const std::string& path) {
  return path + " is damaged: its length or CRC-32C is not what was recorded when it was written";
}

// A file being written: small pieces gather in a buffer, large ones go straight to the
// kernel; the CRC-32C and size are counted on the way.
class FileSink {
 public:
  explicit FileSink(const std::string& path) : path_(path), buffer_(new uint8_t[kBuffer]) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(code::kIo, "cannot write " + path + ": " + std::strerror(errno));
  }
  ~FileSink() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  void append(const uint8_t* data, size_t n) {
    crc_ = crc32c(data, n, crc_);
    written_ += n;
    if (used_ + n > kBuffer) flush();
    if (n >= kBuffer) {
      write_all(data, n);
      return;
    }
    std::memcpy(buffer_.get() + used_, data, n);
    used_ += n;
  }

  void pad() {
    static const uint8_t zeros[kAlign] = {};
    append(zeros, size_t(padded(written_) - written_));
  }

  uint64_t written() const { return written_; }
  uint32_t crc() const { return crc_; }

  // Everything on the disk: flushed, synced and closed.
  void finish() {
    flush();
    if (::fsync(fd_) != 0) throw Error(code::kIo, "cannot sync " + path_ + ": " + std::strerror(errno));
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw Error(code::kIo, "cannot write " + path_ + ": " + std::strerror(errno));
  }

 private:
  static constexpr size_t kBuffer = size_t(1) << 20;

  void flush() {
    write_all(buffer_.get(), used_);
    used_ = 0;
  }

  void write_all(const uint8_t* data, size_t n) {
    while (n > 0) {
      const ssize_t done = ::write(fd_, data, n);
      if (done < 0 && errno == EINTR) continue;
      if (done <= 0) throw Error(code::kIo, "cannot write " + path_ + ": " + std::strerror(errno));
      data += done;
      n -= size_t(done);
    }
  }

  std::string path_;
  int fd_ = -1;
  std::unique_ptr<uint8_t[]> buffer_;
  size_t used_ = 0;
  uint64_t written_ = 0;
  uint32_t crc_ = 0;
};

// A source mapped and checked: its values and validity bytes.
struct CheckedSource {
  std::unique_ptr<MappedFile> file;
  uint64_t rows = 0;
  const uint8_t* values = nullptr;
  const uint8_t* valid = nullptr;  // null: no nulls
};

CheckedSource check_source(const ColumnRows& source, size_t row_width) {
  CheckedSource out;
  out.file = std::make_unique<MappedFile>(source.path);
  const MappedFile& file = *out.file;
  const bool shaped = source.value_bytes % row_width == 0 &&
                      padded(source.value_bytes) + padded(source.valid_bytes) <= file.size() &&
                      (source.valid_bytes == 0 || source.valid_bytes == source.value_bytes / row_width);
  if (file.size() != source.bytes || !shaped || crc32c(file.data(), file.size()) != source.crc) {
    throw Error(code::kInvalidFile, damaged(source.path));
  }
  out.rows = source.value_bytes / row_width;
  out.values = file.data();
  if (source.valid_bytes > 0) out.valid = file.data() + padded(source.value_bytes);
  for (uint32_t row : source.keep) {
    if (row >= out.rows) throw Error(code::kInvalidArgument, "row " + std::to_string(row) + " is past the " + std::to_string(out.rows) + " rows of " + source.path);
  }
  return out;
}

}  // namespace

void read_checked(const std::string& path, uint64_t bytes, uint32_t crc, uint8_t* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(code::kIo, "cannot read " + path + ": " + std::strerror(errno));
  struct stat st {};
  uint64_t done = 0;
  int error = 0;
  if (::fstat(fd, &st) != 0) error = errno;
  while (error == 0 && uint64_t(st.st_size) == bytes && done < bytes) {
    const ssize_t n = ::read(fd, out + done, size_t(bytes - done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = errno;
    if (n <= 0) break;
    done += uint64_t(n);
  }
  ::close(fd);
  if (error != 0) throw Error(code::kIo, "cannot read " + path + ": " + std::strerror(error));
  if (uint64_t(st.st_size) != bytes || done != bytes || crc32c(out, bytes) != crc) throw Error(code::kInvalidFile, damaged(path));
}

WrittenColumn copy_column_rows(const std::vector<ColumnRows>& sources, size_t row_width, const std::string& path) {
  if (row_width == 0) throw Error(code::kInvalidArgument, "a row is at least one byte wide");
  std::vector<CheckedSource> checked;
  checked.reserve(sources.size());
  bool nullable = false;
  for (const ColumnRows& source : sources) {
    checked.push_back(check_source(source, row_width));
    nullable = nullable || checked.back().valid != nullptr;
  }
  FileSink sink(path);
  // Values: a run of consecutive rows is one piece.
  for (size_t s = 0; s < sources.size(); ++s) {
    const std::vector<uint32_t>& keep = sources[s].keep;
    for (size_t i = 0; i < keep.size();) {
      size_t end = i + 1;
      while (end < keep.size() && keep[end] == keep[end - 1] + 1) ++end;
      sink.append(checked[s].values + uint64_t(keep[i]) * row_width, (end - i) * row_width);
      i = end;
    }
  }
  WrittenColumn out;
  out.value_bytes = sink.written();
  sink.pad();
  if (nullable) {
    const uint64_t start = sink.written();
    std::vector<uint8_t> valid;
    for (size_t s = 0; s < sources.size(); ++s) {
      valid.assign(sources[s].keep.size(), 1);
      if (checked[s].valid != nullptr) {
        for (size_t i = 0; i < valid.size(); ++i) valid[i] = checked[s].valid[sources[s].keep[i]];
      }
      sink.append(valid.data(), valid.size());
    }
    out.valid_bytes = sink.written() - start;
    sink.pad();
  }
  sink.finish();
  out.bytes = sink.written();
  out.crc = sink.crc();
  return out;
}

}  // namespace qv

#include "payload_files.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <filesystem>

#include "../common/crc32c.h"
#include "../common/error.h"

namespace qv {

namespace {

constexpr const char* kSuffix = ".payloads";

// File numbers stay far below 2^64, so the next one can never wrap around to 0 ("no file").
constexpr uint64_t kMaxFileNumber = uint64_t(1) << 48;

// The number of a file named <digits>.payloads, or 0 for a name rocksmq never writes.
uint64_t file_number(const std::filesystem::path& path) {
  const std::string stem = path.stem().string();
  if (path.extension() != kSuffix || stem.empty() || stem.size() > 15) return 0;
  if (!std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; })) return 0;
  const uint64_t number = std::strtoull(stem.c_str(), nullptr, 10);
  return number < kMaxFileNumber ? number : 0;
}

[[noreturn]] void fail(const std::string& what) {
  throw Error(code::kStorage, what + ": " + std::strerror(errno));
}

// Data and size on stable storage (macOS's fsync stops at the drive's cache).
int sync_data(int fd) {
#ifdef __APPLE__
  return fcntl(fd, F_FULLFSYNC);
#else
  return fdatasync(fd);
#endif
}

// The disk starts on what is written every this many bytes, while the rest is still being
// copied, so that the sync at the end waits for less.
constexpr uint64_t kWritebackStep = 8 << 20;

void start_writeback([[maybe_unused]] int fd, [[maybe_unused]] uint64_t from, [[maybe_unused]] uint64_t to) {
#ifdef __linux__
  sync_file_range(fd, off_t(from), off_t(to - from), SYNC_FILE_RANGE_WRITE);  // a hint: errors show at the sync
#endif
}

// pwritev until every byte is written: a write may stop early.
bool write_all(int fd, std::vector<iovec> parts, uint64_t offset) {
  size_t first = 0;
  uint64_t unstarted = offset;  // where the bytes not yet handed to the disk begin
  while (first < parts.size()) {
    // At most about kWritebackStep bytes per call (always at least one part).
    size_t count = 0;
    for (uint64_t bytes = 0; first + count < parts.size() && count < IOV_MAX && (count == 0 || bytes < kWritebackStep); ++count) {
      bytes += parts[first + count].iov_len;
    }
    ssize_t written = pwritev(fd, parts.data() + first, int(count), off_t(offset));
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (written == 0) {
      errno = EIO;  // no progress and no reason given
      return false;
    }
    offset += uint64_t(written);
    for (; first < parts.size() && size_t(written) >= parts[first].iov_len; ++first) written -= ssize_t(parts[first].iov_len);
    if (first < parts.size()) {
      parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + written;
      parts[first].iov_len -= size_t(written);
    }
    if (offset - unstarted >= kWritebackStep) {
      start_writeback(fd, unstarted, offset);
      unstarted = offset;
    }
  }
  return true;
}

}  // namespace

PayloadFiles::PayloadFiles(std::string dir, const std::set<uint64_t>& referenced) : dir_(std::move(dir)) {
  std::error_code error;
  std::filesystem::create_directories(dir_, error);
  if (error) throw Error(code::kStorage, "cannot make " + dir_ + ": " + error.message());
  dir_fd_ = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) fail("cannot open " + dir_);
  if (!referenced.empty()) last_number_ = *referenced.rbegin();
  std::vector<uint64_t> orphans;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, error)) {
    const uint64_t number = file_number(entry.path());
    if (number == 0) continue;  // not ours: left alone, and it does not move the numbering
    last_number_ = std::max(last_number_, number);
    if (referenced.count(number) == 0) orphans.push_back(number);
  }
  if (error) throw Error(code::kStorage, "cannot list " + dir_ + ": " + error.message());
  for (uint64_t number : orphans) remove(number);
}

PayloadFiles::~PayloadFiles() {
  if (active_fd_ >= 0) close(active_fd_);
  if (dir_fd_ >= 0) close(dir_fd_);
}

std::string PayloadFiles::path(uint64_t file) const {
  char name[32];
  std::snprintf(name, sizeof name, "%010llu%s", static_cast<unsigned long long>(file), kSuffix);
  return dir_ + "/" + name;
}

void PayloadFiles::begin_file() {
  seal();
  const uint64_t number = last_number_ + 1;
  if (number >= kMaxFileNumber) throw Error(code::kStorage, "rocksmq has used every payload file number in " + dir_);
  const int fd = open(path(number).c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot make " + path(number));
  last_number_ = number;
  // The file's name must be on disk before the index points into it.
  if (fsync(dir_fd_) != 0) {
    close(fd);
    fail("cannot sync " + dir_);
  }
  active_ = number;
  active_fd_ = fd;
  active_size_ = 0;
}

void PayloadFiles::seal() {
  if (active_fd_ >= 0) close(active_fd_);
  active_fd_ = -1;
  active_ = 0;
  active_size_ = 0;
}

std::vector<PayloadRef> PayloadFiles::append(const std::vector<const std::string*>& payloads, const std::vector<uint32_t>& crcs) {
  if (active_fd_ < 0 || active_size_ >= kFileBytes) begin_file();
  std::vector<PayloadRef> refs;
  std::vector<iovec> parts;
  refs.reserve(payloads.size());
  parts.reserve(payloads.size());
  uint64_t end = active_size_;
  for (size_t i = 0; i < payloads.size(); ++i) {
    refs.push_back(PayloadRef{active_, end, payloads[i]->size(), crcs[i]});
    parts.push_back(iovec{const_cast<char*>(payloads[i]->data()), payloads[i]->size()});
    end += payloads[i]->size();
  }
  if (!write_all(active_fd_, std::move(parts), active_size_) || sync_data(active_fd_) != 0) {
    const std::string file = path(active_);
    const int saved = errno;
    seal();  // a failed sync may leave pages that will never reach the disk: write elsewhere
    errno = saved;
    fail("cannot write " + file);
  }
  active_size_ = end;
  return refs;
}

void PayloadFiles::remove(uint64_t file) {
  if (file == active_) seal();
  if (unlink(path(file).c_str()) != 0 && errno != ENOENT) fail("cannot delete " + path(file));
}

PayloadFiles::Reader::~Reader() {
  if (fd_ >= 0) close(fd_);
}

bool PayloadFiles::Reader::read(const PayloadRef& ref, std::string& out) {
  if (fd_ < 0 || file_ != ref.file) {
    if (fd_ >= 0) close(fd_);
    file_ = ref.file;
    fd_ = open(files_.path(ref.file).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      if (errno == ENOENT) return false;
      fail("cannot open " + files_.path(ref.file));
    }
  }
  out.resize(ref.length);
  for (uint64_t done = 0; done < ref.length;) {
    const ssize_t got = pread(fd_, &out[done], ref.length - done, off_t(ref.offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail("cannot read " + files_.path(ref.file));
    if (got == 0) {
      throw Error(code::kStorage, files_.path(ref.file) + " ends before byte " + std::to_string(ref.offset + ref.length) +
                                      ", where a payload should end");
    }
    done += uint64_t(got);
  }
  if (crc32c(out.data(), out.size()) != ref.crc) {
    throw Error(code::kStorage, "the payload at byte " + std::to_string(ref.offset) + " of " + files_.path(ref.file) +
                                    " is damaged (its checksum does not match)");
  }
  return true;
}

}  // namespace qv

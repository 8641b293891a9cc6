#include "common/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/crc32c.h"
#include "common/error.h"

namespace qv {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw Error(code::kIo, what + " " + path + ": " + std::strerror(errno));
}

// Closes on every path out, so an exception never leaks the descriptor.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void write_all(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", path);
    }
    data += n;
    size -= size_t(n);
  }
}

void sync_folder(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string folder = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  Fd dir{::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir.fd < 0 || ::fsync(dir.fd) != 0) fail("cannot sync the folder of", path);
}

}  // namespace

uint32_t write_durably(const std::string& path, const std::vector<std::string>& chunks) {
  const std::string temporary = path + ".tmp";
  uint32_t crc = 0;
  {
    Fd file{::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (file.fd < 0) fail("cannot create", temporary);
    try {
      for (const std::string& chunk : chunks) {
        write_all(file.fd, chunk.data(), chunk.size(), temporary);
        crc = crc32c(chunk.data(), chunk.size(), crc);
      }
      if (::fsync(file.fd) != 0) fail("cannot sync", temporary);
    } catch (...) {
      ::unlink(temporary.c_str());
      throw;
    }
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temporary.c_str());
    errno = saved;
    fail("cannot rename into place", path);
  }
  sync_folder(path);
  return crc;
}

std::string read_checked(const std::string& path, uint32_t crc) {
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) fail("cannot open", path);
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) fail("cannot stat", path);
  std::string bytes(size_t(info.st_size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pread(file.fd, bytes.data() + done, bytes.size() - done, off_t(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read", path);
    if (n == 0) throw Error(code::kInvalidFile, path + " ended early (it shrank while being read)");
    done += size_t(n);
  }
  if (crc32c(bytes.data(), bytes.size()) != crc) {
    throw Error(code::kInvalidFile, path + " is damaged: its CRC-32C does not match the one recorded when it was written");
  }
  return bytes;
}

}  // namespace qv

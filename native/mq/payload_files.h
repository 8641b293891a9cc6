// rocksmq's large payloads, in append-only files beside the database. Putting a large
// payload in RocksDB writes it twice (the write-ahead log, then a blob file at flush); here
// it is written once and synced once per group commit, and RocksDB keeps only where it is.
//
// Files are named <number>.payloads. One writer appends to the newest; the older ones are
// never changed again, and each is deleted whole once no message in it is kept.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace qv {

// Where one payload is: the file's number and the byte range in it, and its CRC-32C.
struct PayloadRef {
  uint64_t file = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t crc = 0;
};

class PayloadFiles {
 public:
  // A new file is begun once the newest has reached this size, so that retention can give
  // space back in steps of this size.
  static constexpr uint64_t kFileBytes = 16 << 20;

  // Opens (and makes) the folder. Files not in `referenced` hold only the tail of a write
  // whose index never committed (the process died in between): they are deleted.
  PayloadFiles(std::string dir, const std::set<uint64_t>& referenced);
  ~PayloadFiles();
  PayloadFiles(const PayloadFiles&) = delete;
  PayloadFiles& operator=(const PayloadFiles&) = delete;

  // The writer's side; calls must not overlap.
  // Writes the payloads one after another into one file and syncs them before returning
  // (their order is kept); `crcs` are their checksums. Throws Error(kStorage); the file is
  // then sealed.
  std::vector<PayloadRef> append(const std::vector<const std::string*>& payloads, const std::vector<uint32_t>& crcs);
  // The file appends go to now, or 0 before the first.
  uint64_t active() const { return active_; }
  // The next append begins a new file: used when what follows the last append in the
  // active file is unknown (a failed write, an index that did not commit).
  void seal();
  void remove(uint64_t file);

  // The readers' side: any number at once, each with its own open files.
  class Reader {
   public:
    explicit Reader(const PayloadFiles& files) : files_(files) {}
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    // Reads one payload into `out`; false if its file no longer exists. Throws Error(kStorage),
    // also when the bytes read do not have the payload's checksum.
    bool read(const PayloadRef& ref, std::string& out);

   private:
    const PayloadFiles& files_;
    uint64_t file_ = 0;
    int fd_ = -1;
  };

 private:
  std::string path(uint64_t file) const;
  void begin_file();

  const std::string dir_;
  int dir_fd_ = -1;
  uint64_t last_number_ = 0;  // numbers are never reused
  uint64_t active_ = 0;
  int active_fd_ = -1;
  uint64_t active_size_ = 0;
};

}  // namespace qv

#include "rocksdb_info.h"

#include <rocksdb/version.h>

namespace qv {

std::string rocksdb_version() { return rocksdb::GetRocksVersionAsString(true); }

}  // namespace qv

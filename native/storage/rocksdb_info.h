// Facts about the RocksDB this build links (the log broker and meta store are built on it).
#pragma once

#include <string>

namespace qv {

std::string rocksdb_version();

}  // namespace qv

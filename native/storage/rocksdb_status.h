// A failed RocksDB call as the engine's error: QV_STORAGE, with what was being done and why.
#pragma once

#include <rocksdb/status.h>

#include <string>

#include "../common/error.h"

namespace qv {

inline void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw Error(code::kStorage, std::string(what) + ": " + s.ToString());
}

}  // namespace qv

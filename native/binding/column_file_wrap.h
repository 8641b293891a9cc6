// readChecked(path, bytes, crc) and copyColumnRows(sources, rowWidth, path): a segment's
// column files read and rewritten on QuiverDB's threads, their bytes never on the
// JavaScript thread.
#pragma once

#include <napi.h>

namespace qvnode {

void RegisterColumnFiles(Napi::Env env, Napi::Object exports);

}  // namespace qvnode

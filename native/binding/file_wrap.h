// writeFileDurably and readFileChecked: the segment files' I/O, on the I/O pool.
#pragma once

#include <napi.h>

namespace qvnode {

void RegisterFileFunctions(Napi::Env env, Napi::Object exports);

}  // namespace qvnode

// crc32c(bytes, crc?): the CRC-32C of a Uint8Array, for segment files.
#pragma once

#include <napi.h>

namespace qvnode {

void RegisterCrc32c(Napi::Env env, Napi::Object exports);

}  // namespace qvnode

#include "crc32c_wrap.h"

#include "common/crc32c.h"
#include "common/error.h"
#include "convert.h"

namespace qvnode {

namespace {

// crc32c(bytes: Uint8Array, crc = 0): number. Synchronous on purpose: the hardware CRC runs
// at several GB/s, so a 100 MB column takes milliseconds, less than copying it out to a
// pool thread would (and a copy is what the rule "copy inputs before queueing" would cost).
Napi::Value Crc32c(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowError(env, qv::code::kInvalidArgument, "crc32c takes a Uint8Array");
  }
  auto bytes = info[0].As<Napi::Uint8Array>();
  const uint32_t start = info[1].IsUndefined() ? 0 : ToUint32(env, info[1], "crc");
  return Napi::Number::New(env, double(qv::crc32c(bytes.Data(), bytes.ByteLength(), start)));
}

}  // namespace

void RegisterCrc32c(Napi::Env env, Napi::Object exports) {
  exports.Set("crc32c", Napi::Function::New<Crc32c>(env, "crc32c"));
}

}  // namespace qvnode

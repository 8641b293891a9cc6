#include "file_wrap.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/durable_file.h"
#include "common/error.h"
#include "convert.h"
#include "lambda_job.h"

namespace qvnode {

namespace {

std::string PathArg(Napi::Env env, Napi::Value value) {
  if (!value.IsString()) ThrowError(env, qv::code::kInvalidArgument, "path must be a string");
  return value.As<Napi::String>().Utf8Value();
}

// writeFileDurably(path, chunks: Uint8Array[]): Promise<number> (the file's CRC-32C)
Napi::Value WriteFileDurably(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = PathArg(env, info[0]);
  if (!info[1].IsArray()) ThrowError(env, qv::code::kInvalidArgument, "chunks must be an array of Uint8Array");
  Napi::Array array = info[1].As<Napi::Array>();
  auto chunks = std::make_shared<std::vector<std::string>>();
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value v = array.Get(i);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      ThrowError(env, qv::code::kInvalidArgument, "chunk " + std::to_string(i) + " is not a Uint8Array");
    }
    auto bytes = v.As<Napi::Uint8Array>();
    chunks->emplace_back(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
  }
  auto crc = std::make_shared<uint32_t>(0);
  return LambdaJob::Queue(
      env, [path, chunks, crc] { *crc = qv::write_durably(path, *chunks); },
      [crc](Napi::Env env) { return Napi::Number::New(env, double(*crc)); }, qv::ThreadPool::io());
}

// readFileChecked(path, crc): Promise<Uint8Array>
Napi::Value ReadFileChecked(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = PathArg(env, info[0]);
  const uint32_t crc = ToUint32(env, info[1], "crc");
  auto bytes = std::make_shared<std::string>();
  return LambdaJob::Queue(
      env, [path, crc, bytes] { *bytes = qv::read_checked(path, crc); },
      [bytes](Napi::Env env) {
        auto out = Napi::Uint8Array::New(env, bytes->size());
        std::memcpy(out.Data(), bytes->data(), bytes->size());
        return out;
      },
      qv::ThreadPool::io());
}

}  // namespace

void RegisterFileFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("writeFileDurably", Napi::Function::New<WriteFileDurably>(env, "writeFileDurably"));
  exports.Set("readFileChecked", Napi::Function::New<ReadFileChecked>(env, "readFileChecked"));
}

}  // namespace qvnode

#include "mapped_flat_index_wrap.h"

#include <string>

#include "addon_data.h"
#include "common/error.h"
#include "convert.h"
#include "lambda_job.h"
#include "vectors_job.h"

namespace qvnode {

Napi::Function MappedFlatIndexWrap::Define(Napi::Env env) {
  return DefineClass(env, "MappedFlatIndex",
                     {
                         StaticMethod<&MappedFlatIndexWrap::Map>("map"),
                         InstanceMethod<&MappedFlatIndexWrap::Vectors>("vectors"),
                         InstanceMethod<&MappedFlatIndexWrap::MemoryBytes>("memoryBytes"),
                         InstanceMethod<&MappedFlatIndexWrap::MappedBytes>("mappedBytes"),
                         InstanceMethod<&MappedFlatIndexWrap::Close>("close"),
                         InstanceAccessor<&MappedFlatIndexWrap::Rows>("rows"),
                         InstanceAccessor<&MappedFlatIndexWrap::Dim>("dim"),
                     });
}

MappedFlatIndexWrap::MappedFlatIndexWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MappedFlatIndexWrap>(info) {
  if (!info[0].IsExternal()) ThrowError(info.Env(), qv::code::kInvalidArgument, "MappedFlatIndex is made with MappedFlatIndex.map()");
  index_ = Shared<qv::MappedFlatIndex>(info[0]);
}

std::shared_ptr<qv::MappedFlatIndex> MappedFlatIndexWrap::Find(Napi::Env env, Napi::Value value) {
  Napi::Function constructor = Data(env).mapped_flat_index_constructor.Value();
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(constructor)) return nullptr;
  return Unwrap(value.As<Napi::Object>())->Index(env);  // a ClosedError once closed
}

// MappedFlatIndex.map(path, dim, metric, crc, rows): Promise<MappedFlatIndex>. Checks the
// file's CRC-32C as it maps it (which also brings its pages into the cache once).
Napi::Value MappedFlatIndexWrap::Map(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = ToString(env, info[0], "path");
  const uint32_t dim = ToUint32(env, info[1], "dim");
  const qv::Metric metric = ToMetric(env, info[2]);
  const uint32_t crc = ToUint32(env, info[3], "crc");
  const uint32_t rows = ToUint32(env, info[4], "rows");
  auto made = std::make_shared<std::shared_ptr<qv::MappedFlatIndex>>();
  return QueueIo(
      env, [made, path, dim, metric, crc, rows] { *made = std::make_shared<qv::MappedFlatIndex>(path, dim, metric, crc, rows); },
      [made](Napi::Env env) { return NewWrapping(env, Data(env).mapped_flat_index_constructor, *made); });
}

// vectors(rows: Uint32Array): Promise<Float32Array> (rows x dim, row-major)
Napi::Value MappedFlatIndexWrap::Vectors(const Napi::CallbackInfo& info) { return QueueVectors(info.Env(), info[0], Index(info.Env())); }

Napi::Value MappedFlatIndexWrap::Rows(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(Index(info.Env())->rows()));
}
Napi::Value MappedFlatIndexWrap::Dim(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(Index(info.Env())->dim())); }
Napi::Value MappedFlatIndexWrap::MemoryBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(Index(info.Env())->memory_bytes()));
}
Napi::Value MappedFlatIndexWrap::MappedBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(Index(info.Env())->mapped_bytes()));
}

// close(): the file is unmapped once the work already queued on it is done (each job holds
// the index); every later call throws ClosedError. Closing twice does nothing.
Napi::Value MappedFlatIndexWrap::Close(const Napi::CallbackInfo& info) {
  index_.reset();
  return info.Env().Undefined();
}

const std::shared_ptr<qv::MappedFlatIndex>& MappedFlatIndexWrap::Index(Napi::Env env) const {
  if (!index_) ThrowError(env, qv::code::kClosed, "the MappedFlatIndex is closed");
  return index_;
}

}  // namespace qvnode

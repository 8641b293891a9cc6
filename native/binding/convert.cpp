#include "convert.h"

#include <cmath>
#include <cstring>

#include "common/error.h"

namespace qvnode {

Napi::Error MakeError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

void ThrowError(Napi::Env env, const char* code, const std::string& message) {
  throw MakeError(env, code, message);
}

namespace {

template <class T>
std::vector<T> CopyTyped(Napi::Env env, Napi::Value value, napi_typedarray_type type, const char* type_name,
                         const char* what) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type) {
    ThrowError(env, qv::code::kInvalidArgument, std::string(what) + " must be a " + type_name);
  }
  auto array = value.As<Napi::TypedArrayOf<T>>();
  return std::vector<T>(array.Data(), array.Data() + array.ElementLength());
}

template <class T>
Napi::TypedArrayOf<T> NewTyped(Napi::Env env, const std::vector<T>& values) {
  auto array = Napi::TypedArrayOf<T>::New(env, values.size());
  if (!values.empty()) std::memcpy(array.Data(), values.data(), values.size() * sizeof(T));
  return array;
}

}  // namespace

std::vector<float> CopyFloat32Array(Napi::Env env, Napi::Value value, const char* what) {
  return CopyTyped<float>(env, value, napi_float32_array, "Float32Array", what);
}

std::vector<int64_t> CopyBigInt64Array(Napi::Env env, Napi::Value value, const char* what) {
  return CopyTyped<int64_t>(env, value, napi_bigint64_array, "BigInt64Array", what);
}

std::vector<uint8_t> CopyUint8Array(Napi::Env env, Napi::Value value, const char* what) {
  return CopyTyped<uint8_t>(env, value, napi_uint8_array, "Uint8Array", what);
}

std::vector<uint32_t> CopyUint32Array(Napi::Env env, Napi::Value value, const char* what) {
  return CopyTyped<uint32_t>(env, value, napi_uint32_array, "Uint32Array", what);
}

std::string ToString(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsString()) ThrowError(env, qv::code::kInvalidArgument, std::string(what) + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

uint32_t ToUint32(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsNumber()) ThrowError(env, qv::code::kInvalidArgument, std::string(what) + " must be a number");
  const double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 4294967295.0) || std::floor(d) != d) {
    ThrowError(env, qv::code::kInvalidArgument, std::string(what) + " must be a non-negative integer");
  }
  return uint32_t(d);
}

qv::Metric ToMetric(Napi::Env env, Napi::Value value) {
  const std::string name = value.IsString() ? value.As<Napi::String>().Utf8Value() : "";
  if (name == "L2") return qv::Metric::L2;
  if (name == "IP") return qv::Metric::IP;
  if (name == "COSINE") return qv::Metric::Cosine;
  ThrowError(env, qv::code::kInvalidArgument, "metric must be \"L2\", \"IP\" or \"COSINE\"");
}

const char* MetricName(qv::Metric metric) {
  switch (metric) {
    case qv::Metric::L2: return "L2";
    case qv::Metric::IP: return "IP";
    case qv::Metric::Cosine: return "COSINE";
  }
  return "L2";
}

Napi::Object ToJs(Napi::Env env, const qv::SearchResult& result) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("nq", Napi::Number::New(env, double(result.nq)));
  out.Set("k", Napi::Number::New(env, double(result.k)));
  out.Set("ids", NewTyped(env, result.ids));
  out.Set("distances", NewTyped(env, result.distances));
  out.Set("counts", NewTyped(env, result.counts));
  return out;
}

qv::SearchResult FromJs(Napi::Env env, Napi::Value value) {
  if (!value.IsObject()) ThrowError(env, qv::code::kInvalidArgument, "a search result must be an object");
  Napi::Object object = value.As<Napi::Object>();
  qv::SearchResult r;
  r.nq = ToUint32(env, object.Get("nq"), "result.nq");
  r.k = ToUint32(env, object.Get("k"), "result.k");
  r.ids = CopyBigInt64Array(env, object.Get("ids"), "result.ids");
  r.distances = CopyFloat32Array(env, object.Get("distances"), "result.distances");
  r.counts = CopyTyped<uint32_t>(env, object.Get("counts"), napi_uint32_array, "Uint32Array", "result.counts");
  bool consistent = r.ids.size() == r.nq * r.k && r.distances.size() == r.nq * r.k && r.counts.size() == r.nq;
  for (size_t q = 0; consistent && q < r.nq; ++q) consistent = r.counts[q] <= r.k;
  if (!consistent) ThrowError(env, qv::code::kInvalidArgument, "a search result's arrays do not match its nq and k");
  return r;
}

}  // namespace qvnode

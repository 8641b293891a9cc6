// Moving values across the boundary: JavaScript inputs are copied into native memory,
// results come back in V8-allocated typed arrays (Electron forbids external buffers).
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "index/topk.h"
#include "kernels/kernels.h"

namespace qvnode {

// An Error whose `code` property is one of the engine's stable codes.
Napi::Error MakeError(Napi::Env env, const char* code, const std::string& message);
[[noreturn]] void ThrowError(Napi::Env env, const char* code, const std::string& message);

std::vector<float> CopyFloat32Array(Napi::Env env, Napi::Value value, const char* what);
std::vector<int64_t> CopyBigInt64Array(Napi::Env env, Napi::Value value, const char* what);
std::vector<uint8_t> CopyUint8Array(Napi::Env env, Napi::Value value, const char* what);
std::vector<uint32_t> CopyUint32Array(Napi::Env env, Napi::Value value, const char* what);

uint32_t ToUint32(Napi::Env env, Napi::Value value, const char* what);
std::string ToString(Napi::Env env, Napi::Value value, const char* what);
qv::Metric ToMetric(Napi::Env env, Napi::Value value);
const char* MetricName(qv::Metric metric);

// { nq, k, ids: BigInt64Array, distances: Float32Array, counts: Uint32Array }
Napi::Object ToJs(Napi::Env env, const qv::SearchResult& result);
qv::SearchResult FromJs(Napi::Env env, Napi::Value value);

// A native object made on the pool, handed to its class's JavaScript constructor as an
// External that shares ownership (the constructor takes it back with Shared()).
template <class T>
Napi::Object NewWrapping(Napi::Env env, Napi::FunctionReference& constructor, std::shared_ptr<T> object) {
  auto* owned = new std::shared_ptr<T>(std::move(object));
  return constructor.New({Napi::External<std::shared_ptr<T>>::New(env, owned, [](Napi::Env, std::shared_ptr<T>* p) { delete p; })});
}

template <class T>
std::shared_ptr<T> Shared(Napi::Value external) {
  return *external.As<Napi::External<std::shared_ptr<T>>>().Data();
}

}  // namespace qvnode

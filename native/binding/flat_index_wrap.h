// FlatIndex as a JavaScript class. Every method that does real work returns a Promise and
// runs on the pool; jobs share ownership of the index, so it outlives the JS object if a
// job is still running when the object is collected.
#pragma once

#include <napi.h>

#include <memory>

#include "index/flat_index.h"

namespace qvnode {

class FlatIndexWrap : public Napi::ObjectWrap<FlatIndexWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit FlatIndexWrap(const Napi::CallbackInfo& info);
  // The index behind a JavaScript FlatIndex, or null when value is not one (a ClosedError when it is closed).
  static std::shared_ptr<qv::FlatIndex> Find(Napi::Env env, Napi::Value value);

 private:
  Napi::Value Add(const Napi::CallbackInfo& info);
  Napi::Value AddFromFile(const Napi::CallbackInfo& info);
  Napi::Value Search(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Remove(const Napi::CallbackInfo& info);
  Napi::Value Vectors(const Napi::CallbackInfo& info);
  Napi::Value Shrink(const Napi::CallbackInfo& info);
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value Rows(const Napi::CallbackInfo& info);
  Napi::Value Dim(const Napi::CallbackInfo& info);
  Napi::Value Metric(const Napi::CallbackInfo& info);
  Napi::Value MemoryBytes(const Napi::CallbackInfo& info);

  // The index, or a ClosedError once close() was called.
  const std::shared_ptr<qv::FlatIndex>& Index(Napi::Env env) const;

  std::shared_ptr<qv::FlatIndex> index_;  // null once closed
};

}  // namespace qvnode

// The meta store as a JavaScript class: open() and every call are Promises run on the I/O
// pool (each write waits for an fsync). Keys and values are strings (the catalog is JSON).
#pragma once

#include <napi.h>

#include <memory>

#include "meta/meta_store.h"

namespace qvnode {

class MetaStoreWrap : public Napi::ObjectWrap<MetaStoreWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit MetaStoreWrap(const Napi::CallbackInfo& info);  // from open() only
  static Napi::Value Open(const Napi::CallbackInfo& info);

 private:
  Napi::Value Get(const Napi::CallbackInfo& info);
  Napi::Value Scan(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  std::shared_ptr<qv::MetaStore> store_;
};

}  // namespace qvnode

// IvfIndex as a JavaScript class; the same conventions as FlatIndexWrap.
#pragma once

#include <napi.h>

#include <memory>

#include "index/ivf_index.h"
#include "runtime/thread_pool.h"

namespace qvnode {

class IvfIndexWrap : public Napi::ObjectWrap<IvfIndexWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new IvfIndex(options) from JavaScript, or new IvfIndex(External<IvfIndex>) from load().
  explicit IvfIndexWrap(const Napi::CallbackInfo& info);
  // load(path): Promise<IvfIndex>
  static Napi::Value Load(const Napi::CallbackInfo& info);
  // The index behind a JavaScript IvfIndex, or null when value is not one (a ClosedError when it is closed).
  static std::shared_ptr<qv::IvfIndex> Find(Napi::Env env, Napi::Value value);

 private:
  Napi::Value Train(const Napi::CallbackInfo& info);
  Napi::Value Add(const Napi::CallbackInfo& info);
  Napi::Value Search(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Remove(const Napi::CallbackInfo& info);
  Napi::Value Save(const Napi::CallbackInfo& info);
  Napi::Value MemoryBytes(const Napi::CallbackInfo& info);
  Napi::Value MappedBytes(const Napi::CallbackInfo& info);
  Napi::Value BuildFromFile(const Napi::CallbackInfo& info);
  Napi::Value ListSizes(const Napi::CallbackInfo& info);
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value Rows(const Napi::CallbackInfo& info);
  Napi::Value Trained(const Napi::CallbackInfo& info);
  Napi::Value Params(const Napi::CallbackInfo& info);

  qv::ThreadPool& pool() const { return background_ ? qv::ThreadPool::background() : qv::ThreadPool::shared(); }

  // The index, or a ClosedError once close() was called.
  const std::shared_ptr<qv::IvfIndex>& Index(Napi::Env env) const;

  std::shared_ptr<qv::IvfIndex> index_;  // null once closed
  bool background_ = false;
};

}  // namespace qvnode

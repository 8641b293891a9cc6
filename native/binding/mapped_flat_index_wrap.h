// MappedFlatIndex as a JavaScript class: exact search over a sealed segment's vector file,
// mapped rather than read into memory. Made with the static map(), on the I/O pool.
#pragma once

#include <napi.h>

#include <memory>

#include "index/mapped_flat_index.h"

namespace qvnode {

class MappedFlatIndexWrap : public Napi::ObjectWrap<MappedFlatIndexWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit MappedFlatIndexWrap(const Napi::CallbackInfo& info);
  // The index behind a JavaScript MappedFlatIndex, or null when value is not one.
  static std::shared_ptr<qv::MappedFlatIndex> Find(Napi::Env env, Napi::Value value);

 private:
  static Napi::Value Map(const Napi::CallbackInfo& info);
  Napi::Value Vectors(const Napi::CallbackInfo& info);
  Napi::Value Rows(const Napi::CallbackInfo& info);
  Napi::Value Dim(const Napi::CallbackInfo& info);
  Napi::Value MemoryBytes(const Napi::CallbackInfo& info);
  Napi::Value MappedBytes(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  // The index, or a ClosedError once closed.
  const std::shared_ptr<qv::MappedFlatIndex>& Index(Napi::Env env) const;

  std::shared_ptr<qv::MappedFlatIndex> index_;
};

}  // namespace qvnode

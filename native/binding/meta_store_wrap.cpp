#include "meta_store_wrap.h"

#include <string>
#include <vector>

#include "common/error.h"
#include "convert.h"
#include "lambda_job.h"

namespace qvnode {

Napi::Function MetaStoreWrap::Define(Napi::Env env) {
  return DefineClass(env, "MetaStore",
                     {
                         InstanceMethod<&MetaStoreWrap::Get>("get"),
                         InstanceMethod<&MetaStoreWrap::Scan>("scan"),
                         InstanceMethod<&MetaStoreWrap::Write>("write"),
                         InstanceMethod<&MetaStoreWrap::Close>("close"),
                         StaticMethod<&MetaStoreWrap::Open>("open"),
                     });
}

MetaStoreWrap::MetaStoreWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MetaStoreWrap>(info) {
  if (!info[0].IsExternal()) ThrowError(info.Env(), qv::code::kInvalidArgument, "use MetaStore.open(path)");
  store_ = Shared<qv::MetaStore>(info[0]);
}

// open(path): Promise<MetaStore>
Napi::Value MetaStoreWrap::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = ToString(env, info[0], "path");
  auto opened = std::make_shared<std::shared_ptr<qv::MetaStore>>();
  return QueueIo(
      env, [path, opened] { *opened = std::make_shared<qv::MetaStore>(path); },
      [opened](Napi::Env env) { return NewWrapping(env, Data(env).meta_store_constructor, *opened); });
}

// get(key): Promise<string | null>
Napi::Value MetaStoreWrap::Get(const Napi::CallbackInfo& info) {
  const std::string key = ToString(info.Env(), info[0], "key");
  auto store = store_;
  auto value = std::make_shared<std::optional<std::string>>();
  return QueueIo(
      info.Env(), [store, key, value] { *value = store->get(key); },
      [value](Napi::Env env) -> Napi::Value {
        if (!value->has_value()) return env.Null();
        return Napi::String::New(env, **value);
      });
}

// scan(prefix): Promise<[key, value][]> in key order
Napi::Value MetaStoreWrap::Scan(const Napi::CallbackInfo& info) {
  const std::string prefix = ToString(info.Env(), info[0], "prefix");
  auto store = store_;
  auto entries = std::make_shared<std::vector<qv::MetaStore::Entry>>();
  return QueueIo(
      info.Env(), [store, prefix, entries] { *entries = store->scan(prefix); },
      [entries](Napi::Env env) {
        Napi::Array out = Napi::Array::New(env, entries->size());
        for (size_t i = 0; i < entries->size(); ++i) {
          Napi::Array pair = Napi::Array::New(env, 2);
          pair.Set(uint32_t(0), (*entries)[i].first);
          pair.Set(uint32_t(1), (*entries)[i].second);
          out.Set(uint32_t(i), pair);
        }
        return out;
      });
}

// write(puts: [key, value][], deletes: string[]): Promise<void>, atomic and synced
Napi::Value MetaStoreWrap::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray() || !info[1].IsArray()) ThrowError(env, qv::code::kInvalidArgument, "write takes ([key, value][], keys[])");
  std::vector<qv::MetaStore::Entry> puts;
  Napi::Array put_array = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < put_array.Length(); ++i) {
    Napi::Value pair = put_array.Get(i);
    if (!pair.IsArray()) ThrowError(env, qv::code::kInvalidArgument, "each put is a [key, value] pair");
    Napi::Array kv = pair.As<Napi::Array>();
    puts.emplace_back(ToString(env, kv.Get(uint32_t(0)), "key"), ToString(env, kv.Get(uint32_t(1)), "value"));
  }
  std::vector<std::string> deletes;
  Napi::Array delete_array = info[1].As<Napi::Array>();
  for (uint32_t i = 0; i < delete_array.Length(); ++i) deletes.push_back(ToString(env, delete_array.Get(i), "key"));
  auto store = store_;
  return QueueIo(env, [store, puts = std::move(puts), deletes = std::move(deletes)] { store->write(puts, deletes); });
}

Napi::Value MetaStoreWrap::Close(const Napi::CallbackInfo& info) {
  auto store = store_;
  return QueueIo(info.Env(), [store] { store->close(); });
}

}  // namespace qvnode

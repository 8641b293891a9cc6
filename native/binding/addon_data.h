// Per-environment state of the addon (one per main thread or worker_thread that loads it).
#pragma once

#include <napi.h>

namespace qvnode {

class AsyncJob;
struct AddonData;

void SettleOnJsThread(Napi::Env env, Napi::Function unused, AddonData* data, AsyncJob* job);

using Settler = Napi::TypedThreadSafeFunction<AddonData, AsyncJob, SettleOnJsThread>;

struct AddonData {
  Napi::FunctionReference flat_index_constructor;
  // Carries finished jobs from our pool back to this environment's JavaScript thread. It
  // is referenced only while jobs are pending, so an idle addon never keeps Node alive.
  Settler settler;
  int pending = 0;  // touched on the JavaScript thread only

  ~AddonData() { settler.Release(); }
};

inline AddonData& Data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace qvnode

// Per-environment state of the addon (one per main thread or worker_thread that loads it).
#pragma once

#include <napi.h>

namespace qvnode {

struct AddonData;

// Something a pool thread hands to the JavaScript thread: a finished job, or a progress
// event. All go through one first-in-first-out queue, so a job's progress events always
// arrive before its Promise settles.
class Delivery {
 public:
  virtual ~Delivery() = default;
  virtual void Deliver(Napi::Env env, AddonData& data) = 0;
  // The environment is gone: release what needs no JavaScript thread.
  virtual void Abandon() {}
};

void DeliverOnJsThread(Napi::Env env, Napi::Function unused, AddonData* data, Delivery* delivery);

using Settler = Napi::TypedThreadSafeFunction<AddonData, Delivery, DeliverOnJsThread>;

struct AddonData {
  Napi::FunctionReference flat_index_constructor;
  Napi::FunctionReference ivf_index_constructor;
  Napi::FunctionReference rocksmq_constructor;
  // Referenced only while jobs are pending, so an idle addon never keeps Node alive.
  Settler settler;
  int pending = 0;  // touched on the JavaScript thread only

  ~AddonData() { settler.Release(); }
};

inline AddonData& Data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace qvnode

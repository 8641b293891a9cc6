// Per-environment state of the addon (one per main thread or worker_thread that loads it).
#pragma once

#include <napi.h>

#include <memory>

#include "env_gate.h"

namespace qvnode {

struct AddonData {
  Napi::FunctionReference flat_index_constructor;
  Napi::FunctionReference ivf_index_constructor;
  Napi::FunctionReference mapped_flat_index_constructor;
  Napi::FunctionReference rocksmq_constructor;
  Napi::FunctionReference meta_store_constructor;
  Napi::FunctionReference segment_rows_constructor;
  // Referenced only while jobs are pending, so an idle addon never keeps Node alive.
  Settler settler;
  // Shared with every job and native listener: it outlives the environment.
  std::shared_ptr<EnvGate> gate;
  int pending = 0;  // touched on the JavaScript thread only
};

inline AddonData& Data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace qvnode

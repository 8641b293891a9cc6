// Work that runs on QuiverDB's thread pool and settles a Promise on the JavaScript thread.
// A job copies everything it needs from JavaScript values when it is made (on the JS
// thread); Run() must not touch any Napi value.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <string>

#include "addon_data.h"

namespace qvnode {

class AsyncJob : public Delivery {
 public:
  explicit AsyncJob(Napi::Env env);

  // Hands the job to the pool and returns the Promise it will settle.
  static Napi::Promise Queue(Napi::Env env, std::unique_ptr<AsyncJob> job);

  void Deliver(Napi::Env env, AddonData& data) override;
  void Abandon() override { progress_callback_.SuppressDestruct(); }

 protected:
  virtual void Run() = 0;                         // pool thread
  virtual Napi::Value Result(Napi::Env env) = 0;  // JavaScript thread, after Run succeeded

  // A progress reporter for Run() that calls `callback(fraction)` on the JavaScript thread;
  // a no-op when callback is not a function. Call from the constructor.
  std::function<void(double)> ProgressTo(Napi::Value callback);

 private:
  void RunCatching();
  void Settle(Napi::Env env);

  Napi::Promise::Deferred deferred_;
  Settler settler_;
  Napi::FunctionReference progress_callback_;
  bool failed_ = false;
  std::string error_code_;
  std::string error_message_;
};

}  // namespace qvnode

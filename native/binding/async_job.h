// Work that runs on QuiverDB's thread pool and settles a Promise on the JavaScript thread.
// A job copies everything it needs from JavaScript values when it is made (on the JS
// thread); Run() must not touch any Napi value.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "addon_data.h"

namespace qvnode {

class AsyncJob {
 public:
  explicit AsyncJob(Napi::Env env) : deferred_(Napi::Promise::Deferred::New(env)) {}
  virtual ~AsyncJob() = default;

  // Hands the job to the pool and returns the Promise it will settle.
  static Napi::Promise Queue(Napi::Env env, std::unique_ptr<AsyncJob> job);

 protected:
  virtual void Run() = 0;                         // pool thread
  virtual Napi::Value Result(Napi::Env env) = 0;  // JavaScript thread, after Run succeeded

 private:
  friend void SettleOnJsThread(Napi::Env, Napi::Function, AddonData*, AsyncJob*);
  void RunCatching();
  void Settle(Napi::Env env);

  Napi::Promise::Deferred deferred_;
  bool failed_ = false;
  std::string error_code_;
  std::string error_message_;
};

}  // namespace qvnode

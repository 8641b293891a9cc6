// Work that runs on one of QuiverDB's thread pools and settles a Promise on the JavaScript
// thread. A job copies everything it needs from JavaScript values when it is made (on the
// JS thread); Run() must not touch any Napi value.
#pragma once

#include <napi.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "addon_data.h"
#include "runtime/thread_pool.h"

namespace qvnode {

class AsyncJob : public Delivery {
 public:
  explicit AsyncJob(Napi::Env env);

  // Hands the job to a pool and returns the Promise it will settle. Compute work goes to
  // the shared pool; work that waits on a disk (the log broker) to the I/O pool, so that
  // it never holds up a search.
  static Napi::Promise Queue(Napi::Env env, std::unique_ptr<AsyncJob> job,
                             qv::ThreadPool& pool = qv::ThreadPool::shared());

  void Deliver(Napi::Env env, AddonData& data) override;
  void Abandon() override { progress_callback_.SuppressDestruct(); progress_error_.SuppressDestruct(); }

 protected:
  virtual void Run() = 0;                         // pool thread
  virtual Napi::Value Result(Napi::Env env) = 0;  // JavaScript thread, after Run succeeded

  // A progress reporter for Run() that calls `callback(fraction)` on the JavaScript thread
  // (when callback is a function). It also ends the work early, by throwing, once the
  // environment is going away or the callback has thrown: the Promise then rejects with
  // what the callback threw. Call from the constructor.
  std::function<void(double)> ProgressTo(Napi::Value callback);

 private:
  friend class ProgressEvent;
  void RunCatching();
  void Settle(Napi::Env env);

  Napi::Promise::Deferred deferred_;
  std::shared_ptr<EnvGate> gate_;
  Napi::FunctionReference progress_callback_;
  Napi::ObjectReference progress_error_;  // what onProgress threw first (JS thread)
  std::atomic<bool> progress_failed_{false};  // set on the JS thread, read by Run()'s reporter
  bool failed_ = false;
  std::string error_code_;
  std::string error_message_;
};

}  // namespace qvnode

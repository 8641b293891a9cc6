#include "async_job.h"

#include "common/error.h"
#include "convert.h"
#include "runtime/thread_pool.h"

namespace qvnode {

Napi::Promise AsyncJob::Queue(Napi::Env env, std::unique_ptr<AsyncJob> job) {
  AddonData& data = Data(env);
  Napi::Promise promise = job->deferred_.Promise();
  if (data.pending++ == 0) data.settler.Ref(env);
  AsyncJob* raw = job.release();
  Settler settler = data.settler;
  qv::ThreadPool::shared().submit([raw, settler]() mutable {
    raw->RunCatching();
    // Fails only while the environment is being torn down; nobody awaits the result then.
    if (settler.NonBlockingCall(raw) != napi_ok) delete raw;
  });
  return promise;
}

void AsyncJob::RunCatching() {
  try {
    Run();
  } catch (const qv::Error& e) {
    failed_ = true;
    error_code_ = e.code();
    error_message_ = e.what();
  } catch (const std::bad_alloc&) {
    failed_ = true;
    error_code_ = qv::code::kInternal;
    error_message_ = "out of memory";
  } catch (const std::exception& e) {
    failed_ = true;
    error_code_ = qv::code::kInternal;
    error_message_ = e.what();
  }
}

void AsyncJob::Settle(Napi::Env env) {
  Napi::HandleScope scope(env);
  if (failed_) {
    deferred_.Reject(MakeError(env, error_code_.c_str(), error_message_).Value());
    return;
  }
  try {
    deferred_.Resolve(Result(env));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

void SettleOnJsThread(Napi::Env env, Napi::Function, AddonData* data, AsyncJob* job) {
  std::unique_ptr<AsyncJob> owned(job);
  if (env == nullptr) return;  // environment shutting down
  if (--data->pending == 0) data->settler.Unref(env);
  owned->Settle(env);
}

}  // namespace qvnode

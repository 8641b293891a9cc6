#include "async_job.h"

#include "common/error.h"
#include "convert.h"
#include "runtime/thread_pool.h"

namespace qvnode {

namespace {

class ProgressEvent : public Delivery {
 public:
  ProgressEvent(Napi::FunctionReference* callback, double fraction) : callback_(callback), fraction_(fraction) {}
  void Deliver(Napi::Env env, AddonData&) override {
    Napi::HandleScope scope(env);
    try {
      callback_->Call({Napi::Number::New(env, fraction_)});
    } catch (const Napi::Error& e) {
      // As for any other callback: a throw becomes an uncaught exception.
      napi_fatal_exception(env, e.Value());
    }
  }

 private:
  Napi::FunctionReference* callback_;  // owned by the job, which is delivered after us
  double fraction_;
};

}  // namespace

AsyncJob::AsyncJob(Napi::Env env) : deferred_(Napi::Promise::Deferred::New(env)), settler_(Data(env).settler) {}

std::function<void(double)> AsyncJob::ProgressTo(Napi::Value callback) {
  if (!callback.IsFunction()) return nullptr;
  progress_callback_ = Napi::Persistent(callback.As<Napi::Function>());
  Napi::FunctionReference* target = &progress_callback_;
  Settler settler = settler_;
  return [target, settler](double fraction) mutable {
    auto* event = new ProgressEvent(target, fraction);
    if (settler.NonBlockingCall(event) != napi_ok) delete event;
  };
}

Napi::Promise AsyncJob::Queue(Napi::Env env, std::unique_ptr<AsyncJob> job) {
  AddonData& data = Data(env);
  Napi::Promise promise = job->deferred_.Promise();
  if (data.pending++ == 0) data.settler.Ref(env);
  AsyncJob* raw = job.release();
  qv::ThreadPool::shared().submit([raw]() {
    raw->RunCatching();
    // Fails only while the environment is being torn down; nobody awaits the result then.
    if (raw->settler_.NonBlockingCall(raw) != napi_ok) {
      raw->Abandon();
      delete raw;
    }
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

void AsyncJob::Deliver(Napi::Env env, AddonData& data) {
  if (--data.pending == 0) data.settler.Unref(env);
  Settle(env);
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

void DeliverOnJsThread(Napi::Env env, Napi::Function, AddonData* data, Delivery* delivery) {
  std::unique_ptr<Delivery> owned(delivery);
  if (env == nullptr) {  // environment shutting down
    owned->Abandon();
    return;
  }
  owned->Deliver(env, *data);
}

}  // namespace qvnode

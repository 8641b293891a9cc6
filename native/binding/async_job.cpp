#include "async_job.h"

#include "common/error.h"
#include "convert.h"

namespace qvnode {

class ProgressEvent : public Delivery {
 public:
  ProgressEvent(AsyncJob* job, double fraction) : job_(job), fraction_(fraction) {}
  void Deliver(Napi::Env env, AddonData&) override {
    if (job_->progress_failed_) return;  // the work is ending: no more calls
    Napi::HandleScope scope(env);
    try {
      job_->progress_callback_.Call({Napi::Number::New(env, fraction_)});
    } catch (const Napi::Error& e) {
      // The call rejects with this, rather than the process ending on an uncaught exception.
      job_->progress_failed_ = true;
      job_->progress_error_ = Napi::Persistent(e.Value());
    }
  }

 private:
  AsyncJob* job_;  // delivered after every one of its progress events
  double fraction_;
};

AsyncJob::AsyncJob(Napi::Env env) : deferred_(Napi::Promise::Deferred::New(env)), gate_(Data(env).gate) {}

std::function<void(double)> AsyncJob::ProgressTo(Napi::Value callback) {
  const bool report = callback.IsFunction();
  if (report) progress_callback_ = Napi::Persistent(callback.As<Napi::Function>());
  // `this` outlives Run(): the job is deleted only once it has been delivered or abandoned.
  return [this, report](double fraction) {
    if (progress_failed_ || gate_->closed()) throw qv::Error(qv::code::kClosed, "the work was stopped");
    if (report) gate_->Post(new ProgressEvent(this, fraction));
  };
}

Napi::Promise AsyncJob::Queue(Napi::Env env, std::unique_ptr<AsyncJob> job, qv::ThreadPool& pool) {
  AddonData& data = Data(env);
  Napi::Promise promise = job->deferred_.Promise();
  if (data.pending++ == 0) data.settler.Ref(env);
  AsyncJob* raw = job.release();
  std::shared_ptr<EnvGate> gate = raw->gate_;
  pool.submit([raw, gate]() {
    if (!gate->Enter()) {  // the environment went away before the job started
      raw->Abandon();
      delete raw;
      return;
    }
    raw->RunCatching();
    gate->Leave();
    gate->Post(raw);
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
  } catch (...) {
    failed_ = true;
    error_code_ = qv::code::kInternal;
    error_message_ = "unknown native exception";
  }
}

void AsyncJob::Deliver(Napi::Env env, AddonData& data) {
  if (--data.pending == 0) data.settler.Unref(env);
  Settle(env);
}

void AsyncJob::Settle(Napi::Env env) {
  Napi::HandleScope scope(env);
  if (progress_failed_) {
    deferred_.Reject(progress_error_.IsEmpty() ? MakeError(env, qv::code::kInvalidArgument, "onProgress threw").Value()
                                               : progress_error_.Value());
    return;
  }
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
  // No C++ exception may reach V8: while an environment terminates, any Napi call can fail.
  try {
    owned->Deliver(env, *data);
  } catch (...) {
  }
}

}  // namespace qvnode

// A job from two lambdas: `run` on the pool (no Napi values), `result` on the JavaScript
// thread. For the many small calls that need no state of their own.
#pragma once

#include <functional>
#include <memory>

#include "async_job.h"

namespace qvnode {

class LambdaJob : public AsyncJob {
 public:
  LambdaJob(Napi::Env env, std::function<void()> run, std::function<Napi::Value(Napi::Env)> result)
      : AsyncJob(env), run_(std::move(run)), result_(std::move(result)) {}

  static Napi::Promise Queue(Napi::Env env, std::function<void()> run,
                             std::function<Napi::Value(Napi::Env)> result = nullptr,
                             qv::ThreadPool& pool = qv::ThreadPool::shared()) {
    return AsyncJob::Queue(env, std::make_unique<LambdaJob>(env, std::move(run), std::move(result)), pool);
  }

 protected:
  void Run() override { run_(); }
  Napi::Value Result(Napi::Env env) override { return result_ ? result_(env) : env.Undefined(); }

 private:
  std::function<void()> run_;
  std::function<Napi::Value(Napi::Env)> result_;
};

// Work that waits on a disk (the log broker, the meta store) runs on the I/O pool, never
// ahead of a search.
inline Napi::Promise QueueIo(Napi::Env env, std::function<void()> run, std::function<Napi::Value(Napi::Env)> result = nullptr) {
  return LambdaJob::Queue(env, std::move(run), std::move(result), qv::ThreadPool::io());
}

}  // namespace qvnode

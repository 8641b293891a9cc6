// The one way native threads reach an environment (the main thread or a worker_thread).
// Pool threads, the rocksmq writer and progress reporters post deliveries through it; the
// environment's cleanup hook closes it before Node frees the thread-safe function, and
// waits for the jobs that are running. After Close() nothing is posted and no queued job
// of that environment starts, so a terminated worker never leaves native code calling
// into a freed environment.
#pragma once

#include <napi.h>

#include <condition_variable>
#include <mutex>

namespace qvnode {

struct AddonData;

// Something a native thread hands to the JavaScript thread: a finished job, or a progress
// or commit event. All go through one first-in-first-out queue, so a job's progress events
// always arrive before its Promise settles.
class Delivery {
 public:
  virtual ~Delivery() = default;
  virtual void Deliver(Napi::Env env, AddonData& data) = 0;
  // The environment is gone: release what needs no JavaScript thread.
  virtual void Abandon() {}
};

void DeliverOnJsThread(Napi::Env env, Napi::Function unused, AddonData* data, Delivery* delivery);

using Settler = Napi::TypedThreadSafeFunction<AddonData, Delivery, DeliverOnJsThread>;

class EnvGate {
 public:
  explicit EnvGate(Settler settler) : settler_(settler) {}

  // Queues the delivery for the JavaScript thread. Once the gate is closed the delivery
  // is abandoned and deleted instead; returns whether it was queued.
  bool Post(Delivery* delivery);

  // A job of this environment starts running (false: closed, do not run it) and ends.
  bool Enter();
  void Leave();
  bool closed() const;

  // Called once, from the environment's cleanup hook.
  void Close();

 private:
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  Settler settler_;
  bool open_ = true;
  int running_ = 0;
};

}  // namespace qvnode

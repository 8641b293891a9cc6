#include "env_gate.h"

namespace qvnode {

bool EnvGate::Post(Delivery* delivery) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Called under the lock: Close() cannot let Node free the function in between.
    if (open_ && settler_.NonBlockingCall(delivery) == napi_ok) return true;
  }
  delivery->Abandon();
  delete delivery;
  return false;
}

bool EnvGate::Enter() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!open_) return false;
  ++running_;
  return true;
}

void EnvGate::Leave() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (--running_ == 0) idle_.notify_all();
}

bool EnvGate::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !open_;
}

void EnvGate::Close() {
  std::unique_lock<std::mutex> lock(mutex_);
  open_ = false;
  // Running jobs stop at their next progress point (see AsyncJob::ProgressTo) or finish.
  idle_.wait(lock, [&] { return running_ == 0; });
  settler_.Release();  // here, while Node still holds the function: later it may be freed
}

}  // namespace qvnode

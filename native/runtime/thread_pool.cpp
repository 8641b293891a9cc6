#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <memory>

#if defined(__APPLE__)
#include <pthread.h>
#include <sys/qos.h>
#elif defined(__linux__)
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace qv {

size_t hardware_threads() {
#if defined(__linux__)
  // The cores this process may run on (taskset, a container's cpuset), as Node's
  // os.availableParallelism() counts them: threads beyond those only take turns.
  cpu_set_t cores;
  CPU_ZERO(&cores);
  if (sched_getaffinity(0, sizeof cores, &cores) == 0 && CPU_COUNT(&cores) > 0) return size_t(CPU_COUNT(&cores));
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

ThreadPool::ThreadPool(size_t threads, ThreadPriority priority) : priority_(priority) { resize(threads); }

// Lowers the calling thread's priority: Linux schedules threads alone (a nice value per
// thread id); macOS by quality of service.
static void lower_this_thread() {
#if defined(__APPLE__)
  pthread_set_qos_class_self_np(QOS_CLASS_BACKGROUND, 0);
#elif defined(__linux__)
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
#endif
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    wake_all();
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void ThreadPool::wake_all() {
  for (auto& slot : slots_) slot->wake.notify_one();
}

ThreadPool::Slot* ThreadPool::choose_latest_idle() {
  if (idle_.empty()) return nullptr;  // every thread is busy: one of them takes the task next
  Slot* slot = slots_[idle_.back()].get();
  idle_.pop_back();
  slot->woken = true;
  return slot;
}

void ThreadPool::wake_latest_idle() {
  if (Slot* slot = choose_latest_idle()) slot->wake.notify_one();
}

void ThreadPool::submit(std::function<void()> task) {
  Slot* chosen;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(task));
    chosen = choose_latest_idle();
  }
  // After the unlock, so the woken thread does not wake only to wait for the mutex; slots
  // are never freed while the pool lives.
  if (chosen != nullptr) chosen->wake.notify_one();
}

void ThreadPool::resize(size_t threads) {
  if (threads == 0) threads = 1;
  std::lock_guard<std::mutex> lock(mutex_);
  target_ = threads;
  // Threads that were told to leave are joined lazily: a slot is reused only once its
  // old thread has finished, so indexes stay unique.
  for (size_t i = 0; i < threads; ++i) {
    if (i < threads_.size()) {
      if (!threads_[i].joinable()) threads_[i] = std::thread(&ThreadPool::worker_loop, this, i);
    } else {
      slots_.push_back(std::make_unique<Slot>());
      threads_.emplace_back(&ThreadPool::worker_loop, this, i);
    }
  }
  wake_all();  // threads past the new size leave
}

size_t ThreadPool::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return target_;
}

void ThreadPool::worker_loop(size_t index) {
  if (priority_ == ThreadPriority::kBackground) lower_this_thread();
  std::unique_lock<std::mutex> lock(mutex_);
  Slot& slot = *slots_[index];
  for (;;) {
    if (stopping_ || index >= target_) {
      idle_.erase(std::remove(idle_.begin(), idle_.end(), index), idle_.end());
      // Woken for a task it will not run: hand the wake-up on.
      if (slot.woken && !tasks_.empty()) wake_latest_idle();
      slot.woken = false;
      // Leaving: detach so that resize() can start a new thread in this slot.
      if (!stopping_) threads_[index].detach();
      return;
    }
    if (tasks_.empty()) {
      // Idle threads wait in a stack: the one that went idle last is woken first, so a
      // caller that submits one task at a time keeps using the same thread (its caches,
      // and its malloc arena: spreading large buffers over every thread of a 16-thread
      // pool kept 1.7x the memory).
      slot.woken = false;
      idle_.push_back(index);
      slot.wake.wait(lock, [&] { return slot.woken || stopping_ || index >= target_; });
      continue;
    }
    slot.woken = false;
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

void ThreadPool::parallel_for(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  struct State {
    std::atomic<size_t> next{0};
    size_t done = 0;
    std::mutex mutex;
    std::condition_variable all_done;
    std::exception_ptr error;  // the first exception thrown by fn
  };
  auto state = std::make_shared<State>();
  const std::function<void(size_t)>* body = &fn;
  auto drain = [state, body, n] {
    size_t finished = 0;
    for (size_t i; (i = state->next.fetch_add(1)) < n;) {
      try {
        (*body)(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(state->mutex);
        if (!state->error) state->error = std::current_exception();
      }
      ++finished;
    }
    if (finished == 0) return;
    std::lock_guard<std::mutex> lock(state->mutex);
    state->done += finished;
    if (state->done == n) state->all_done.notify_all();
  };
  // A helper that starts after every index is taken returns at once without touching fn,
  // so fn (owned by the caller) is only used while the caller is still waiting here.
  const size_t helpers = std::min(size(), n) - 1;
  for (size_t h = 0; h < helpers; ++h) submit(drain);
  drain();
  std::unique_lock<std::mutex> lock(state->mutex);
  state->all_done.wait(lock, [&] { return state->done == n; });
  if (state->error) std::rethrow_exception(state->error);
}

namespace {
size_t threads_from_env(const char* name, size_t fallback) {
  if (const char* env = std::getenv(name)) {
    const long parsed = std::strtol(env, nullptr, 10);
    if (parsed > 0 && parsed <= 1024) return size_t(parsed);
  }
  return fallback;
}
}  // namespace

ThreadPool& ThreadPool::shared() {
  static ThreadPool* pool = new ThreadPool(threads_from_env("QUIVERDB_THREADS", hardware_threads()));  // leaked, see the header
  return *pool;
}

ThreadPool& ThreadPool::io() {
  static ThreadPool* pool = new ThreadPool(threads_from_env("QUIVERDB_IO_THREADS", 16));  // leaked, as shared()
  return *pool;
}

ThreadPool& ThreadPool::background() {
  static ThreadPool* pool = new ThreadPool(threads_from_env("QUIVERDB_BACKGROUND_THREADS", std::max<size_t>(1, hardware_threads() / 2)),
                                           ThreadPriority::kBackground);  // leaked, as shared()
  return *pool;
}

}  // namespace qv

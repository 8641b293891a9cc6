// QuiverDB's own worker threads. Native work never runs on libuv's pool (which file I/O
// and DNS share) and never on the JavaScript thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace qv {

// How the operating system schedules a pool's threads against the rest of the process.
enum class ThreadPriority { kNormal, kBackground };

class ThreadPool {
 public:
  explicit ThreadPool(size_t threads, ThreadPriority priority = ThreadPriority::kNormal);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues a task; it runs on one of the pool's threads.
  void submit(std::function<void()> task);

  // Runs fn(0) .. fn(n - 1) on the calling thread and on up to size() - 1 pool threads,
  // returning when all are done. The caller works too, so a task already on the pool
  // may call this without risk of waiting for itself. If fn throws, the other indexes
  // still run and the first exception is rethrown here.
  void parallel_for(size_t n, const std::function<void(size_t)>& fn);

  // Grows or shrinks the pool; threads beyond the new size leave after their current task.
  void resize(size_t threads);
  size_t size() const;

  // The process-wide pool, sized from QUIVERDB_THREADS or the number of cores it may run
  // on. It is never destroyed, so that no exit path waits on (or races with) a running search.
  static ThreadPool& shared();

  // The pool for work that waits on disks rather than computing (the log broker's sends
  // wait for fsync): separate, so that a search never queues behind them. Sized from
  // QUIVERDB_IO_THREADS or 16; made on first use and, like shared(), never destroyed.
  static ThreadPool& io();

  // The pool for background work that may take minutes (index builds): half the cores (at
  // least one), at the lowest scheduling priority, so that searches on shared() keep the
  // CPU whenever they want it. Sized from QUIVERDB_BACKGROUND_THREADS; never destroyed.
  static ThreadPool& background();

 private:
  // One per thread index: its own wake-up, so that submit() wakes a chosen thread.
  struct Slot {
    std::condition_variable wake;
    bool woken = false;  // submit() chose this thread for a task
  };

  void worker_loop(size_t index);
  Slot* choose_latest_idle();  // under mutex_: marks it woken; nullptr if none is idle
  void wake_latest_idle();     // under mutex_
  void wake_all();          // under mutex_

  const ThreadPriority priority_;
  mutable std::mutex mutex_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<Slot>> slots_;  // beside threads_; never shrinks
  std::vector<size_t> idle_;                  // waiting threads, the latest last
  size_t target_ = 0;  // threads with index >= target_ exit
  bool stopping_ = false;
};

// Number of hardware threads this process may run on (its CPU affinity on Linux), at least 1.
size_t hardware_threads();

}  // namespace qv

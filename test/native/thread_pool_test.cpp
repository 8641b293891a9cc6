#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>
#include <stdexcept>
#include <vector>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "harness.h"
#include "runtime/thread_pool.h"

TEST(parallel_for_runs_every_index_once) {
  qv::ThreadPool pool(3);
  std::vector<std::atomic<int>> hits(1000);
  pool.parallel_for(hits.size(), [&](size_t i) { hits[i].fetch_add(1); });
  for (auto& h : hits) CHECK_EQ(h.load(), 1);
}

TEST(nested_parallel_for_from_every_worker_does_not_deadlock) {
  qv::ThreadPool pool(2);
  std::atomic<int> total{0};
  std::atomic<int> finished{0};
  for (int t = 0; t < 4; ++t) {
    pool.submit([&] {
      pool.parallel_for(100, [&](size_t) { total.fetch_add(1); });
      finished.fetch_add(1);
    });
  }
  while (finished.load() < 4) std::this_thread::yield();
  CHECK_EQ(total.load(), 400);
}

TEST(exceptions_reach_the_caller_after_all_indexes_ran) {
  qv::ThreadPool pool(2);
  std::atomic<int> ran{0};
  bool caught = false;
  try {
    pool.parallel_for(50, [&](size_t i) {
      ran.fetch_add(1);
      if (i == 10) throw std::runtime_error("boom");
    });
  } catch (const std::runtime_error&) {
    caught = true;
  }
  CHECK(caught);
  CHECK_EQ(ran.load(), 50);
}

TEST(resize_changes_the_number_of_workers) {
  qv::ThreadPool pool(1);
  CHECK_EQ(pool.size(), size_t(1));
  pool.resize(3);
  CHECK_EQ(pool.size(), size_t(3));
  std::atomic<int> n{0};
  pool.parallel_for(64, [&](size_t) { n.fetch_add(1); });
  pool.resize(1);
  pool.parallel_for(64, [&](size_t) { n.fetch_add(1); });
  pool.resize(2);
  pool.parallel_for(64, [&](size_t) { n.fetch_add(1); });
  CHECK_EQ(n.load(), 192);
}

// One task at a time goes to the thread that was idle last, not round the pool: the same
// thread's caches and malloc arena serve a caller that awaits each call.
TEST(tasks_submitted_one_at_a_time_run_on_one_thread) {
  qv::ThreadPool pool(8);
  std::set<std::thread::id> seen;
  auto run_one = [&] {
    std::promise<std::thread::id> ran;
    pool.submit([&] { ran.set_value(std::this_thread::get_id()); });
    const std::thread::id id = ran.get_future().get();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // it is back among the idle
    return id;
  };
  // Until every thread has started and waits (slow under the sanitizers), a late starter
  // can be the latest idle one: warm up first.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int i = 0; i < 5; ++i) run_one();
  for (int i = 0; i < 50; ++i) seen.insert(run_one());
  CHECK_EQ(seen.size(), size_t(1));
}

#if defined(__linux__)
TEST(background_threads_run_at_the_lowest_priority_and_normal_ones_do_not) {
  auto nice_on = [](qv::ThreadPool& pool) {
    std::promise<int> ran;
    pool.submit([&] { ran.set_value(getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)))); });
    return ran.get_future().get();
  };
  qv::ThreadPool background(1, qv::ThreadPriority::kBackground);
  qv::ThreadPool normal(1);
  CHECK_EQ(nice_on(background), 19);
  CHECK_EQ(nice_on(normal), getpriority(PRIO_PROCESS, 0));
}
#endif

TEST_MAIN()

#include "probes.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <memory>
#include <vector>

#include "../common/error.h"
#include "../common/huge_alloc.h"

namespace qv {

namespace {

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// Integer adds vectorise without any fast-math licence, so even the baseline build reads
// faster than memory delivers.
uint64_t sum_words(const uint64_t* p, size_t n) {
  uint64_t a = 0, b = 0, c = 0, d = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a += p[i];
    b += p[i + 1];
    c += p[i + 2];
    d += p[i + 3];
  }
  for (; i < n; ++i) a += p[i];
  return a + b + c + d;
}

// Runs body(t) on `threads` threads released together, returning the wall time.
template <class F>
double timed_on_threads(size_t threads, F body) {
  std::atomic<size_t> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  double start = 0;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      body(t);
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  start = now_seconds();
  go.store(true);
  for (auto& th : pool) th.join();
  return now_seconds() - start;
}

}  // namespace

double measure_read_bandwidth(size_t bytes, size_t threads, int rounds) {
  threads = std::max<size_t>(1, threads);
  if (rounds < 1 || bytes / sizeof(uint64_t) < threads) throw Error(code::kInvalidArgument, "the bandwidth probe needs a round and 8 bytes per thread");
  const size_t words = bytes / sizeof(uint64_t);
  // Allocated like the indexes' vectors, so the bound is measured on the same kind of pages.
  size_t allocated = 0;
  std::unique_ptr<void, decltype(&std::free)> memory(huge_alloc(words * sizeof(uint64_t), &allocated), &std::free);
  uint64_t* buffer = static_cast<uint64_t*>(memory.get());
  // Each thread first touches its own part, so its pages are mapped before timing.
  const size_t per = words / threads;
  timed_on_threads(threads, [&](size_t t) { std::memset(buffer + t * per, 1, per * sizeof(uint64_t)); });
  std::atomic<uint64_t> sink{0};
  double best = 0;
  for (int r = 0; r < rounds; ++r) {
    const double seconds = timed_on_threads(threads, [&](size_t t) {
      sink.fetch_add(sum_words(buffer + t * per, per));
    });
    best = std::max(best, double(per * threads * sizeof(uint64_t)) / seconds);
  }
  return best;
}

double measure_fma_rate(const Kernels& k, size_t threads, double seconds) {
  // NaN, negative or endless durations would never end the calibration below.
  if (!(seconds > 0 && seconds <= 60)) throw Error(code::kInvalidArgument, "the FMA probe runs for more than 0 and at most 60 seconds");
  threads = std::max<size_t>(1, threads);
  // Calibrate the iteration count on one thread, then time all threads together.
  uint64_t iterations = 1 << 16;
  for (;;) {
    const double t0 = now_seconds();
    k.fma_probe(iterations);
    const double took = now_seconds() - t0;
    if (took > seconds / 4) {
      iterations = uint64_t(double(iterations) * seconds / took);
      break;
    }
    iterations *= 4;
  }
  std::vector<double> done(threads);
  const double wall = timed_on_threads(threads, [&](size_t t) { done[t] = k.fma_probe(iterations); });
  double total = 0;
  for (double d : done) total += d;
  return total / wall;
}

}  // namespace qv

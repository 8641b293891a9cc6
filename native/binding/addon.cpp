// The module's entry point: what `require('quiverdb.node')` returns. The TypeScript layer
// (src/native.ts) is its only caller and wraps it in the public API.
#include <dlfcn.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <napi.h>

#include <cmath>
#include <memory>

#include "addon_data.h"
#include "async_job.h"
#include "common/error.h"
#include "convert.h"
#include "column_file_wrap.h"
#include "crc32c_wrap.h"
#include "flat_index_wrap.h"
#include "ivf_index_wrap.h"
#include "mapped_flat_index_wrap.h"
#include "lambda_job.h"
#include "meta_store_wrap.h"
#include "rocksmq_wrap.h"
#include "segment_rows_wrap.h"
#include "index/topk.h"
#include "kernels/kernels.h"
#include "probe/probes.h"
#include "runtime/thread_pool.h"
#include "storage/rocksdb_info.h"

namespace qvnode {

namespace {

class MergeJob : public AsyncJob {
 public:
  MergeJob(Napi::Env env, std::vector<qv::SearchResult> parts, size_t k, qv::Metric metric)
      : AsyncJob(env), parts_(std::move(parts)), k_(k), metric_(metric) {}

 protected:
  void Run() override {
    std::vector<const qv::SearchResult*> views;
    for (const auto& p : parts_) views.push_back(&p);
    merged_ = qv::merge_results(views, k_, metric_);
  }
  Napi::Value Result(Napi::Env env) override { return ToJs(env, merged_); }

 private:
  std::vector<qv::SearchResult> parts_;
  size_t k_;
  qv::Metric metric_;
  qv::SearchResult merged_;
};

// A measurement that returns one number (bandwidth, FMA rate).
class ProbeJob : public AsyncJob {
 public:
  ProbeJob(Napi::Env env, std::function<double()> probe) : AsyncJob(env), probe_(std::move(probe)) {}

 protected:
  void Run() override { value_ = probe_(); }
  Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, value_); }

 private:
  std::function<double()> probe_;
  double value_ = 0;
};

// mergeResults(parts: Result[], k: number, metric: string): Promise<Result>
Napi::Value MergeResults(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) ThrowError(env, qv::code::kInvalidArgument, "parts must be an array of results");
  Napi::Array array = info[0].As<Napi::Array>();
  std::vector<qv::SearchResult> parts;
  for (uint32_t i = 0; i < array.Length(); ++i) parts.push_back(FromJs(env, array.Get(i)));
  const uint32_t k = ToUint32(env, info[1], "k");
  const qv::Metric metric = ToMetric(env, info[2]);
  return AsyncJob::Queue(env, std::make_unique<MergeJob>(env, std::move(parts), k, metric));
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const uint32_t n = ToUint32(info.Env(), info[0], "threads");
  if (n == 0 || n > 1024) ThrowError(info.Env(), qv::code::kInvalidArgument, "threads must be between 1 and 1024");
  qv::ThreadPool::shared().resize(n);
  return info.Env().Undefined();
}

// trimMemory(): Promise<void>. Gives memory the allocator holds free back to the system
// (glibc keeps freed large blocks in its arenas; elsewhere a no-op). On the I/O pool: it
// walks every arena.
Napi::Value TrimMemory(const Napi::CallbackInfo& info) {
  return LambdaJob::Queue(
      info.Env(),
      [] {
#ifdef __GLIBC__
        malloc_trim(0);
#endif
      },
      nullptr, qv::ThreadPool::io());
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(qv::ThreadPool::shared().size()));
}

// simd(): { active: string, supported: string[] }
Napi::Value Simd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("active", Napi::String::New(env, qv::isa_name(qv::kernels().isa)));
  Napi::Array supported = Napi::Array::New(env);
  for (qv::Isa isa : qv::supported_isas()) supported.Set(supported.Length(), Napi::String::New(env, qv::isa_name(isa)));
  out.Set("supported", supported);
  return out;
}

Napi::Value Versions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("napi", Napi::Number::New(env, NAPI_VERSION));
  out.Set("rocksdb", Napi::String::New(env, qv::rocksdb_version()));
  return out;
}

// A probe's thread count: 1 to 1024.
size_t ProbeThreads(Napi::Env env, Napi::Value value) {
  const uint32_t threads = ToUint32(env, value, "threads");
  if (threads == 0 || threads > 1024) ThrowError(env, qv::code::kInvalidArgument, "threads must be between 1 and 1024");
  return threads;
}

// measureBandwidth(bytes: number, threads: number, rounds: number): Promise<bytes per second>
Napi::Value MeasureBandwidth(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const size_t bytes = ToUint32(env, info[0], "bytes");
  const size_t threads = ProbeThreads(env, info[1]);
  const int rounds = int(ToUint32(env, info[2], "rounds"));
  if (bytes < 4096 || rounds < 1 || rounds > 1000) {
    ThrowError(env, qv::code::kInvalidArgument, "bandwidth needs at least 4096 bytes and 1 to 1000 rounds");
  }
  return AsyncJob::Queue(env, std::make_unique<ProbeJob>(env, [=] {
    return qv::measure_read_bandwidth(bytes, threads, rounds);
  }));
}

// measureFmaRate(threads: number, seconds: number): Promise<FMAs per second>
Napi::Value MeasureFmaRate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const size_t threads = ProbeThreads(env, info[0]);
  const double seconds = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : NAN;
  // NaN, negative or endless durations would never settle.
  if (!(seconds > 0 && seconds <= 60)) ThrowError(env, qv::code::kInvalidArgument, "seconds must be a number above 0 and at most 60");
  return AsyncJob::Queue(env, std::make_unique<ProbeJob>(env, [=] {
    return qv::measure_fma_rate(qv::kernels(), threads, seconds);
  }));
}

// Keeps this module mapped until the process ends. Node unloads an addon when the last
// environment that loaded it (a worker_thread) goes, but the thread pools and the broker's
// threads are process-wide and may still be running its code.
void StayLoaded() {
  Dl_info self;
  if (dladdr(reinterpret_cast<void*>(&StayLoaded), &self) != 0 && self.dli_fname != nullptr) {
    dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);  // takes a reference never given back
  }
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  StayLoaded();
  auto* data = new AddonData();
  env.SetInstanceData(data);
  data->settler = Settler::New(env, "quiverdb", 0, 1, data);
  data->settler.Unref(env);
  data->gate = std::make_shared<EnvGate>(data->settler);
  // Registered after the thread-safe function, so it runs before Node tears that down.
  napi_add_env_cleanup_hook(env, [](void* gate) { static_cast<EnvGate*>(gate)->Close(); }, data->gate.get());

  Napi::Function flat = FlatIndexWrap::Define(env);
  data->flat_index_constructor = Napi::Persistent(flat);
  exports.Set("FlatIndex", flat);
  Napi::Function ivf = IvfIndexWrap::Define(env);
  data->ivf_index_constructor = Napi::Persistent(ivf);
  exports.Set("IvfIndex", ivf);
  Napi::Function mapped_flat = MappedFlatIndexWrap::Define(env);
  data->mapped_flat_index_constructor = Napi::Persistent(mapped_flat);
  exports.Set("MappedFlatIndex", mapped_flat);
  Napi::Function rocksmq = RocksMqWrap::Define(env);
  data->rocksmq_constructor = Napi::Persistent(rocksmq);
  exports.Set("RocksMq", rocksmq);
  Napi::Function meta = MetaStoreWrap::Define(env);
  data->meta_store_constructor = Napi::Persistent(meta);
  exports.Set("MetaStore", meta);
  Napi::Function segment_rows = SegmentRowsWrap::Define(env);
  data->segment_rows_constructor = Napi::Persistent(segment_rows);
  exports.Set("SegmentRows", segment_rows);
  RegisterCrc32c(env, exports);
  RegisterColumnFiles(env, exports);
  exports.Set("mergeResults", Napi::Function::New<MergeResults>(env, "mergeResults"));
  exports.Set("setThreads", Napi::Function::New<SetThreads>(env, "setThreads"));
  exports.Set("trimMemory", Napi::Function::New<TrimMemory>(env, "trimMemory"));
  exports.Set("getThreads", Napi::Function::New<GetThreads>(env, "getThreads"));
  exports.Set("simd", Napi::Function::New<Simd>(env, "simd"));
  exports.Set("versions", Napi::Function::New<Versions>(env, "versions"));
  exports.Set("measureBandwidth", Napi::Function::New<MeasureBandwidth>(env, "measureBandwidth"));
  exports.Set("measureFmaRate", Napi::Function::New<MeasureFmaRate>(env, "measureFmaRate"));
  return exports;
}

}  // namespace qvnode

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return qvnode::Init(env, exports); }

NODE_API_MODULE(quiverdb, InitModule)

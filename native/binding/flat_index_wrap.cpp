#include "flat_index_wrap.h"

#include <numeric>
#include <string>
#include <vector>

#include "async_job.h"
#include "common/error.h"
#include "common/mapped_file.h"
#include "convert.h"
#include "lambda_job.h"
#include "vectors_job.h"
#include "remove_job.h"

namespace qvnode {

namespace {

class AddJob : public AsyncJob {
 public:
  AddJob(Napi::Env env, std::shared_ptr<qv::FlatIndex> index, std::vector<float> vectors, std::vector<int64_t> ids)
      : AsyncJob(env), index_(std::move(index)), vectors_(std::move(vectors)), ids_(std::move(ids)) {}

 protected:
  void Run() override { index_->add(vectors_.data(), ids_.data(), ids_.size()); }
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 private:
  std::shared_ptr<qv::FlatIndex> index_;
  std::vector<float> vectors_;
  std::vector<int64_t> ids_;
};

class SearchJob : public AsyncJob {
 public:
  SearchJob(Napi::Env env, std::shared_ptr<qv::FlatIndex> index, std::vector<float> queries, size_t k,
            std::vector<uint8_t> exclude, size_t exclude_bits)
      : AsyncJob(env),
        index_(std::move(index)),
        queries_(std::move(queries)),
        k_(k),
        exclude_(std::move(exclude)),
        exclude_bits_(exclude_bits) {}

 protected:
  void Run() override {
    const size_t nq = queries_.size() / index_->dim();
    result_ = index_->search(queries_.data(), nq, k_, qv::BitsetView(exclude_.data(), exclude_bits_),
                             qv::ThreadPool::shared());
  }
  Napi::Value Result(Napi::Env env) override { return ToJs(env, result_); }

 private:
  std::shared_ptr<qv::FlatIndex> index_;
  std::vector<float> queries_;
  size_t k_;
  std::vector<uint8_t> exclude_;
  size_t exclude_bits_;
  qv::SearchResult result_;
};

}  // namespace

Napi::Function FlatIndexWrap::Define(Napi::Env env) {
  return DefineClass(env, "FlatIndex",
                     {
                         InstanceMethod<&FlatIndexWrap::Add>("add"),
                         InstanceMethod<&FlatIndexWrap::AddFromFile>("addFromFile"),
                         InstanceMethod<&FlatIndexWrap::Search>("search"),
                         InstanceMethod<&FlatIndexWrap::Close>("close"),
                         InstanceMethod<&FlatIndexWrap::Remove>("remove"),
                         InstanceMethod<&FlatIndexWrap::Vectors>("vectors"),
                         InstanceMethod<&FlatIndexWrap::Shrink>("shrink"),
                         InstanceMethod<&FlatIndexWrap::MemoryBytes>("memoryBytes"),
                         InstanceAccessor<&FlatIndexWrap::Size>("size"),
                         InstanceAccessor<&FlatIndexWrap::Rows>("rows"),
                         InstanceAccessor<&FlatIndexWrap::Dim>("dim"),
                         InstanceAccessor<&FlatIndexWrap::Metric>("metric"),
                     });
}

FlatIndexWrap::FlatIndexWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FlatIndexWrap>(info) {
  Napi::Env env = info.Env();
  const uint32_t dim = ToUint32(env, info[0], "dim");
  const qv::Metric metric = ToMetric(env, info[1]);
  try {
    index_ = std::make_shared<qv::FlatIndex>(dim, metric);
  } catch (const qv::Error& e) {
    ThrowError(env, e.code(), e.what());
  }
}

// add(vectors: Float32Array, ids: BigInt64Array): Promise<void>
Napi::Value FlatIndexWrap::Add(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& index = Index(env);
  std::vector<float> vectors = CopyFloat32Array(env, info[0], "vectors");
  std::vector<int64_t> ids = CopyBigInt64Array(env, info[1], "ids");
  if (vectors.size() != ids.size() * index->dim()) {
    ThrowError(env, qv::code::kDimensionMismatch,
               std::to_string(vectors.size()) + " floats do not make " + std::to_string(ids.size()) +
                   " vectors of dimension " + std::to_string(index->dim()));
  }
  return AsyncJob::Queue(env, std::make_unique<AddJob>(env, index, std::move(vectors), std::move(ids)));
}

// addFromFile(path: string, rows: number, crc: number): Promise<void>. Adds a vector column
// file's rows, ids their row numbers, checked against its CRC-32C; nothing passes through
// JavaScript.
Napi::Value FlatIndexWrap::AddFromFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = ToString(env, info[0], "path");
  const size_t rows = ToUint32(env, info[1], "rows");
  const uint32_t crc = ToUint32(env, info[2], "crc");
  auto index = Index(env);
  return LambdaJob::Queue(env, [index, path, rows, crc] {
    const qv::MappedFile file(path);
    const float* vectors = file.vectors(rows, index->dim(), crc);
    std::vector<int64_t> ids(rows);
    std::iota(ids.begin(), ids.end(), int64_t(0));
    index->add(vectors, ids.data(), rows);
  });
}

// search(queries: Float32Array, k: number, exclude?: Uint8Array): Promise<Result>
Napi::Value FlatIndexWrap::Search(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& index = Index(env);
  std::vector<float> queries = CopyFloat32Array(env, info[0], "queries");
  const uint32_t k = ToUint32(env, info[1], "k");
  if (queries.empty() || queries.size() % index->dim() != 0) {
    ThrowError(env, qv::code::kDimensionMismatch,
               std::to_string(queries.size()) + " floats are not a whole number of queries of dimension " +
                   std::to_string(index->dim()));
  }
  std::vector<uint8_t> exclude;
  if (info.Length() > 2 && !info[2].IsUndefined()) exclude = CopyUint8Array(env, info[2], "exclude");
  const size_t bits = exclude.size() * 8;
  return AsyncJob::Queue(env, std::make_unique<SearchJob>(env, index, std::move(queries), k, std::move(exclude), bits));
}

// close(): the index's memory is freed once the work already queued on it is done (each
// job holds the index); every later call throws ClosedError. Closing twice does nothing.
Napi::Value FlatIndexWrap::Close(const Napi::CallbackInfo& info) {
  index_.reset();
  return info.Env().Undefined();
}

const std::shared_ptr<qv::FlatIndex>& FlatIndexWrap::Index(Napi::Env env) const {
  if (!index_) ThrowError(env, qv::code::kClosed, "the FlatIndex is closed");
  return index_;
}

std::shared_ptr<qv::FlatIndex> FlatIndexWrap::Find(Napi::Env env, Napi::Value value) {
  Napi::Function constructor = Data(env).flat_index_constructor.Value();
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(constructor)) return nullptr;
  return Unwrap(value.As<Napi::Object>())->Index(env);  // a ClosedError once closed
}

// remove(ids: BigInt64Array): Promise<number>
Napi::Value FlatIndexWrap::Remove(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<int64_t> ids = CopyBigInt64Array(env, info[0], "ids");
  return AsyncJob::Queue(env, std::make_unique<RemoveJob<qv::FlatIndex>>(env, Index(env), std::move(ids)));
}

// vectors(rows: Uint32Array): Promise<Float32Array> (rows x dim, row-major)
Napi::Value FlatIndexWrap::Vectors(const Napi::CallbackInfo& info) { return QueueVectors(info.Env(), info[0], Index(info.Env())); }

// shrink(): Promise<void>. One copy of the vectors, on the pool.
Napi::Value FlatIndexWrap::Shrink(const Napi::CallbackInfo& info) {
  auto index = Index(info.Env());
  return LambdaJob::Queue(info.Env(), [index] { index->shrink(); });
}

Napi::Value FlatIndexWrap::Size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(Index(info.Env())->size()));
}

Napi::Value FlatIndexWrap::Rows(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(Index(info.Env())->rows()));
}

Napi::Value FlatIndexWrap::Dim(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(Index(info.Env())->dim()));
}

Napi::Value FlatIndexWrap::Metric(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), MetricName(Index(info.Env())->metric()));
}

Napi::Value FlatIndexWrap::MemoryBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(Index(info.Env())->memory_bytes()));
}

}  // namespace qvnode

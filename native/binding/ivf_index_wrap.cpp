#include "ivf_index_wrap.h"

#include <numeric>
#include <string>

#include "async_job.h"
#include "common/error.h"
#include "common/mapped_file.h"
#include "convert.h"
#include "lambda_job.h"
#include "remove_job.h"
#include "runtime/thread_pool.h"

namespace qvnode {

namespace {

qv::IvfKind ToKind(Napi::Env env, Napi::Value value) {
  const std::string name = value.IsString() ? value.As<Napi::String>().Utf8Value() : "";
  for (qv::IvfKind kind : {qv::IvfKind::Flat, qv::IvfKind::Sq8, qv::IvfKind::Pq}) {
    if (name == qv::ivf_kind_name(kind)) return kind;
  }
  ThrowError(env, qv::code::kInvalidArgument, "index type must be \"IVF_FLAT\", \"IVF_SQ8\" or \"IVF_PQ\"");
}

uint32_t OptionalUint(Napi::Env env, Napi::Object options, const char* key, uint32_t fallback) {
  Napi::Value v = options.Get(key);
  return v.IsUndefined() ? fallback : ToUint32(env, v, key);
}

class TrainJob : public AsyncJob {
 public:
  TrainJob(Napi::Env env, std::shared_ptr<qv::IvfIndex> index, std::vector<float> vectors, Napi::Value on_progress,
           qv::ThreadPool& pool)
      : AsyncJob(env), index_(std::move(index)), vectors_(std::move(vectors)), progress_(ProgressTo(on_progress)), pool_(pool) {}

 protected:
  void Run() override { index_->train(vectors_.data(), vectors_.size() / index_->params().dim, pool_, progress_); }
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 private:
  std::shared_ptr<qv::IvfIndex> index_;
  std::vector<float> vectors_;
  std::function<void(double)> progress_;
  qv::ThreadPool& pool_;
};

class AddJob : public AsyncJob {
 public:
  AddJob(Napi::Env env, std::shared_ptr<qv::IvfIndex> index, std::vector<float> vectors, std::vector<int64_t> ids,
         Napi::Value on_progress, qv::ThreadPool& pool)
      : AsyncJob(env),
        index_(std::move(index)),
        vectors_(std::move(vectors)),
        ids_(std::move(ids)),
        progress_(ProgressTo(on_progress)),
        pool_(pool) {}

 protected:
  void Run() override { index_->add(vectors_.data(), ids_.data(), ids_.size(), pool_, progress_); }
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 private:
  std::shared_ptr<qv::IvfIndex> index_;
  std::vector<float> vectors_;
  std::vector<int64_t> ids_;
  std::function<void(double)> progress_;
  qv::ThreadPool& pool_;
};

class SearchJob : public AsyncJob {
 public:
  SearchJob(Napi::Env env, std::shared_ptr<qv::IvfIndex> index, std::vector<float> queries, size_t k,
            qv::SearchParams options, std::vector<uint8_t> exclude)
      : AsyncJob(env),
        index_(std::move(index)),
        queries_(std::move(queries)),
        k_(k),
        options_(options),
        exclude_(std::move(exclude)) {}

 protected:
  void Run() override {
    result_ = index_->search(queries_.data(), queries_.size() / index_->params().dim, k_,
                             qv::BitsetView(exclude_.data(), exclude_.size() * 8), qv::ThreadPool::shared(), options_);
  }
  Napi::Value Result(Napi::Env env) override { return ToJs(env, result_); }

 private:
  std::shared_ptr<qv::IvfIndex> index_;
  std::vector<float> queries_;
  size_t k_;
  qv::SearchParams options_;
  std::vector<uint8_t> exclude_;
  qv::SearchResult result_;
};

class SaveJob : public AsyncJob {
 public:
  SaveJob(Napi::Env env, std::shared_ptr<qv::IvfIndex> index, std::string path)
      : AsyncJob(env), index_(std::move(index)), path_(std::move(path)) {}

 protected:
  void Run() override { index_->save(path_); }
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 private:
  std::shared_ptr<qv::IvfIndex> index_;
  std::string path_;
};

class LoadJob : public AsyncJob {
 public:
  LoadJob(Napi::Env env, std::string path, bool map) : AsyncJob(env), path_(std::move(path)), map_(map) {}

 protected:
  void Run() override { loaded_ = qv::IvfIndex::load(path_, map_); }
  Napi::Value Result(Napi::Env env) override {
    return NewWrapping(env, Data(env).ivf_index_constructor, std::shared_ptr<qv::IvfIndex>(std::move(loaded_)));
  }

 private:
  std::string path_;
  bool map_;
  std::unique_ptr<qv::IvfIndex> loaded_;
};

std::string ToPath(Napi::Env env, Napi::Value value) {
  if (!value.IsString() || value.As<Napi::String>().Utf8Value().empty()) {
    ThrowError(env, qv::code::kInvalidArgument, "path must be a non-empty string");
  }
  return value.As<Napi::String>().Utf8Value();
}

}  // namespace

Napi::Function IvfIndexWrap::Define(Napi::Env env) {
  return DefineClass(env, "IvfIndex",
                     {
                         InstanceMethod<&IvfIndexWrap::Train>("train"),
                         InstanceMethod<&IvfIndexWrap::Add>("add"),
                         InstanceMethod<&IvfIndexWrap::BuildFromFile>("buildFromFile"),
                         InstanceMethod<&IvfIndexWrap::Search>("search"),
                         InstanceMethod<&IvfIndexWrap::Close>("close"),
                         InstanceMethod<&IvfIndexWrap::Remove>("remove"),
                         InstanceMethod<&IvfIndexWrap::Save>("save"),
                         InstanceMethod<&IvfIndexWrap::MemoryBytes>("memoryBytes"),
                         InstanceMethod<&IvfIndexWrap::MappedBytes>("mappedBytes"),
                         InstanceMethod<&IvfIndexWrap::ListSizes>("listSizes"),
                         InstanceAccessor<&IvfIndexWrap::Size>("size"),
                         InstanceAccessor<&IvfIndexWrap::Rows>("rows"),
                         InstanceAccessor<&IvfIndexWrap::Trained>("trained"),
                         InstanceAccessor<&IvfIndexWrap::Params>("params"),
                         StaticMethod<&IvfIndexWrap::Load>("load"),
                     });
}

IvfIndexWrap::IvfIndexWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IvfIndexWrap>(info) {
  Napi::Env env = info.Env();
  if (info[0].IsExternal()) {  // from load()
    index_ = Shared<qv::IvfIndex>(info[0]);
    return;
  }
  if (!info[0].IsObject()) ThrowError(env, qv::code::kInvalidArgument, "IvfIndex needs an options object");
  Napi::Object options = info[0].As<Napi::Object>();
  qv::IvfParams p;
  p.dim = ToUint32(env, options.Get("dim"), "dim");
  p.metric = ToMetric(env, options.Get("metric"));
  p.kind = ToKind(env, options.Get("type"));
  p.nlist = OptionalUint(env, options, "nlist", 128);
  p.m = OptionalUint(env, options, "m", 0);
  p.nbits = OptionalUint(env, options, "nbits", 8);
  p.keep_raw = options.Get("keepVectors").ToBoolean().Value();
  p.seed = OptionalUint(env, options, "seed", 42);
  p.iterations = OptionalUint(env, options, "iterations", 10);
  // An index built in the background (the index node's) trains, adds and saves on the
  // low-priority pool, so that searches keep the CPU.
  background_ = options.Get("background").ToBoolean().Value();
  try {
    index_ = std::make_shared<qv::IvfIndex>(p);
  } catch (const qv::Error& e) {
    ThrowError(env, e.code(), e.what());
  }
}

// train(vectors: Float32Array, onProgress?: (fraction) => void): Promise<void>
Napi::Value IvfIndexWrap::Train(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& index = Index(env);
  std::vector<float> vectors = CopyFloat32Array(env, info[0], "vectors");
  if (vectors.size() % index->params().dim != 0) {
    ThrowError(env, qv::code::kDimensionMismatch, "the training vectors are not a whole number of vectors of dimension " +
                                                      std::to_string(index->params().dim));
  }
  return AsyncJob::Queue(env, std::make_unique<TrainJob>(env, index, std::move(vectors), info[1], pool()), pool());
}

// add(vectors: Float32Array, ids: BigInt64Array, onProgress?): Promise<void>
Napi::Value IvfIndexWrap::Add(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& index = Index(env);
  std::vector<float> vectors = CopyFloat32Array(env, info[0], "vectors");
  std::vector<int64_t> ids = CopyBigInt64Array(env, info[1], "ids");
  if (vectors.size() != ids.size() * index->params().dim) {
    ThrowError(env, qv::code::kDimensionMismatch,
               std::to_string(vectors.size()) + " floats do not make " + std::to_string(ids.size()) +
                   " vectors of dimension " + std::to_string(index->params().dim));
  }
  return AsyncJob::Queue(env, std::make_unique<AddJob>(env, index, std::move(vectors), std::move(ids), info[2], pool()), pool());
}

// buildFromFile(path, rows, crc): Promise<void>. Trains on and adds the rows of a vector
// column file (rows x dim float32; ids are the row numbers), mapped and checked against its
// CRC-32C on the index's pool: the vectors never pass through JavaScript, whose thread a
// copy of a large segment would hold for tens of milliseconds.
Napi::Value IvfIndexWrap::BuildFromFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = ToString(env, info[0], "path");
  const size_t rows = ToUint32(env, info[1], "rows");
  const uint32_t crc = ToUint32(env, info[2], "crc");
  auto index = Index(env);
  qv::ThreadPool& work = pool();
  return LambdaJob::Queue(
      env,
      [index, path, rows, crc, &work] {
        const qv::MappedFile file(path);
        const float* vectors = file.vectors(rows, index->params().dim, crc);
        index->train(vectors, rows, work);
        std::vector<int64_t> ids(rows);
        std::iota(ids.begin(), ids.end(), int64_t(0));
        index->add(vectors, ids.data(), rows, work);
      },
      nullptr, work);
}

// search(queries: Float32Array, k: number, nprobe: number, refine: number, exclude?: Uint8Array): Promise<Result>
Napi::Value IvfIndexWrap::Search(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& index = Index(env);
  std::vector<float> queries = CopyFloat32Array(env, info[0], "queries");
  const uint32_t k = ToUint32(env, info[1], "k");
  qv::SearchParams options;
  options.nprobe = ToUint32(env, info[2], "nprobe");
  options.refine = ToUint32(env, info[3], "refine");
  if (queries.empty() || queries.size() % index->params().dim != 0) {
    ThrowError(env, qv::code::kDimensionMismatch,
               std::to_string(queries.size()) + " floats are not a whole number of queries of dimension " +
                   std::to_string(index->params().dim));
  }
  std::vector<uint8_t> exclude;
  if (info.Length() > 4 && !info[4].IsUndefined()) exclude = CopyUint8Array(env, info[4], "exclude");
  return AsyncJob::Queue(env, std::make_unique<SearchJob>(env, index, std::move(queries), k, options, std::move(exclude)));
}

Napi::Value IvfIndexWrap::Remove(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return AsyncJob::Queue(env, std::make_unique<RemoveJob<qv::IvfIndex>>(env, Index(env), CopyBigInt64Array(env, info[0], "ids")));
}

Napi::Value IvfIndexWrap::Save(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return AsyncJob::Queue(env, std::make_unique<SaveJob>(env, Index(env), ToPath(env, info[0])), pool());
}

// close(): the index's memory is freed once the work already queued on it is done (each
// job holds the index); every later call throws ClosedError. Closing twice does nothing.
Napi::Value IvfIndexWrap::Close(const Napi::CallbackInfo& info) {
  index_.reset();
  return info.Env().Undefined();
}

const std::shared_ptr<qv::IvfIndex>& IvfIndexWrap::Index(Napi::Env env) const {
  if (!index_) ThrowError(env, qv::code::kClosed, "the IvfIndex is closed");
  return index_;
}

std::shared_ptr<qv::IvfIndex> IvfIndexWrap::Find(Napi::Env env, Napi::Value value) {
  Napi::Function constructor = Data(env).ivf_index_constructor.Value();
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(constructor)) return nullptr;
  return Unwrap(value.As<Napi::Object>())->Index(env);  // a ClosedError once closed
}

// IvfIndex.load(path, map?: boolean): map leaves the lists in the file's pages.
Napi::Value IvfIndexWrap::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool map = info[1].ToBoolean().Value();
  return AsyncJob::Queue(env, std::make_unique<LoadJob>(env, ToPath(env, info[0]), map));
}

Napi::Value IvfIndexWrap::MemoryBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(Index(info.Env())->memory_bytes()));
}

Napi::Value IvfIndexWrap::MappedBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(Index(info.Env())->mapped_bytes()));
}

Napi::Value IvfIndexWrap::ListSizes(const Napi::CallbackInfo& info) {
  const std::vector<uint32_t> sizes = Index(info.Env())->list_sizes();
  auto out = Napi::Uint32Array::New(info.Env(), sizes.size());
  std::copy(sizes.begin(), sizes.end(), out.Data());
  return out;
}

Napi::Value IvfIndexWrap::Size(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(Index(info.Env())->size())); }
Napi::Value IvfIndexWrap::Rows(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(Index(info.Env())->rows())); }
Napi::Value IvfIndexWrap::Trained(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), Index(info.Env())->trained()); }

// params: { dim, metric, type, nlist, m, nbits, keepVectors, seed, iterations }
Napi::Value IvfIndexWrap::Params(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const qv::IvfParams& p = Index(env)->params();
  Napi::Object out = Napi::Object::New(env);
  out.Set("dim", double(p.dim));
  out.Set("metric", MetricName(p.metric));
  out.Set("type", qv::ivf_kind_name(p.kind));
  out.Set("nlist", double(p.nlist));
  out.Set("m", double(p.m));
  out.Set("nbits", double(p.nbits));
  out.Set("keepVectors", p.keep_raw);
  out.Set("seed", double(p.seed));
  out.Set("iterations", double(p.iterations));
  return out;
}

}  // namespace qvnode

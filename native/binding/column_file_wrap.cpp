#include "column_file_wrap.h"

#include <memory>
#include <string>
#include <vector>

#include "async_job.h"
#include "common/error.h"
#include "convert.h"
#include "lambda_job.h"
#include "segment/column_file.h"

namespace qvnode {

namespace {

// Fills an ArrayBuffer made on the JavaScript thread (V8's memory, as Electron requires)
// from the I/O pool, as Node's own file reads do. The buffer reaches JavaScript only once
// it is full and checked.
class ReadCheckedJob : public AsyncJob {
 public:
  ReadCheckedJob(Napi::Env env, std::string path, uint64_t bytes, uint32_t crc)
      : AsyncJob(env), path_(std::move(path)), bytes_(bytes), crc_(crc) {
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, size_t(bytes));
    data_ = static_cast<uint8_t*>(buffer.Data());
    buffer_ = Napi::Persistent(buffer);
  }
  void Abandon() override {
    buffer_.SuppressDestruct();
    AsyncJob::Abandon();
  }

 protected:
  void Run() override { qv::read_checked(path_, bytes_, crc_, data_); }
  Napi::Value Result(Napi::Env env) override {
    Napi::ArrayBuffer buffer = buffer_.Value();
    return Napi::Uint8Array::New(env, size_t(bytes_), buffer, 0);
  }

 private:
  std::string path_;
  uint64_t bytes_;
  uint32_t crc_;
  uint8_t* data_ = nullptr;  // buffer_'s memory: written by Run(), read by JavaScript after Result()
  Napi::Reference<Napi::ArrayBuffer> buffer_;
};

uint64_t ToSize(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsNumber()) ThrowError(env, qv::code::kInvalidArgument, std::string(what) + " must be a number");
  const double n = value.As<Napi::Number>().DoubleValue();
  if (!(n >= 0 && n <= 9007199254740991.0) || n != double(uint64_t(n))) {
    ThrowError(env, qv::code::kInvalidArgument, std::string(what) + " must be a whole number of bytes");
  }
  return uint64_t(n);
}

// readChecked(path: string, bytes: number, crc: number): Promise<Uint8Array>
Napi::Value ReadChecked(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ToString(env, info[0], "path");
  const uint64_t bytes = ToSize(env, info[1], "bytes");
  const uint32_t crc = ToUint32(env, info[2], "crc");
  return AsyncJob::Queue(env, std::make_unique<ReadCheckedJob>(env, std::move(path), bytes, crc), qv::ThreadPool::io());
}

// copyColumnRows(sources: { path, bytes, crc, valueBytes, validBytes, keep: Uint32Array }[], rowWidth, path):
// Promise<{ bytes, crc, valueBytes, validBytes }>, on the low-priority background pool.
Napi::Value CopyColumnRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) ThrowError(env, qv::code::kInvalidArgument, "sources must be an array");
  Napi::Array list = info[0].As<Napi::Array>();
  auto sources = std::make_shared<std::vector<qv::ColumnRows>>();
  for (uint32_t i = 0; i < list.Length(); ++i) {
    if (!list.Get(i).IsObject()) ThrowError(env, qv::code::kInvalidArgument, "each source must be an object");
    Napi::Object source = list.Get(i).As<Napi::Object>();
    qv::ColumnRows rows;
    rows.path = ToString(env, source.Get("path"), "path");
    rows.bytes = ToSize(env, source.Get("bytes"), "bytes");
    rows.crc = ToUint32(env, source.Get("crc"), "crc");
    rows.value_bytes = ToSize(env, source.Get("valueBytes"), "valueBytes");
    rows.valid_bytes = ToSize(env, source.Get("validBytes"), "validBytes");
    rows.keep = CopyUint32Array(env, source.Get("keep"), "keep");
    sources->push_back(std::move(rows));
  }
  const size_t row_width = ToUint32(env, info[1], "rowWidth");
  const std::string path = ToString(env, info[2], "path");
  auto written = std::make_shared<qv::WrittenColumn>();
  return LambdaJob::Queue(
      env, [sources, row_width, path, written] { *written = qv::copy_column_rows(*sources, row_width, path); },
      [written](Napi::Env env) {
        Napi::Object out = Napi::Object::New(env);
        out.Set("bytes", Napi::Number::New(env, double(written->bytes)));
        out.Set("crc", Napi::Number::New(env, double(written->crc)));
        out.Set("valueBytes", Napi::Number::New(env, double(written->value_bytes)));
        out.Set("validBytes", Napi::Number::New(env, double(written->valid_bytes)));
        return out;
      },
      qv::ThreadPool::background());
}

}  // namespace

void RegisterColumnFiles(Napi::Env env, Napi::Object exports) {
  exports.Set("readChecked", Napi::Function::New<ReadChecked>(env, "readChecked"));
  exports.Set("copyColumnRows", Napi::Function::New<CopyColumnRows>(env, "copyColumnRows"));
}

}  // namespace qvnode

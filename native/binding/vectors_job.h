// vectors(rows) for any index that gives stored vectors back (FlatIndex, MappedFlatIndex):
// rows copied on the JavaScript thread, read on the pool, returned as a Float32Array.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include "common/error.h"
#include "convert.h"
#include "lambda_job.h"

namespace qvnode {

// rows: Uint32Array → Promise<Float32Array> (rows x dim, row-major)
template <class Index>
Napi::Value QueueVectors(Napi::Env env, Napi::Value rows_value, std::shared_ptr<Index> index) {
  if (!rows_value.IsTypedArray() || rows_value.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    ThrowError(env, qv::code::kInvalidArgument, "rows must be a Uint32Array");
  }
  Napi::Uint32Array array = rows_value.As<Napi::Uint32Array>();
  auto rows = std::make_shared<std::vector<uint32_t>>(array.Data(), array.Data() + array.ElementLength());
  auto out = std::make_shared<std::vector<float>>();
  return LambdaJob::Queue(
      env,
      [index, rows, out] {
        out->resize(rows->size() * index->dim());
        index->vectors(rows->data(), rows->size(), out->data());
      },
      [out](Napi::Env env) {
        auto result = Napi::Float32Array::New(env, out->size());
        std::copy(out->begin(), out->end(), result.Data());
        return result;
      });
}

}  // namespace qvnode

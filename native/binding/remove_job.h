// remove(ids) for any index class: the same job for FlatIndex and IvfIndex.
#pragma once

#include <memory>
#include <vector>

#include "async_job.h"

namespace qvnode {

template <class Index>
class RemoveJob : public AsyncJob {
 public:
  RemoveJob(Napi::Env env, std::shared_ptr<Index> index, std::vector<int64_t> ids)
      : AsyncJob(env), index_(std::move(index)), ids_(std::move(ids)) {}

 protected:
  void Run() override { removed_ = index_->remove(ids_.data(), ids_.size()); }
  Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, double(removed_)); }

 private:
  std::shared_ptr<Index> index_;
  std::vector<int64_t> ids_;
  size_t removed_ = 0;
};

}  // namespace qvnode

// The rocksmq broker as a JavaScript class. open() is a Promise (it reads the database);
// every other call that touches RocksDB is a Promise too. Commit notifications reach the
// JavaScript thread through the same ordered delivery queue as job results.
#pragma once

#include <napi.h>

#include <memory>

#include "mq/rocksmq.h"

namespace qvnode {

class RocksMqWrap : public Napi::ObjectWrap<RocksMqWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit RocksMqWrap(const Napi::CallbackInfo& info);  // from open() only
  static Napi::Value Open(const Napi::CallbackInfo& info);

 private:
  Napi::Value CreateTopic(const Napi::CallbackInfo& info);
  Napi::Value DropTopic(const Napi::CallbackInfo& info);
  Napi::Value ListTopics(const Napi::CallbackInfo& info);
  Napi::Value TopicStats(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value GroupPosition(const Napi::CallbackInfo& info);
  Napi::Value CreateGroup(const Napi::CallbackInfo& info);
  Napi::Value Ack(const Napi::CallbackInfo& info);
  Napi::Value DropGroup(const Napi::CallbackInfo& info);
  Napi::Value QueueGroupWrite(const Napi::CallbackInfo& info, const char* what,
                              void (qv::RocksMq::*write)(const std::string&, const std::string&, uint64_t));
  Napi::Value EnforceRetention(const Napi::CallbackInfo& info);
  Napi::Value OnCommit(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  std::shared_ptr<qv::RocksMq> mq_;
  Napi::FunctionReference commit_callback_;
  bool closing_ = false;
};

}  // namespace qvnode

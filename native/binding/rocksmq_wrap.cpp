#include "rocksmq_wrap.h"

#include <cmath>
#include <cstring>
#include <string>

#include "common/error.h"
#include "convert.h"
#include "lambda_job.h"

namespace qvnode {

namespace {

uint64_t ToId(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsBigInt()) ThrowError(env, qv::code::kInvalidArgument, std::string(what) + " must be a bigint");
  bool lossless = false;
  const uint64_t v = value.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) ThrowError(env, qv::code::kInvalidArgument, std::string(what) + " is out of range");
  return v;
}

constexpr double kMaxSafeInteger = 9007199254740991.0;

// options[key] as an integer from min to max (fallback when absent); anything else is refused,
// so that a huge or fractional value never wraps around in the engine.
int64_t OptionalInt(Napi::Env env, Napi::Object options, const char* key, int64_t fallback, double min, double max) {
  Napi::Value v = options.Get(key);
  if (v.IsUndefined()) return fallback;
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= min && d <= max) || std::floor(d) != d) {
    ThrowError(env, qv::code::kInvalidArgument, std::string("rocksmq.") + key + " must be an integer from " + std::to_string(int64_t(min)) +
                                                    " to " + std::to_string(int64_t(max)));
  }
  return int64_t(d);
}

// A commit heard on the writer thread, delivered to the JavaScript callback.
class CommitEvent : public Delivery {
 public:
  CommitEvent(Napi::FunctionReference* callback, std::string topic, uint64_t last)
      : callback_(callback), topic_(std::move(topic)), last_(last) {}
  void Deliver(Napi::Env env, AddonData&) override {
    Napi::HandleScope scope(env);
    if (callback_->IsEmpty()) return;  // the broker was closed meanwhile
    try {
      callback_->Call({Napi::String::New(env, topic_), Napi::BigInt::New(env, last_)});
    } catch (const Napi::Error& e) {
      napi_fatal_exception(env, e.Value());  // as for any other callback: an uncaught exception
    }
  }

 private:
  Napi::FunctionReference* callback_;
  std::string topic_;
  uint64_t last_;
};

}  // namespace

Napi::Function RocksMqWrap::Define(Napi::Env env) {
  return DefineClass(env, "RocksMq",
                     {
                         InstanceMethod<&RocksMqWrap::CreateTopic>("createTopic"),
                         InstanceMethod<&RocksMqWrap::DropTopic>("dropTopic"),
                         InstanceMethod<&RocksMqWrap::ListTopics>("listTopics"),
                         InstanceMethod<&RocksMqWrap::TopicStats>("topicStats"),
                         InstanceMethod<&RocksMqWrap::Send>("send"),
                         InstanceMethod<&RocksMqWrap::Read>("read"),
                         InstanceMethod<&RocksMqWrap::GroupPosition>("groupPosition"),
                         InstanceMethod<&RocksMqWrap::CreateGroup>("createGroup"),
                         InstanceMethod<&RocksMqWrap::Ack>("ack"),
                         InstanceMethod<&RocksMqWrap::DropGroup>("dropGroup"),
                         InstanceMethod<&RocksMqWrap::EnforceRetention>("enforceRetention"),
                         InstanceMethod<&RocksMqWrap::OnCommit>("onCommit"),
                         InstanceMethod<&RocksMqWrap::Close>("close"),
                         StaticMethod<&RocksMqWrap::Open>("open"),
                     });
}

RocksMqWrap::RocksMqWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RocksMqWrap>(info) {
  if (!info[0].IsExternal()) ThrowError(info.Env(), qv::code::kInvalidArgument, "use RocksMq.open(options)");
  mq_ = Shared<qv::RocksMq>(info[0]);
}

// open({ path, retentionTimeInMinutes, retentionSizeInMB, compactionInterval, lrucacheratio,
//        compressionTypes, maxPayload }): Promise<RocksMq>
Napi::Value RocksMqWrap::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) ThrowError(env, qv::code::kInvalidArgument, "open needs an options object");
  Napi::Object o = info[0].As<Napi::Object>();
  qv::RocksMqOptions options;
  options.path = ToString(env, o.Get("path"), "rocksmq.path");
  options.retention_minutes = OptionalInt(env, o, "retentionTimeInMinutes", options.retention_minutes, -1, kMaxSafeInteger);
  options.retention_mb = OptionalInt(env, o, "retentionSizeInMB", options.retention_mb, -1, kMaxSafeInteger);
  options.compaction_interval_seconds = OptionalInt(env, o, "compactionInterval", options.compaction_interval_seconds, 1, kMaxSafeInteger);
  if (!o.Get("lrucacheratio").IsUndefined()) {
    const double ratio = o.Get("lrucacheratio").IsNumber() ? o.Get("lrucacheratio").As<Napi::Number>().DoubleValue() : NAN;
    if (!(ratio > 0 && ratio <= 1)) ThrowError(env, qv::code::kInvalidArgument, "rocksmq.lrucacheratio must be a number above 0 and at most 1");
    options.lru_cache_ratio = ratio;
  }
  options.max_payload_bytes = size_t(OptionalInt(env, o, "maxPayload", int64_t(options.max_payload_bytes), 1, double(qv::RocksMq::kMaxPayloadLimit)));
  if (o.Get("compressionTypes").IsArray()) {
    Napi::Array types = o.Get("compressionTypes").As<Napi::Array>();
    options.compression_types.clear();
    for (uint32_t i = 0; i < types.Length(); ++i) options.compression_types.push_back(int(ToUint32(env, types.Get(i), "compressionTypes")));
  }
  auto opened = std::make_shared<std::shared_ptr<qv::RocksMq>>();
  return QueueIo(
      env, [options, opened] { *opened = std::make_shared<qv::RocksMq>(options); },
      [opened](Napi::Env env) { return NewWrapping(env, Data(env).rocksmq_constructor, *opened); });
}

Napi::Value RocksMqWrap::CreateTopic(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = ToString(env, info[0], "topic");
  qv::TopicOptions options;
  if (info[1].IsObject()) {
    options.retention_minutes = OptionalInt(env, info[1].As<Napi::Object>(), "retentionTimeInMinutes", 0, -1, kMaxSafeInteger);
    options.retention_mb = OptionalInt(env, info[1].As<Napi::Object>(), "retentionSizeInMB", 0, -1, kMaxSafeInteger);
  }
  auto mq = mq_;
  return QueueIo(env, [mq, name, options] { mq->create_topic(name, options); });
}

Napi::Value RocksMqWrap::DropTopic(const Napi::CallbackInfo& info) {
  auto mq = mq_;
  const std::string name = ToString(info.Env(), info[0], "topic");
  return QueueIo(info.Env(), [mq, name] { mq->drop_topic(name); });
}

Napi::Value RocksMqWrap::ListTopics(const Napi::CallbackInfo& info) {
  auto mq = mq_;
  auto names = std::make_shared<std::vector<std::string>>();
  return QueueIo(
      info.Env(), [mq, names] { *names = mq->list_topics(); },
      [names](Napi::Env env) {
        Napi::Array out = Napi::Array::New(env, names->size());
        for (size_t i = 0; i < names->size(); ++i) out.Set(uint32_t(i), (*names)[i]);
        return out;
      });
}

// topicStats(topic): Promise<{ firstId: bigint, lastId: bigint, messages: number, bytes: number }>
Napi::Value RocksMqWrap::TopicStats(const Napi::CallbackInfo& info) {
  auto mq = mq_;
  const std::string name = ToString(info.Env(), info[0], "topic");
  auto stats = std::make_shared<qv::TopicStats>();
  return QueueIo(
      info.Env(), [mq, name, stats] { *stats = mq->topic_stats(name); },
      [stats](Napi::Env env) {
        Napi::Object out = Napi::Object::New(env);
        out.Set("firstId", Napi::BigInt::New(env, stats->first_id));
        out.Set("lastId", Napi::BigInt::New(env, stats->last_id));
        out.Set("messages", double(stats->messages));
        out.Set("bytes", double(stats->bytes));
        return out;
      });
}

// Appends a payload given as a Uint8Array or an array of them (its parts, concatenated).
static void AppendPayload(Napi::Env env, Napi::Value value, uint32_t index, std::string& out) {
  auto isBytes = [](Napi::Value v) { return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array; };
  auto invalid = [&] { ThrowError(env, qv::code::kInvalidArgument, "payload " + std::to_string(index) + " is not a Uint8Array or an array of them"); };
  if (isBytes(value)) {
    auto bytes = value.As<Napi::Uint8Array>();
    out.assign(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
    return;
  }
  if (!value.IsArray()) invalid();
  Napi::Array parts = value.As<Napi::Array>();
  std::vector<Napi::Uint8Array> views;
  views.reserve(parts.Length());
  size_t total = 0;
  for (uint32_t p = 0; p < parts.Length(); ++p) {
    Napi::Value part = parts.Get(p);
    if (!isBytes(part)) invalid();
    views.push_back(part.As<Napi::Uint8Array>());
    total += views.back().ByteLength();
  }
  out.reserve(total);
  for (auto& view : views) out.append(reinterpret_cast<const char*>(view.Data()), view.ByteLength());
}

// send(topic, payloads: (Uint8Array | Uint8Array[])[]): Promise<BigInt64Array of ids>
Napi::Value RocksMqWrap::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = ToString(env, info[0], "topic");
  if (!info[1].IsArray()) ThrowError(env, qv::code::kInvalidArgument, "payloads must be an array");
  Napi::Array array = info[1].As<Napi::Array>();
  auto payloads = std::make_shared<std::vector<std::string>>(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) AppendPayload(env, array.Get(i), i, (*payloads)[i]);
  auto mq = mq_;
  auto ids = std::make_shared<std::vector<uint64_t>>();
  return QueueIo(
      env, [mq, name, payloads, ids] { *ids = mq->send(name, *payloads); },
      [ids](Napi::Env env) {
        auto out = Napi::BigInt64Array::New(env, ids->size());
        for (size_t i = 0; i < ids->size(); ++i) out[i] = int64_t((*ids)[i]);
        return out;
      });
}

// read(topic, from: bigint, max: number): Promise<{ ids: BigInt64Array, times: Float64Array, payloads: Uint8Array[] }>
Napi::Value RocksMqWrap::Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = ToString(env, info[0], "topic");
  const uint64_t from = ToId(env, info[1], "from");
  const uint32_t max = ToUint32(env, info[2], "max");
  auto mq = mq_;
  auto messages = std::make_shared<std::vector<qv::StoredMessage>>();
  return QueueIo(
      env, [mq, name, from, max, messages] { *messages = mq->read(name, from, max); },
      [messages](Napi::Env env) {
        const size_t n = messages->size();
        auto ids = Napi::BigInt64Array::New(env, n);
        auto times = Napi::Float64Array::New(env, n);
        Napi::Array payloads = Napi::Array::New(env, n);
        for (size_t i = 0; i < n; ++i) {
          const qv::StoredMessage& m = (*messages)[i];
          ids[i] = int64_t(m.id);
          times[i] = double(m.publish_time_ms);
          auto bytes = Napi::Uint8Array::New(env, m.payload.size());
          std::memcpy(bytes.Data(), m.payload.data(), m.payload.size());
          payloads.Set(uint32_t(i), bytes);
        }
        Napi::Object out = Napi::Object::New(env);
        out.Set("ids", ids);
        out.Set("times", times);
        out.Set("payloads", payloads);
        return out;
      });
}

// groupPosition(topic, group): Promise<bigint | null> (null: no such group)
Napi::Value RocksMqWrap::GroupPosition(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = ToString(env, info[0], "topic"), group = ToString(env, info[1], "group");
  auto mq = mq_;
  auto position = std::make_shared<int64_t>(-1);
  return QueueIo(
      env, [mq, name, group, position] { *position = mq->has_group(name, group) ? int64_t(mq->group_position(name, group)) : -1; },
      [position](Napi::Env env) -> Napi::Value {
        if (*position < 0) return env.Null();
        return Napi::BigInt::New(env, uint64_t(*position));
      });
}

// createGroup(topic, group, position) and ack(topic, group, id): the same arguments, one
// RocksMq call each.
Napi::Value RocksMqWrap::QueueGroupWrite(const Napi::CallbackInfo& info, const char* what,
                                         void (qv::RocksMq::*write)(const std::string&, const std::string&, uint64_t)) {
  Napi::Env env = info.Env();
  const std::string name = ToString(env, info[0], "topic"), group = ToString(env, info[1], "group");
  const uint64_t sequence = ToId(env, info[2], what);
  auto mq = mq_;
  return QueueIo(env, [mq, name, group, sequence, write] { (mq.get()->*write)(name, group, sequence); });
}

Napi::Value RocksMqWrap::CreateGroup(const Napi::CallbackInfo& info) {
  return QueueGroupWrite(info, "position", &qv::RocksMq::create_group);
}

Napi::Value RocksMqWrap::Ack(const Napi::CallbackInfo& info) {
  return QueueGroupWrite(info, "id", &qv::RocksMq::ack);
}

Napi::Value RocksMqWrap::DropGroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = ToString(env, info[0], "topic"), group = ToString(env, info[1], "group");
  auto mq = mq_;
  return QueueIo(env, [mq, name, group] { mq->drop_group(name, group); });
}

Napi::Value RocksMqWrap::EnforceRetention(const Napi::CallbackInfo& info) {
  auto mq = mq_;
  auto deleted = std::make_shared<uint64_t>(0);
  return QueueIo(
      info.Env(), [mq, deleted] { *deleted = mq->enforce_retention(); },
      [deleted](Napi::Env env) { return Napi::Number::New(env, double(*deleted)); });
}

// onCommit(callback(topic, lastId)): the callback hears every committed send.
Napi::Value RocksMqWrap::OnCommit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) ThrowError(env, qv::code::kInvalidArgument, "onCommit needs a function");
  if (!commit_callback_.IsEmpty()) ThrowError(env, qv::code::kInvalidArgument, "onCommit was already set");
  if (closing_) ThrowError(env, qv::code::kClosed, "the broker is closed");  // close() would never drop the reference below
  commit_callback_ = Napi::Persistent(info[0].As<Napi::Function>());
  Ref();  // events in flight point at this object: keep it until close()
  Napi::FunctionReference* target = &commit_callback_;
  std::shared_ptr<EnvGate> gate = Data(env).gate;
  mq_->on_commit([target, gate](const std::string& topic, uint64_t last) { gate->Post(new CommitEvent(target, topic, last)); });
  return env.Undefined();
}

Napi::Value RocksMqWrap::Close(const Napi::CallbackInfo& info) {
  auto mq = mq_;
  closing_ = true;
  Ref();  // the result below uses this object
  return QueueIo(
      info.Env(), [mq] { mq->close(); },
      [this](Napi::Env env) {
        // Every commit event was queued before this result, so none is still on its way.
        if (!commit_callback_.IsEmpty()) {
          commit_callback_.Reset();
          Unref();
        }
        Unref();
        return env.Undefined();
      });
}

}  // namespace qvnode

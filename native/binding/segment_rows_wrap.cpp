#include "segment_rows_wrap.h"

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <limits>
#include <shared_mutex>
#include <string>
#include <vector>

#include "addon_data.h"
#include "common/error.h"
#include "convert.h"
#include "flat_index_wrap.h"
#include "ivf_index_wrap.h"
#include "mapped_flat_index_wrap.h"
#include "lambda_job.h"
#include "expr/filter.h"
#include "probe/filter_probe.h"
#include "segment/segment_reads.h"

namespace qvnode {

namespace {

int64_t ToTimestamp(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsBigInt()) ThrowError(env, qv::code::kInvalidArgument, std::string(what) + " must be a bigint");
  bool lossless = true;
  const int64_t ts = value.As<Napi::BigInt>().Int64Value(&lossless);
  if (!lossless) ThrowError(env, qv::code::kInvalidArgument, std::string(what) + " does not fit in 64 bits");
  return ts;
}

// What a read sees: a bigint read timestamp, or { ts, expiredBefore } with a collection TTL.
qv::ReadAt ToReadAt(Napi::Env env, Napi::Value value) {
  if (value.IsBigInt()) return qv::ReadAt(ToTimestamp(env, value, "readTs"));
  if (!value.IsObject()) ThrowError(env, qv::code::kInvalidArgument, "readTs must be a bigint or { ts, expiredBefore }");
  Napi::Object at = value.As<Napi::Object>();
  return qv::ReadAt(ToTimestamp(env, at.Get("ts"), "readTs.ts"), ToTimestamp(env, at.Get("expiredBefore"), "readTs.expiredBefore"));
}

std::vector<std::string> CopyStrings(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsArray()) ThrowError(env, qv::code::kInvalidArgument, std::string(what) + " must be an array of strings");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) out.push_back(ToString(env, array.Get(i), what));
  return out;
}

// Keys of the segment's type: a BigInt64Array for Int64, an array of strings for VarChar.
struct Keys {
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  size_t size() const { return ints.empty() ? strings.size() : ints.size(); }
};

Keys CopyKeys(Napi::Env env, qv::KeyType type, Napi::Value value) {
  Keys keys;
  if (type == qv::KeyType::kInt64) keys.ints = CopyBigInt64Array(env, value, "keys");
  else keys.strings = CopyStrings(env, value, "keys");
  return keys;
}

// Keys and a timestamp for each (appends, deletes).
struct Stamped {
  Keys keys;
  std::vector<int64_t> ts;
};

std::shared_ptr<Stamped> CopyStamped(Napi::Env env, qv::KeyType type, Napi::Value keys, Napi::Value ts) {
  auto out = std::make_shared<Stamped>(Stamped{CopyKeys(env, type, keys), CopyBigInt64Array(env, ts, "ts")});
  if (out->ts.size() != out->keys.size()) ThrowError(env, qv::code::kInvalidArgument, "one timestamp per key");
  return out;
}

void AppendTo(qv::SegmentRows& rows, const Stamped& batch) {
  if (rows.key_type() == qv::KeyType::kInt64) rows.append(batch.keys.ints.data(), batch.ts.data(), batch.ts.size());
  else rows.append(batch.keys.strings, batch.ts.data());
}

std::shared_ptr<qv::SegmentRows> RowsOf(Napi::Env env, Napi::Value value, uint32_t i);

// A segment's vector index: a FlatIndex or an IvfIndex.
std::shared_ptr<const qv::VectorIndex> VectorIndexOf(Napi::Env env, Napi::Value value, uint32_t i) {
  if (auto flat = FlatIndexWrap::Find(env, value)) return flat;
  if (auto ivf = IvfIndexWrap::Find(env, value)) return ivf;
  if (auto mapped = MappedFlatIndexWrap::Find(env, value)) return mapped;
  ThrowError(env, qv::code::kInvalidArgument, "index " + std::to_string(i) + " is not a FlatIndex, IvfIndex or MappedFlatIndex");
}

// The segments of a read: SegmentRows objects (and, for a search, their vector indexes).
std::vector<qv::SegmentPart> PartsOf(Napi::Env env, Napi::Value rows, Napi::Value indexes) {
  if (!rows.IsArray()) ThrowError(env, qv::code::kInvalidArgument, "segments must be an array of SegmentRows");
  Napi::Array list = rows.As<Napi::Array>();
  if (!indexes.IsUndefined() && (!indexes.IsArray() || indexes.As<Napi::Array>().Length() != list.Length())) {
    ThrowError(env, qv::code::kInvalidArgument, "one vector index per segment");
  }
  std::vector<qv::SegmentPart> parts;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    qv::SegmentPart part{RowsOf(env, list.Get(i), i), nullptr};
    if (!indexes.IsUndefined()) part.index = VectorIndexOf(env, indexes.As<Napi::Array>().Get(i), i);
    if (i > 0 && part.rows->key_type() != parts[0].rows->key_type()) {
      ThrowError(env, qv::code::kInvalidArgument, "the segments of one read have one key type");
    }
    parts.push_back(std::move(part));
  }
  return parts;
}

// A filter plan (JSON text) if the argument is one; null when it is undefined.
std::shared_ptr<const qv::Filter> FilterOf(Napi::Env env, Napi::Value value) {
  if (value.IsUndefined()) return nullptr;
  const std::string plan = ToString(env, value, "filter plan");
  try {
    return std::make_shared<const qv::Filter>(plan);
  } catch (const qv::Error& e) {
    ThrowError(env, e.code(), e.what());
  }
  return nullptr;
}

}  // namespace

Napi::Function SegmentRowsWrap::Define(Napi::Env env) {
  return DefineClass(env, "SegmentRows",
                     {
                         InstanceMethod<&SegmentRowsWrap::Append>("append"),
                         InstanceMethod<&SegmentRowsWrap::AppendColumn>("appendColumn"),
                         InstanceMethod<&SegmentRowsWrap::ColumnValues>("columnValues"),
                         InstanceMethod<&SegmentRowsWrap::Load>("load"),
                         InstanceMethod<&SegmentRowsWrap::ApplyDeletes>("applyDeletes"),
                         InstanceMethod<&SegmentRowsWrap::Remove>("remove"),
                         InstanceMethod<&SegmentRowsWrap::Visible>("visible"),
                         InstanceMethod<&SegmentRowsWrap::VisibleCount>("visibleCount"),
                         InstanceMethod<&SegmentRowsWrap::KeysAt>("keysAt"),
                         InstanceMethod<&SegmentRowsWrap::Deletions>("deletions"),
                         InstanceMethod<&SegmentRowsWrap::InsertTs>("insertTs"),
                         InstanceMethod<&SegmentRowsWrap::Shrink>("shrink"),
                         InstanceMethod<&SegmentRowsWrap::BuildScalarIndex>("buildScalarIndex"),
                         InstanceMethod<&SegmentRowsWrap::DropScalarIndex>("dropScalarIndex"),
                         InstanceMethod<&SegmentRowsWrap::MemoryBytes>("memoryBytes"),
                         InstanceMethod<&SegmentRowsWrap::Close>("close"),
                         InstanceAccessor<&SegmentRowsWrap::Rows>("rows"),
                         InstanceAccessor<&SegmentRowsWrap::Deleted>("deleted"),
                         StaticMethod<&SegmentRowsWrap::SearchEach>("searchEach"),
                         StaticMethod<&SegmentRowsWrap::SelectRows>("selectRows"),
                         StaticMethod<&SegmentRowsWrap::CountRows>("countRows"),
                         StaticMethod<&SegmentRowsWrap::MeasureFilter>("measureFilter"),
                         StaticMethod<&SegmentRowsWrap::FindEach>("findEach"),
                     });
}

namespace {

std::shared_ptr<qv::SegmentRows> RowsOf(Napi::Env env, Napi::Value value, uint32_t i) {
  Napi::Function constructor = Data(env).segment_rows_constructor.Value();
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(constructor)) {
    ThrowError(env, qv::code::kInvalidArgument, "segment " + std::to_string(i) + " is not a SegmentRows");
  }
  return SegmentRowsWrap::Unwrap(value.As<Napi::Object>())->rows(env);  // a ClosedError once closed
}

}  // namespace

namespace {

struct ColumnKind {
  const char* name;
  qv::ColumnType type;
  napi_typedarray_type array;  // what fixed-width values come in and go out as
};

constexpr ColumnKind kColumnKinds[] = {
    {"bool", qv::ColumnType::kBool, napi_uint8_array},        {"int8", qv::ColumnType::kInt8, napi_int8_array},
    {"int16", qv::ColumnType::kInt16, napi_int16_array},      {"int32", qv::ColumnType::kInt32, napi_int32_array},
    {"int64", qv::ColumnType::kInt64, napi_bigint64_array},   {"float", qv::ColumnType::kFloat, napi_float32_array},
    {"double", qv::ColumnType::kDouble, napi_float64_array},  {"varchar", qv::ColumnType::kVarChar, napi_uint8_array},
    {"json", qv::ColumnType::kJson, napi_uint8_array},
};

const ColumnKind& KindOf(qv::ColumnType type) {
  for (const ColumnKind& kind : kColumnKinds)
    if (kind.type == type) return kind;
  return kColumnKinds[0];
}

std::vector<qv::ColumnType> ColumnTypesOf(Napi::Env env, Napi::Value value) {
  std::vector<qv::ColumnType> types;
  if (value.IsUndefined()) return types;
  if (!value.IsArray()) ThrowError(env, qv::code::kInvalidArgument, "columns must be an array of column types");
  Napi::Array list = value.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); ++i) {
    const std::string name = ToString(env, list.Get(i), "column type");
    const ColumnKind* found = nullptr;
    for (const ColumnKind& kind : kColumnKinds)
      if (name == kind.name) found = &kind;
    if (found == nullptr) ThrowError(env, qv::code::kInvalidArgument, "unknown column type \"" + name + "\"");
    types.push_back(found->type);
  }
  return types;
}

}  // namespace

// new SegmentRows(keyType: 'int64' | 'varchar', columns?: ColumnType[])
SegmentRowsWrap::SegmentRowsWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SegmentRowsWrap>(info) {
  Napi::Env env = info.Env();
  const std::string type = ToString(env, info[0], "keyType");
  if (type != "int64" && type != "varchar") ThrowError(env, qv::code::kInvalidArgument, "keyType must be 'int64' or 'varchar'");
  rows_ = std::make_shared<qv::SegmentRows>(type == "int64" ? qv::KeyType::kInt64 : qv::KeyType::kVarChar, ColumnTypesOf(env, info[1]));
}

// appendColumn(column: number, values: TypedArray | string[], valid?: Uint8Array): void. Fixed-width
// columns take their typed array (Bool: Uint8Array of 0/1), text columns strings (JSON as text).
Napi::Value SegmentRowsWrap::AppendColumn(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  Napi::Env env = info.Env();
  const uint32_t index = ToUint32(env, info[0], "column");
  if (index >= rows_->column_count()) ThrowError(env, qv::code::kInvalidArgument, "no column " + std::to_string(index));
  const qv::Column& column = rows_->column(index);
  std::vector<uint8_t> valid;
  if (info.Length() > 2 && !info[2].IsUndefined()) valid = CopyUint8Array(env, info[2], "valid");
  if (column.is_text()) {
    const std::vector<std::string> values = CopyStrings(env, info[1], "values");
    if (!valid.empty() && valid.size() != values.size()) ThrowError(env, qv::code::kInvalidArgument, "one validity byte per value");
    rows_->append_text(index, values, valid.empty() ? nullptr : valid.data());
    return env.Undefined();
  }
  const ColumnKind& kind = KindOf(column.type());
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != kind.array) {
    ThrowError(env, qv::code::kInvalidArgument, std::string("values of a ") + kind.name + " column come in a different typed array");
  }
  Napi::TypedArray values = info[1].As<Napi::TypedArray>();
  const size_t n = values.ElementLength();
  if (!valid.empty() && valid.size() != n) ThrowError(env, qv::code::kInvalidArgument, "one validity byte per value");
  // Copied here, on the JavaScript thread: the append itself is a copy of a batch.
  const auto* data = static_cast<const uint8_t*>(values.ArrayBuffer().Data()) + values.ByteOffset();
  rows_->append_fixed(index, data, n, valid.empty() ? nullptr : valid.data());
  return env.Undefined();
}

// columnValues(column: number, rows: Uint32Array): { values: TypedArray | string[], valid?: Uint8Array }
Napi::Value SegmentRowsWrap::ColumnValues(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  Napi::Env env = info.Env();
  const uint32_t index = ToUint32(env, info[0], "column");
  if (index >= rows_->column_count()) ThrowError(env, qv::code::kInvalidArgument, "no column " + std::to_string(index));
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    ThrowError(env, qv::code::kInvalidArgument, "rows must be a Uint32Array");
  }
  auto wanted = info[1].As<Napi::Uint32Array>();
  const qv::Column& column = rows_->column(index);
  const size_t n = wanted.ElementLength();
  for (size_t i = 0; i < n; ++i) {
    if (wanted[i] >= column.rows()) ThrowError(env, qv::code::kInvalidArgument, "row " + std::to_string(wanted[i]) + " is past the end");
  }
  Napi::Object out = Napi::Object::New(env);
  if (column.is_text()) {
    Napi::Array values = Napi::Array::New(env, n);
    for (size_t i = 0; i < n; ++i) {
      const std::string_view text = column.text(wanted[i]);
      values.Set(uint32_t(i), Napi::String::New(env, text.data(), text.size()));
    }
    out.Set("values", values);
  } else {
    const size_t width = qv::column_width(column.type());
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, n * width);
    auto* bytes = static_cast<uint8_t*>(buffer.Data());
    for (size_t i = 0; i < n; ++i) std::memcpy(bytes + i * width, column.fixed_data() + size_t(wanted[i]) * width, width);
    napi_value values = nullptr;
    if (napi_create_typedarray(env, KindOf(column.type()).array, n, buffer, 0, &values) != napi_ok) throw Napi::Error::New(env);
    out.Set("values", Napi::Value(env, values));
  }
  if (column.has_nulls()) {
    auto valid = Napi::Uint8Array::New(env, n);
    for (size_t i = 0; i < n; ++i) valid[i] = column.is_null(wanted[i]) ? 0 : 1;
    out.Set("valid", valid);
  }
  return out;
}

// append(keys: BigInt64Array | string[], ts: BigInt64Array): void
Napi::Value SegmentRowsWrap::Append(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  AppendTo(*rows_, *CopyStamped(info.Env(), rows_->key_type(), info[0], info[1]));
  return info.Env().Undefined();
}

// load(keys, ts): Promise<void>. append() for a whole sealed segment, on the pool.
Napi::Value SegmentRowsWrap::Load(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  auto batch = CopyStamped(info.Env(), rows_->key_type(), info[0], info[1]);
  auto rows = rows_;
  return LambdaJob::Queue(info.Env(), [rows, batch] { AppendTo(*rows, *batch); });
}

// applyDeletes(keys, ts: BigInt64Array): Promise<void>. Deletes from a sealed segment's delta
// files: each row of a key is deleted at the first of its timestamps after the row's insert.
Napi::Value SegmentRowsWrap::ApplyDeletes(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  auto batch = CopyStamped(info.Env(), rows_->key_type(), info[0], info[1]);
  auto rows = rows_;
  return LambdaJob::Queue(info.Env(), [rows, batch] {
    if (rows->key_type() == qv::KeyType::kInt64) rows->apply_deletes(batch->keys.ints.data(), batch->ts.data(), batch->ts.size());
    else rows->apply_deletes(batch->keys.strings, batch->ts.data());
  });
}

// remove(row: number, ts: bigint): boolean (false: not inserted before ts, or deleted already)
Napi::Value SegmentRowsWrap::Remove(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  Napi::Env env = info.Env();
  const uint32_t row = ToUint32(env, info[0], "row");
  return Napi::Boolean::New(env, rows_->remove(row, ToTimestamp(env, info[1], "ts")));
}

// visible(row: number, readTs: bigint): boolean
Napi::Value SegmentRowsWrap::Visible(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  Napi::Env env = info.Env();
  const uint32_t row = ToUint32(env, info[0], "row");
  return Napi::Boolean::New(env, row < rows_->rows() && rows_->visible(row, ToReadAt(env, info[1])));
}

// visibleCount(readTs: bigint): number
Napi::Value SegmentRowsWrap::VisibleCount(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  Napi::Env env = info.Env();
  return Napi::Number::New(env, double(rows_->visible_count(ToReadAt(env, info[0]))));
}

// keysAt(rows: Uint32Array): BigInt64Array | string[]
Napi::Value SegmentRowsWrap::KeysAt(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    ThrowError(env, qv::code::kInvalidArgument, "rows must be a Uint32Array");
  }
  auto wanted = info[0].As<Napi::Uint32Array>();
  const size_t n = wanted.ElementLength();
  for (size_t i = 0; i < n; ++i) {
    if (wanted[i] >= rows_->rows()) ThrowError(env, qv::code::kInvalidArgument, "row " + std::to_string(wanted[i]) + " is past the end");
  }
  if (rows_->key_type() == qv::KeyType::kInt64) {
    auto out = Napi::BigInt64Array::New(env, n);
    for (size_t i = 0; i < n; ++i) out[i] = rows_->int_key(wanted[i]);
    return out;
  }
  Napi::Array out = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; ++i) {
    const std::string_view key = rows_->str_key(wanted[i]);
    out.Set(uint32_t(i), Napi::String::New(env, key.data(), key.size()));
  }
  return out;
}

// deletions(): { rows: Uint32Array, ts: BigInt64Array }: the deleted rows and when each was deleted.
Napi::Value SegmentRowsWrap::Deletions(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  Napi::Env env = info.Env();
  std::vector<uint32_t> rows;
  std::vector<int64_t> ts;
  {
    std::shared_lock<std::shared_mutex> lock(rows_->lock());  // applyDeletes may be running on the pool
    for (uint32_t r = 0; r < rows_->rows(); ++r) {
      if (!rows_->is_deleted(r)) continue;
      rows.push_back(r);
      ts.push_back(rows_->delete_ts(r));
    }
  }
  auto out_rows = Napi::Uint32Array::New(env, rows.size());
  auto out_ts = Napi::BigInt64Array::New(env, ts.size());
  std::copy(rows.begin(), rows.end(), out_rows.Data());
  std::copy(ts.begin(), ts.end(), out_ts.Data());
  Napi::Object out = Napi::Object::New(env);
  out.Set("rows", out_rows);
  out.Set("ts", out_ts);
  return out;
}

// insertTs(row: number): bigint
Napi::Value SegmentRowsWrap::InsertTs(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  Napi::Env env = info.Env();
  const uint32_t row = ToUint32(env, info[0], "row");
  if (row >= rows_->rows()) ThrowError(env, qv::code::kInvalidArgument, "row " + std::to_string(row) + " is past the end");
  return Napi::BigInt::New(env, rows_->insert_ts(row));
}

Napi::Value SegmentRowsWrap::Shrink(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  rows_->shrink();
  return info.Env().Undefined();
}

// buildScalarIndex(column): Promise<void>. A sorted index over the column's rows now, on the pool.
Napi::Value SegmentRowsWrap::BuildScalarIndex(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  Napi::Env env = info.Env();
  const uint32_t column = ToUint32(env, info[0], "column");
  if (column >= rows_->column_count()) ThrowError(env, qv::code::kInvalidArgument, "no column " + std::to_string(column));
  auto rows = rows_;
  return LambdaJob::Queue(env, [rows, column] { rows->build_scalar_index(column); });
}

// dropScalarIndex(column): the column is scanned again.
Napi::Value SegmentRowsWrap::DropScalarIndex(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  rows_->drop_scalar_index(ToUint32(info.Env(), info[0], "column"));
  return info.Env().Undefined();
}

Napi::Value SegmentRowsWrap::Rows(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  return Napi::Number::New(info.Env(), double(rows_->rows()));
}

Napi::Value SegmentRowsWrap::Deleted(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  return Napi::Number::New(info.Env(), double(rows_->deleted()));
}

Napi::Value SegmentRowsWrap::MemoryBytes(const Napi::CallbackInfo& info) {
  ThrowIfClosed(info.Env());
  return Napi::Number::New(info.Env(), double(rows_->memory_bytes()));
}

// close(): the keys, timestamps and columns are freed once the work already queued on them is
// done (each job holds them); every later call throws ClosedError. Closing twice does nothing.
Napi::Value SegmentRowsWrap::Close(const Napi::CallbackInfo& info) {
  rows_.reset();
  return info.Env().Undefined();
}

void SegmentRowsWrap::ThrowIfClosed(Napi::Env env) const {
  if (!rows_) ThrowError(env, qv::code::kClosed, "the SegmentRows is closed");
}

const std::shared_ptr<qv::SegmentRows>& SegmentRowsWrap::rows(Napi::Env env) const {
  ThrowIfClosed(env);
  return rows_;
}

// SegmentRows.findEach(segments: SegmentRows[], keys): { segments: Int32Array, rows: Uint32Array }:
// where each key's live row is (segment -1: nowhere).
Napi::Value SegmentRowsWrap::FindEach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<qv::SegmentPart> parts = PartsOf(env, info[0], env.Undefined());
  const qv::KeyType type = parts.empty() ? (info[1].IsArray() ? qv::KeyType::kVarChar : qv::KeyType::kInt64) : parts[0].rows->key_type();
  const Keys keys = CopyKeys(env, type, info[1]);
  const size_t n = keys.size();
  auto segments = Napi::Int32Array::New(env, n);
  auto rows = Napi::Uint32Array::New(env, n);
  for (size_t i = 0; i < n; ++i) {
    segments[i] = -1;
    rows[i] = 0;
    // The newest live row: with a TTL, an expired row stays live (not deleted) beside the
    // row its key was inserted with again.
    int64_t newest_ts = std::numeric_limits<int64_t>::min();
    for (size_t p = 0; p < parts.size(); ++p) {
      const int64_t row = type == qv::KeyType::kInt64 ? parts[p].rows->find_live(keys.ints[i]) : parts[p].rows->find_live(std::string_view(keys.strings[i]));
      if (row < 0 || parts[p].rows->insert_ts(uint32_t(row)) < newest_ts) continue;
      newest_ts = parts[p].rows->insert_ts(uint32_t(row));
      segments[i] = int32_t(p);
      rows[i] = uint32_t(row);
    }
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("segments", segments);
  out.Set("rows", rows);
  return out;
}

namespace {

// A search's answer as [counts, segments, rows, scores, keys]: each column copied whole into
// one buffer (int64 keys first, for their alignment), one allocation per search; keys as a
// BigInt64Array, or, for VarChar keys, strings read from their segments (they never change
// once appended, and rows are appended on this thread only). An array, not an object: naming
// five properties cost more than the rest of this.
Napi::Array HitColumns(Napi::Env env, const qv::MergedHits& hits, const std::vector<qv::SegmentPart>& parts) {
  const size_t total = hits.size();
  const bool ints = parts.empty() || parts[0].rows->key_type() == qv::KeyType::kInt64;
  const size_t key_bytes = ints ? total * sizeof(int64_t) : 0;
  auto buffer = Napi::ArrayBuffer::New(env, key_bytes + 3 * total * 4 + hits.counts.size() * 4);
  auto column = [&](auto array, const auto& values) {
    if (!values.empty()) std::memcpy(array.Data(), values.data(), values.size() * sizeof(values[0]));
    return array;
  };
  Napi::Array out = Napi::Array::New(env, 5);
  out.Set(uint32_t(0), column(Napi::Uint32Array::New(env, hits.counts.size(), buffer, key_bytes + total * 12), hits.counts));
  out.Set(uint32_t(1), column(Napi::Uint32Array::New(env, total, buffer, key_bytes + total * 4), hits.parts));
  out.Set(uint32_t(2), column(Napi::Uint32Array::New(env, total, buffer, key_bytes + total * 8), hits.rows));
  out.Set(uint32_t(3), column(Napi::Float32Array::New(env, total, buffer, key_bytes), hits.scores));
  if (ints) {
    out.Set(uint32_t(4), column(Napi::BigInt64Array::New(env, total, buffer, 0), hits.int_keys));
    return out;
  }
  Napi::Array keys = Napi::Array::New(env, total);
  for (size_t i = 0; i < total; ++i) {
    const std::string_view key = parts[hits.parts[i]].rows->str_key(hits.rows[i]);
    keys.Set(uint32_t(i), Napi::String::New(env, key.data(), key.size()));
  }
  out.Set(uint32_t(4), keys);
  return out;
}

}  // namespace

// How a search runs: { nprobe?, refine? } for IVF segments, { radius, rangeFilter? } for a
// range search (in the metric's own terms).
struct SearchOptions {
  qv::SearchParams params;
  bool ranged = false;
  float radius = 0, range_filter = __builtin_nanf("");
};

SearchOptions SearchOptionsOf(Napi::Env env, Napi::Value value) {
  SearchOptions out;
  if (value.IsUndefined()) return out;
  if (!value.IsObject()) ThrowError(env, qv::code::kInvalidArgument, "search options must be an object");
  Napi::Object options = value.As<Napi::Object>();
  if (!options.Get("nprobe").IsUndefined()) out.params.nprobe = ToUint32(env, options.Get("nprobe"), "nprobe");
  if (!options.Get("refine").IsUndefined()) out.params.refine = ToUint32(env, options.Get("refine"), "refine");
  if (!options.Get("radius").IsUndefined()) {
    if (!options.Get("radius").IsNumber()) ThrowError(env, qv::code::kInvalidArgument, "radius must be a number");
    out.ranged = true;
    out.radius = options.Get("radius").As<Napi::Number>().FloatValue();
    if (options.Get("rangeFilter").IsNumber()) out.range_filter = options.Get("rangeFilter").As<Napi::Number>().FloatValue();
  }
  return out;
}

// SegmentRows.searchEach(segments: SegmentRows[], indexes: (FlatIndex | IvfIndex)[], queries: Float32Array, k,
// readTs, plan?, options?: { nprobe?, refine?, radius?, rangeFilter? }):
// Promise<[counts: Uint32Array, segments: Uint32Array, rows: Uint32Array, scores: Float32Array, keys]>:
// per query (in order) counts[q] hits, best first, merged over the segments, with their keys
// (a BigInt64Array, or strings for VarChar keys).
Napi::Value SegmentRowsWrap::SearchEach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto parts = std::make_shared<std::vector<qv::SegmentPart>>(PartsOf(env, info[0], info[1]));
  auto queries = std::make_shared<std::vector<float>>(CopyFloat32Array(env, info[2], "queries"));
  const uint32_t k = ToUint32(env, info[3], "k");
  const qv::ReadAt read_at = ToReadAt(env, info[4]);
  auto filter = FilterOf(env, info[5]);
  SearchOptions options = SearchOptionsOf(env, info[6]);
  if (options.params.nprobe == 0 || options.params.refine == 0) ThrowError(env, qv::code::kInvalidArgument, "nprobe and refine must be at least 1");
  size_t nq = 0;
  for (const qv::SegmentPart& part : *parts) {
    if (queries->empty() || queries->size() % part.index->dim() != 0) {
      ThrowError(env, qv::code::kDimensionMismatch, "the queries are not a whole number of vectors of the field's dimension");
    }
    nq = queries->size() / part.index->dim();
  }
  if (nq > 0) {
    try {
      qv::check_search_shape(nq, k);
    } catch (const qv::Error& e) {
      ThrowError(env, e.code(), e.what());
    }
  }
  auto hits = std::make_shared<qv::MergedHits>();
  return LambdaJob::Queue(
      env,
      [parts, queries, k, read_at, nq, hits, filter, options]() mutable {
        if (options.ranged && !parts->empty()) {
          options.params.window = qv::range_window((*parts)[0].index->metric(), options.radius, options.range_filter);
        }
        *hits = qv::search_segments(*parts, queries->data(), nq, k, read_at, qv::ThreadPool::shared(), filter.get(), options.params);
      },
      [hits, parts](Napi::Env env) { return HitColumns(env, *hits, *parts); });
}

// SegmentRows.selectRows(segments: SegmentRows[], readTs, offset, limit?, plan?): Promise<{ segments: Uint32Array,
// rows: Uint32Array }>: the rows seen at readTs (and passing the plan) in key order, from offset, at most limit.
Napi::Value SegmentRowsWrap::SelectRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto parts = std::make_shared<std::vector<qv::SegmentPart>>(PartsOf(env, info[0], env.Undefined()));
  const qv::ReadAt read_at = ToReadAt(env, info[1]);
  const size_t offset = ToUint32(env, info[2], "offset");
  const size_t limit = info[3].IsUndefined() ? SIZE_MAX : ToUint32(env, info[3], "limit");
  auto filter = FilterOf(env, info[4]);
  auto refs = std::make_shared<std::vector<qv::RowRef>>();
  return LambdaJob::Queue(
      env, [parts, read_at, offset, limit, refs, filter] { *refs = qv::select_rows(*parts, read_at, offset, limit, filter.get()); },
      [refs](Napi::Env env) {
        auto segments = Napi::Uint32Array::New(env, refs->size());
        auto rows = Napi::Uint32Array::New(env, refs->size());
        for (size_t i = 0; i < refs->size(); ++i) {
          segments[i] = (*refs)[i].part;
          rows[i] = (*refs)[i].row;
        }
        Napi::Object out = Napi::Object::New(env);
        out.Set("segments", segments);
        out.Set("rows", rows);
        return out;
      });
}

// SegmentRows.countRows(segments: SegmentRows[], readTs, plan): Promise<number>: rows seen at readTs that pass the plan.
Napi::Value SegmentRowsWrap::CountRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto parts = std::make_shared<std::vector<qv::SegmentPart>>(PartsOf(env, info[0], env.Undefined()));
  const qv::ReadAt read_at = ToReadAt(env, info[1]);
  auto filter = FilterOf(env, info[2]);
  if (!filter) ThrowError(env, qv::code::kInvalidArgument, "countRows needs a filter plan");
  auto count = std::make_shared<size_t>(0);
  return LambdaJob::Queue(
      env, [parts, read_at, filter, count] { *count = qv::count_rows(*parts, read_at, *filter); },
      [count](Napi::Env env) { return Napi::Number::New(env, double(*count)); });
}

// SegmentRows.measureFilter(segment, plan, probe: { kind, column, a?, b?, set?, text? }, rounds):
// Promise<{ filterMs, loopMs, filterRows, loopRows }>. For bench/db: the evaluator against a
// plain loop written for the filter's shape (native/probe/filter_probe.h), over every row.
Napi::Value SegmentRowsWrap::MeasureFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto segment = RowsOf(env, info[0], 0);
  auto filter = FilterOf(env, info[1]);
  if (!filter || !info[2].IsObject()) ThrowError(env, qv::code::kInvalidArgument, "measureFilter takes (segment, plan, probe, rounds)");
  Napi::Object p = info[2].As<Napi::Object>();
  qv::FilterProbe probe;
  const std::string kind = ToString(env, p.Get("kind"), "probe.kind");
  const std::pair<const char*, qv::FilterProbe::Kind> kinds[] = {{"equals", qv::FilterProbe::Kind::kEquals},
                                                                  {"range", qv::FilterProbe::Kind::kRange},
                                                                  {"in", qv::FilterProbe::Kind::kIn},
                                                                  {"prefix", qv::FilterProbe::Kind::kPrefix},
                                                                  {"jsonLess", qv::FilterProbe::Kind::kJsonLess}};
  bool known = false;
  for (const auto& [name, value] : kinds) {
    if (kind == name) {
      probe.kind = value;
      known = true;
    }
  }
  if (!known) ThrowError(env, qv::code::kInvalidArgument, "unknown probe kind " + kind);
  probe.column = ToUint32(env, p.Get("column"), "probe.column");
  auto number = [&](const char* key) -> int64_t {
    Napi::Value v = p.Get(key);
    if (v.IsUndefined()) return 0;
    if (!v.IsNumber()) ThrowError(env, qv::code::kInvalidArgument, std::string("probe.") + key + " must be a number");
    return v.As<Napi::Number>().Int64Value();
  };
  probe.a = number("a");
  probe.b = number("b");
  if (!p.Get("text").IsUndefined()) probe.text = ToString(env, p.Get("text"), "probe.text");
  if (!p.Get("set").IsUndefined()) {
    if (!p.Get("set").IsArray()) ThrowError(env, qv::code::kInvalidArgument, "probe.set must be an array of numbers");
    Napi::Array set = p.Get("set").As<Napi::Array>();
    for (uint32_t i = 0; i < set.Length(); ++i) {
      if (!set.Get(i).IsNumber()) ThrowError(env, qv::code::kInvalidArgument, "probe.set must be an array of numbers");
      probe.set.push_back(set.Get(i).As<Napi::Number>().Int64Value());
    }
    std::sort(probe.set.begin(), probe.set.end());
  }
  const int rounds = int(ToUint32(env, info[3], "rounds"));
  auto timing = std::make_shared<qv::FilterTiming>();
  return LambdaJob::Queue(
      env,
      [segment, filter, probe, rounds, timing] {
        std::shared_lock<std::shared_mutex> read(segment->lock());
        *timing = qv::time_filter_and_loop(*segment, segment->rows(), *filter, probe, rounds);
      },
      [timing](Napi::Env env) {
        Napi::Object out = Napi::Object::New(env);
        out.Set("filterMs", timing->filter_ms);
        out.Set("loopMs", timing->loop_ms);
        out.Set("filterRows", double(timing->filter_rows));
        out.Set("loopRows", double(timing->loop_rows));
        return out;
      });
}

}  // namespace qvnode

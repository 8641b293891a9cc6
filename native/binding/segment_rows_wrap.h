// SegmentRows as a JavaScript class: the keys and MVCC timestamps of one segment, and the
// reads over a collection's segments (search, select, find). Appends, deletes and lookups
// are synchronous (a batch's worth of work); loads and reads of whole segments return
// Promises and run on the pool.
#pragma once

#include <napi.h>

#include <memory>

#include "segment/segment_rows.h"

namespace qvnode {

class SegmentRowsWrap : public Napi::ObjectWrap<SegmentRowsWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit SegmentRowsWrap(const Napi::CallbackInfo& info);
  // The rows, or a ClosedError once closed.
  const std::shared_ptr<qv::SegmentRows>& rows(Napi::Env env) const;

 private:
  static Napi::Value SearchEach(const Napi::CallbackInfo& info);
  static Napi::Value SelectRows(const Napi::CallbackInfo& info);
  static Napi::Value CountRows(const Napi::CallbackInfo& info);
  static Napi::Value MeasureFilter(const Napi::CallbackInfo& info);
  static Napi::Value FindEach(const Napi::CallbackInfo& info);
  Napi::Value Append(const Napi::CallbackInfo& info);
  Napi::Value AppendColumn(const Napi::CallbackInfo& info);
  Napi::Value ColumnValues(const Napi::CallbackInfo& info);
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value ApplyDeletes(const Napi::CallbackInfo& info);
  Napi::Value Remove(const Napi::CallbackInfo& info);
  Napi::Value Visible(const Napi::CallbackInfo& info);
  Napi::Value VisibleCount(const Napi::CallbackInfo& info);
  Napi::Value KeysAt(const Napi::CallbackInfo& info);
  Napi::Value Deletions(const Napi::CallbackInfo& info);
  Napi::Value InsertTs(const Napi::CallbackInfo& info);
  Napi::Value Shrink(const Napi::CallbackInfo& info);
  Napi::Value BuildScalarIndex(const Napi::CallbackInfo& info);
  Napi::Value DropScalarIndex(const Napi::CallbackInfo& info);
  Napi::Value Rows(const Napi::CallbackInfo& info);
  Napi::Value Deleted(const Napi::CallbackInfo& info);
  Napi::Value MemoryBytes(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void ThrowIfClosed(Napi::Env env) const;

  std::shared_ptr<qv::SegmentRows> rows_;
};

}  // namespace qvnode

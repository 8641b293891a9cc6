#include "filter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "../common/error.h"

namespace qv {

namespace {

// --- reading the plan ---------------------------------------------------------------------

[[noreturn]] void bad_plan(const std::string& what) { throw Error(code::kInvalidArgument, "filter plan: " + what); }

const Json& need(const Json& object, std::string_view key) {
  const Json* value = object.member(key);
  if (value == nullptr) bad_plan("no \"" + std::string(key) + "\"");
  return *value;
}

const std::string& text_of(const Json& object, std::string_view key) {
  const Json& value = need(object, key);
  if (value.kind != Json::Kind::kString) bad_plan("\"" + std::string(key) + "\" is not a string");
  return value.text;
}

int column_of(const Json& object) {
  const Json& value = need(object, "column");
  if (value.kind != Json::Kind::kInt || value.integer < -1 || value.integer > 1 << 20) bad_plan("a bad column");
  return int(value.integer);
}

std::vector<PathStep> path_of(const Json& object) {
  const Json* value = object.member("path");
  std::vector<PathStep> path;
  if (value == nullptr) return path;
  for (const Json& step : value->items) {
    if (step.kind == Json::Kind::kString) path.emplace_back(step.text);
    else if (step.kind == Json::Kind::kInt && step.integer >= 0) path.emplace_back(step.integer);
    else bad_plan("a bad path step");
  }
  return path;
}

std::vector<Json> values_of(const Json& object) {
  const Json& value = need(object, "values");
  if (value.kind != Json::Kind::kArray) bad_plan("\"values\" is not a list");
  return value.items;
}

FilterOperand read_operand(const Json& node) {
  FilterOperand out;
  const std::string& kind = text_of(node, "kind");
  if (kind == "field" || kind == "length") {
    out.kind = kind == "field" ? FilterOperand::Kind::kField : FilterOperand::Kind::kLength;
    out.column = column_of(node);
    out.path = path_of(node);
  } else if (kind == "value") {
    out.kind = FilterOperand::Kind::kValue;
    out.value = need(node, "value");
  } else if (kind == "arith") {
    out.kind = FilterOperand::Kind::kArith;
    const std::string& op = text_of(node, "op");
    if (op == "**") out.op = '^';
    else if (op.size() == 1 && std::string_view("+-*/%").find(op[0]) != std::string_view::npos) out.op = op[0];
    else bad_plan("unknown operator " + op);
    out.left = std::make_unique<FilterOperand>(read_operand(need(node, "left")));
    out.right = std::make_unique<FilterOperand>(read_operand(need(node, "right")));
  } else if (kind == "negate") {
    out.kind = FilterOperand::Kind::kNegate;
    out.left = std::make_unique<FilterOperand>(read_operand(need(node, "operand")));
  } else {
    bad_plan("unknown operand " + kind);
  }
  return out;
}

FilterExpr read_expr(const Json& node) {
  FilterExpr out;
  const std::string& op = text_of(node, "op");
  if (op == "and" || op == "or") {
    out.op = op == "and" ? FilterExpr::Op::kAnd : FilterExpr::Op::kOr;
    for (const Json& arg : need(node, "args").items) out.args.push_back(read_expr(arg));
  } else if (op == "not") {
    out.op = FilterExpr::Op::kNot;
    out.args.push_back(read_expr(need(node, "arg")));
  } else if (op == "truthy") {
    out.op = FilterExpr::Op::kTruthy;
    out.left = read_operand(need(node, "operand"));
  } else if (op == "compare") {
    out.op = FilterExpr::Op::kCompare;
    out.cmp = text_of(node, "cmp");
    if (out.cmp != "==" && out.cmp != "!=" && out.cmp != "<" && out.cmp != "<=" && out.cmp != ">" && out.cmp != ">=") bad_plan("unknown comparison");
    out.left = read_operand(need(node, "left"));
    out.right = read_operand(need(node, "right"));
  } else if (op == "in") {
    out.op = FilterExpr::Op::kIn;
    out.left = read_operand(need(node, "operand"));
    out.values = values_of(node);
  } else if (op == "like") {
    out.op = FilterExpr::Op::kLike;
    out.left = read_operand(need(node, "operand"));
    out.pattern = text_of(node, "pattern");
  } else if (op == "isNull" || op == "exists" || op == "contains") {
    out.op = op == "isNull" ? FilterExpr::Op::kIsNull : op == "exists" ? FilterExpr::Op::kExists : FilterExpr::Op::kContains;
    out.column = column_of(node);
    out.path = path_of(node);
    if (out.op == FilterExpr::Op::kContains) {
      const std::string& mode = text_of(node, "mode");
      out.mode = mode == "all" ? 'a' : mode == "any" ? 'y' : '1';
      out.values = values_of(node);
    }
  } else {
    bad_plan("unknown operation " + op);
  }
  return out;
}

// --- evaluation ----------------------------------------------------------------------------

enum Tri : uint8_t { kFalse = 0, kTrue = 1, kUnknown = 2 };

Tri tri(bool b) { return b ? kTrue : kFalse; }

// A value of one row: a JSON value (numbers, strings, booleans, arrays, objects), or unknown.
struct Val {
  bool known = false;
  Json json;
};

class RowEval {
 public:
  RowEval(const SegmentRows& rows) : rows_(rows) {}

  Tri expr(const FilterExpr& e, uint32_t row) {
    switch (e.op) {
      case FilterExpr::Op::kAnd: {
        Tri out = kTrue;
        for (const FilterExpr& arg : e.args) {
          const Tri t = expr(arg, row);
          if (t == kFalse) return kFalse;
          if (t == kUnknown) out = kUnknown;
        }
        return out;
      }
      case FilterExpr::Op::kOr: {
        Tri out = kFalse;
        for (const FilterExpr& arg : e.args) {
          const Tri t = expr(arg, row);
          if (t == kTrue) return kTrue;
          if (t == kUnknown) out = kUnknown;
        }
        return out;
      }
      case FilterExpr::Op::kNot: {
        const Tri t = expr(e.args[0], row);
        return t == kUnknown ? kUnknown : tri(t == kFalse);
      }
      case FilterExpr::Op::kTruthy: {
        const Val v = operand(e.left, row);
        if (!v.known) return kUnknown;
        return tri(v.json.kind == Json::Kind::kBool && v.json.boolean);
      }
      case FilterExpr::Op::kCompare:
        return compare(operand(e.left, row), operand(e.right, row), e.cmp);
      case FilterExpr::Op::kIn: {
        const Val v = operand(e.left, row);
        if (!v.known) return kUnknown;
        for (const Json& value : e.values)
          if (equal(v.json, value)) return kTrue;
        return kFalse;
      }
      case FilterExpr::Op::kLike: {
        const Val v = operand(e.left, row);
        if (!v.known) return kUnknown;
        return tri(v.json.kind == Json::Kind::kString && like(v.json.text, e.pattern));
      }
      case FilterExpr::Op::kIsNull: {
        const Val v = field(e.column, e.path, row);
        return tri(!v.known);
      }
      case FilterExpr::Op::kExists: {
        const Val v = field(e.column, e.path, row, /*keep_null=*/true);
        return tri(v.known);
      }
      case FilterExpr::Op::kContains: {
        const Val v = field(e.column, e.path, row);
        if (!v.known) return kUnknown;
        if (v.json.kind != Json::Kind::kArray) return kFalse;
        auto has = [&](const Json& wanted) {
          for (const Json& item : v.json.items)
            if (json_equal(item, wanted)) return true;
          return false;
        };
        if (e.mode == 'a') {
          for (const Json& wanted : e.values)
            if (!has(wanted)) return kFalse;
          return kTrue;
        }
        for (const Json& wanted : e.values)
          if (has(wanted)) return kTrue;
        return kFalse;
      }
    }
    return kUnknown;
  }

 private:
  // The value of a field (a path into it, if any) at a row; unknown for null, a missing path
  // or a JSON null (kept as known with keep_null, for `exists`).
  Val field(int column, const std::vector<PathStep>& path, uint32_t row, bool keep_null = false) {
    Val out;
    if (column < 0) {
      out.known = true;
      if (rows_.key_type() == KeyType::kInt64) {
        out.json.kind = Json::Kind::kInt;
        out.json.integer = rows_.int_key(row);
      } else {
        out.json.kind = Json::Kind::kString;
        out.json.text = std::string(rows_.str_key(row));
      }
      return out;
    }
    if (size_t(column) >= rows_.column_count()) throw Error(code::kInvalidArgument, "filter plan: no column " + std::to_string(column));
    const Column& c = rows_.column(size_t(column));
    if (c.is_null(row)) return out;
    switch (c.type()) {
      case ColumnType::kBool:
        out.json.kind = Json::Kind::kBool;
        out.json.boolean = c.fixed<uint8_t>(row) != 0;
        break;
      case ColumnType::kInt8:
        out.json.kind = Json::Kind::kInt;
        out.json.integer = c.fixed<int8_t>(row);
        break;
      case ColumnType::kInt16:
        out.json.kind = Json::Kind::kInt;
        out.json.integer = c.fixed<int16_t>(row);
        break;
      case ColumnType::kInt32:
        out.json.kind = Json::Kind::kInt;
        out.json.integer = c.fixed<int32_t>(row);
        break;
      case ColumnType::kInt64:
        out.json.kind = Json::Kind::kInt;
        out.json.integer = c.fixed<int64_t>(row);
        break;
      case ColumnType::kFloat:
        out.json.kind = Json::Kind::kDouble;
        out.json.number = double(c.fixed<float>(row));
        break;
      case ColumnType::kDouble:
        out.json.kind = Json::Kind::kDouble;
        out.json.number = c.fixed<double>(row);
        break;
      case ColumnType::kVarChar:
        out.json.kind = Json::Kind::kString;
        out.json.text = std::string(c.text(row));
        break;
      case ColumnType::kJson: {
        const bool found = path.empty() ? parse_json(c.text(row), out.json) : seek_json(c.text(row), path, out.json);
        if (!found) return Val{};
        if (out.json.kind == Json::Kind::kNull && !keep_null) return Val{};
        out.known = true;
        return out;
      }
    }
    out.known = true;
    return out;
  }

  Val operand(const FilterOperand& o, uint32_t row) {
    switch (o.kind) {
      case FilterOperand::Kind::kValue:
        return Val{true, o.value};
      case FilterOperand::Kind::kField:
        return field(o.column, o.path, row);
      case FilterOperand::Kind::kLength: {
        Val v = field(o.column, o.path, row);
        if (!v.known || v.json.kind != Json::Kind::kArray) return Val{};
        Val out{true, {}};
        out.json.kind = Json::Kind::kInt;
        out.json.integer = int64_t(v.json.items.size());
        return out;
      }
      case FilterOperand::Kind::kNegate: {
        Val v = operand(*o.left, row);
        if (!v.known || !v.json.is_number()) return Val{};
        if (v.json.kind == Json::Kind::kInt) v.json.integer = int64_t(0ull - uint64_t(v.json.integer));
        else v.json.number = -v.json.number;
        return v;
      }
      case FilterOperand::Kind::kArith:
        return arith(o.op, operand(*o.left, row), operand(*o.right, row));
    }
    return Val{};
  }

  static Val arith(char op, const Val& a, const Val& b) {
    if (!a.known || !b.known || !a.json.is_number() || !b.json.is_number()) return Val{};
    Val out{true, {}};
    if (a.json.kind == Json::Kind::kInt && b.json.kind == Json::Kind::kInt && op != '/' && op != '^') {
      const int64_t x = a.json.integer, y = b.json.integer;
      out.json.kind = Json::Kind::kInt;
      switch (op) {  // two's-complement wrap-around, as Int64 arithmetic does
        case '+': out.json.integer = int64_t(uint64_t(x) + uint64_t(y)); break;
        case '-': out.json.integer = int64_t(uint64_t(x) - uint64_t(y)); break;
        case '*': out.json.integer = int64_t(uint64_t(x) * uint64_t(y)); break;
        case '%':
          if (y == 0) return Val{};
          out.json.integer = y == -1 ? 0 : x % y;
          break;
      }
      return out;
    }
    const double x = a.json.as_double(), y = b.json.as_double();
    out.json.kind = Json::Kind::kDouble;
    switch (op) {
      case '+': out.json.number = x + y; break;
      case '-': out.json.number = x - y; break;
      case '*': out.json.number = x * y; break;
      case '/': out.json.number = x / y; break;
      case '%': out.json.number = std::fmod(x, y); break;
      case '^': out.json.number = std::pow(x, y); break;
    }
    if (std::isnan(out.json.number)) return Val{};
    return out;
  }

  // Order of two known values of comparable kinds: <0, 0, >0; `comparable` false otherwise.
  static int order(const Json& a, const Json& b, bool& comparable) {
    comparable = true;
    if (a.is_number() && b.is_number()) {
      if (a.kind == Json::Kind::kInt && b.kind == Json::Kind::kInt) return a.integer < b.integer ? -1 : a.integer > b.integer ? 1 : 0;
      const double x = a.as_double(), y = b.as_double();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.kind == Json::Kind::kString && b.kind == Json::Kind::kString) return a.text.compare(b.text) < 0 ? -1 : a.text == b.text ? 0 : 1;
    comparable = false;
    return 0;
  }

  static bool equal(const Json& a, const Json& b) { return json_equal(a, b); }

  static Tri compare(const Val& a, const Val& b, const std::string& cmp) {
    if (!a.known || !b.known) return kUnknown;
    if (cmp == "==") return tri(equal(a.json, b.json));
    if (cmp == "!=") return tri(!equal(a.json, b.json));
    bool comparable = false;
    const int o = order(a.json, b.json, comparable);
    if (!comparable) return kFalse;
    if (cmp == "<") return tri(o < 0);
    if (cmp == "<=") return tri(o <= 0);
    if (cmp == ">") return tri(o > 0);
    return tri(o >= 0);
  }

  // One UTF-8 character's length from its first byte.
  static size_t char_length(unsigned char c) { return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }

  // `%`: any run of characters; `_`: one character; `\` makes the next character literal.
  static bool like(std::string_view text, std::string_view pattern) {
    size_t t = 0, p = 0;
    size_t star_p = std::string_view::npos, star_t = 0;
    while (t < text.size()) {
      if (p < pattern.size() && pattern[p] == '%') {
        star_p = ++p;
        star_t = t;
        continue;
      }
      if (p < pattern.size() && pattern[p] == '_') {
        t += char_length(static_cast<unsigned char>(text[t]));
        ++p;
        continue;
      }
      if (p < pattern.size()) {
        const size_t lit = pattern[p] == '\\' && p + 1 < pattern.size() ? p + 1 : p;
        if (pattern[lit] == text[t]) {
          p = lit + 1;
          ++t;
          continue;
        }
      }
      if (star_p == std::string_view::npos) return false;
      p = star_p;
      star_t += char_length(static_cast<unsigned char>(text[star_t]));
      t = star_t;
    }
    while (p < pattern.size() && pattern[p] == '%') ++p;
    return p == pattern.size();
  }

  const SegmentRows& rows_;
};

// --- column at a time ------------------------------------------------------------------------
// A node evaluated for all rows at once: one Tri per row. The common shapes (a column against
// a constant, `in` over an integer column, like with one % at an end, and/or/not) are tight
// loops over the column; anything else goes row by row through RowEval.

enum class Cmp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

Cmp cmp_of(const std::string& op, bool flipped) {
  if (op == "==") return Cmp::kEq;
  if (op == "!=") return Cmp::kNe;
  if (op == "<") return flipped ? Cmp::kGt : Cmp::kLt;
  if (op == "<=") return flipped ? Cmp::kGe : Cmp::kLe;
  if (op == ">") return flipped ? Cmp::kLt : Cmp::kGt;
  return flipped ? Cmp::kLe : Cmp::kGe;
}

template <class A, class B>
bool holds(Cmp cmp, A a, B b) {
  switch (cmp) {
    case Cmp::kEq: return a == b;
    case Cmp::kNe: return a != b;
    case Cmp::kLt: return a < b;
    case Cmp::kLe: return a <= b;
    case Cmp::kGt: return a > b;
    case Cmp::kGe: return a >= b;
  }
  return false;
}

// out[i] = x[i] op value for a fixed-width column of T, compared as V.
template <class T, class V, class Op>
void compare_loop(const uint8_t* data, size_t rows, V value, Op op, uint8_t* out) {
  for (size_t i = 0; i < rows; ++i) {
    T x;
    std::memcpy(&x, data + i * sizeof(T), sizeof(T));
    out[i] = op(V(x), value) ? kTrue : kFalse;
  }
}

// The comparison is picked once, outside the loop, so that each loop is one tight pass.
template <class T, class V>
void compare_column(const Column& column, size_t rows, Cmp cmp, V value, uint8_t* out) {
  const uint8_t* data = column.fixed_data();
  switch (cmp) {
    case Cmp::kEq: return compare_loop<T, V>(data, rows, value, [](V a, V b) { return a == b; }, out);
    case Cmp::kNe: return compare_loop<T, V>(data, rows, value, [](V a, V b) { return a != b; }, out);
    case Cmp::kLt: return compare_loop<T, V>(data, rows, value, [](V a, V b) { return a < b; }, out);
    case Cmp::kLe: return compare_loop<T, V>(data, rows, value, [](V a, V b) { return a <= b; }, out);
    case Cmp::kGt: return compare_loop<T, V>(data, rows, value, [](V a, V b) { return a > b; }, out);
    case Cmp::kGe: return compare_loop<T, V>(data, rows, value, [](V a, V b) { return a >= b; }, out);
  }
}

bool is_plain_field(const FilterOperand& o) { return o.kind == FilterOperand::Kind::kField && o.path.empty(); }

class ColumnEval {
 public:
  ColumnEval(const SegmentRows& rows, size_t n) : rows_(rows), n_(n) {}

  std::vector<uint8_t> node(const FilterExpr& e) {
    switch (e.op) {
      case FilterExpr::Op::kAnd:
      case FilterExpr::Op::kOr: {
        std::vector<uint8_t> range;
        if (e.op == FilterExpr::Op::kAnd && range_fast(e, range)) return range;
        const bool is_and = e.op == FilterExpr::Op::kAnd;
        std::vector<uint8_t> out(n_, is_and ? kTrue : kFalse);
        for (const FilterExpr& arg : e.args) {
          const std::vector<uint8_t> part = node(arg);
          // With false 0, true 1, unknown 2: and is 0 if either is 0, else the larger; or is 1
          // if either is 1, else the larger. Branch-free, so the loops vectorise.
          uint8_t* o = out.data();
          const uint8_t* q = part.data();
          if (is_and) {
            for (size_t i = 0; i < n_; ++i) o[i] = std::min(o[i], q[i]) == kFalse ? uint8_t(kFalse) : std::max(o[i], q[i]);
          } else {
            for (size_t i = 0; i < n_; ++i) o[i] = (o[i] == kTrue) | (q[i] == kTrue) ? uint8_t(kTrue) : std::max(o[i], q[i]);
          }
        }
        return out;
      }
      case FilterExpr::Op::kNot: {
        std::vector<uint8_t> out = node(e.args[0]);
        for (uint8_t& t : out) t = t == kUnknown ? kUnknown : t == kTrue ? kFalse : kTrue;
        return out;
      }
      case FilterExpr::Op::kCompare: {
        std::vector<uint8_t> out;
        if (compare_fast(e, out)) return out;
        break;
      }
      case FilterExpr::Op::kIn: {
        std::vector<uint8_t> out;
        if (in_fast(e, out)) return out;
        break;
      }
      case FilterExpr::Op::kLike: {
        std::vector<uint8_t> out;
        if (like_fast(e, out)) return out;
        break;
      }
      default:
        break;
    }
    std::vector<uint8_t> out(n_);
    RowEval eval(rows_);
    for (uint32_t row = 0; row < n_; ++row) out[row] = eval.expr(e, row);
    return out;
  }

 private:
  // The column a field operand reads (a path into it or not), or null for the key and others.
  const Column* field_column(const FilterOperand& o) const {
    if (o.kind != FilterOperand::Kind::kField || o.column < 0 || size_t(o.column) >= rows_.column_count()) return nullptr;
    return &rows_.column(size_t(o.column));
  }

  const Column* plain_column(const FilterOperand& o) const { return is_plain_field(o) ? field_column(o) : nullptr; }

  void mark_nulls(const Column& column, std::vector<uint8_t>& out) const {
    if (!column.has_nulls()) return;
    for (uint32_t i = 0; i < n_; ++i)
      if (column.is_null(i)) out[i] = kUnknown;
  }

  bool compare_fast(const FilterExpr& e, std::vector<uint8_t>& out) {
    if (compare_indexed(e, out)) return true;
    const bool flipped = e.left.kind == FilterOperand::Kind::kValue;
    const FilterOperand& field = flipped ? e.right : e.left;
    const FilterOperand& constant = flipped ? e.left : e.right;
    if (constant.kind != FilterOperand::Kind::kValue) return false;
    const Column* column = field_column(field);
    if (column == nullptr || (!field.path.empty() && column->type() != ColumnType::kJson)) return false;
    const Json& v = constant.value;
    const Cmp cmp = cmp_of(e.cmp, flipped);
    out.assign(n_, kFalse);
    uint8_t* o = out.data();
    switch (column->type()) {
      case ColumnType::kInt8:
      case ColumnType::kInt16:
      case ColumnType::kInt32:
      case ColumnType::kInt64: {
        if (!v.is_number()) break;  // another type: false for every row
        const ColumnType t = column->type();
        if (v.kind == Json::Kind::kInt) {
          if (t == ColumnType::kInt8) compare_column<int8_t, int64_t>(*column, n_, cmp, v.integer, o);
          else if (t == ColumnType::kInt16) compare_column<int16_t, int64_t>(*column, n_, cmp, v.integer, o);
          else if (t == ColumnType::kInt32) compare_column<int32_t, int64_t>(*column, n_, cmp, v.integer, o);
          else compare_column<int64_t, int64_t>(*column, n_, cmp, v.integer, o);
        } else {
          if (t == ColumnType::kInt8) compare_column<int8_t, double>(*column, n_, cmp, v.number, o);
          else if (t == ColumnType::kInt16) compare_column<int16_t, double>(*column, n_, cmp, v.number, o);
          else if (t == ColumnType::kInt32) compare_column<int32_t, double>(*column, n_, cmp, v.number, o);
          else compare_column<int64_t, double>(*column, n_, cmp, v.number, o);
        }
        break;
      }
      case ColumnType::kFloat:
        if (v.is_number()) compare_column<float, double>(*column, n_, cmp, v.as_double(), o);
        break;
      case ColumnType::kDouble:
        if (v.is_number()) compare_column<double, double>(*column, n_, cmp, v.as_double(), o);
        break;
      case ColumnType::kVarChar:
        if (v.kind != Json::Kind::kString) break;
        for (uint32_t i = 0; i < n_; ++i) o[i] = holds(cmp, column->text(i).compare(v.text), 0) ? kTrue : kFalse;
        break;
      case ColumnType::kJson:
        if (field.path.empty() || !(v.is_number() || v.kind == Json::Kind::kString)) return false;
        compare_json(*column, field.path, cmp, v, o);
        break;
      default:
        return false;  // Bool: row by row
    }
    mark_nulls(*column, out);
    return true;
  }

  // A JSON path against a number or a string: one reused value, no row-by-row machinery.
  void compare_json(const Column& column, const std::vector<PathStep>& path, Cmp cmp, const Json& v, uint8_t* out) {
    Json value;
    for (uint32_t i = 0; i < n_; ++i) {
      value.text.clear();
      value.items.clear();
      value.members.clear();
      if (!seek_json(column.text(i), path, value) || value.kind == Json::Kind::kNull) {
        out[i] = kUnknown;
      } else if (v.is_number() && value.is_number()) {
        const bool exact = v.kind == Json::Kind::kInt && value.kind == Json::Kind::kInt;
        out[i] = (exact ? holds(cmp, value.integer, v.integer) : holds(cmp, value.as_double(), v.as_double())) ? kTrue : kFalse;
      } else if (v.kind == Json::Kind::kString && value.kind == Json::Kind::kString) {
        out[i] = holds(cmp, value.text.compare(v.text), 0) ? kTrue : kFalse;
      } else {
        out[i] = cmp == Cmp::kNe ? kTrue : kFalse;  // another type: not equal, and not ordered
      }
    }
  }

  // `lo < x <= hi` (any of < <=) on one numeric column, as a chained range parses: one pass.
  bool range_fast(const FilterExpr& e, std::vector<uint8_t>& out) {
    if (e.args.size() != 2) return false;
    double lo = 0, hi = 0;
    bool lo_inclusive = false, hi_inclusive = false, has_lo = false, has_hi = false;
    const Column* column = nullptr;
    for (const FilterExpr& part : e.args) {
      if (part.op != FilterExpr::Op::kCompare) return false;
      const bool flipped = part.left.kind == FilterOperand::Kind::kValue;
      const FilterOperand& field = flipped ? part.right : part.left;
      const FilterOperand& constant = flipped ? part.left : part.right;
      const Column* c = plain_column(field);
      if (c == nullptr || c->is_text() || c->type() == ColumnType::kBool || constant.kind != FilterOperand::Kind::kValue ||
          !constant.value.is_number() || (column != nullptr && c != column)) {
        return false;
      }
      // Integers beyond 2^53 would round as doubles: leave those to the exact path.
      if (constant.value.kind == Json::Kind::kInt && (constant.value.integer > (int64_t(1) << 53) || constant.value.integer < -(int64_t(1) << 53))) return false;
      column = c;
      const Cmp cmp = cmp_of(part.cmp, flipped);
      if ((cmp == Cmp::kGt || cmp == Cmp::kGe) && !has_lo) {
        lo = constant.value.as_double();
        lo_inclusive = cmp == Cmp::kGe;
        has_lo = true;
      } else if ((cmp == Cmp::kLt || cmp == Cmp::kLe) && !has_hi) {
        hi = constant.value.as_double();
        hi_inclusive = cmp == Cmp::kLe;
        has_hi = true;
      } else {
        return false;
      }
    }
    if (!has_lo || !has_hi) return false;
    const ScalarIndex* index = index_of(*column);
    const double exact = 9007199254740992.0;  // 2^53: Int64 values beyond round as doubles
    if (index != nullptr && std::abs(lo) < exact && std::abs(hi) < exact &&
        mark_span(*index, index->between(&lo, lo_inclusive, &hi, hi_inclusive), *column, out)) {
      return true;
    }
    if (column->type() == ColumnType::kInt64) return false;  // Int64: exact, two passes
    out.assign(n_, kFalse);
    switch (column->type()) {
      case ColumnType::kInt8: range_loop<int8_t>(*column, lo, lo_inclusive, hi, hi_inclusive, out.data()); break;
      case ColumnType::kInt16: range_loop<int16_t>(*column, lo, lo_inclusive, hi, hi_inclusive, out.data()); break;
      case ColumnType::kInt32: range_loop<int32_t>(*column, lo, lo_inclusive, hi, hi_inclusive, out.data()); break;
      case ColumnType::kFloat: range_loop<float>(*column, lo, lo_inclusive, hi, hi_inclusive, out.data()); break;
      default: range_loop<double>(*column, lo, lo_inclusive, hi, hi_inclusive, out.data()); break;
    }
    mark_nulls(*column, out);
    return true;
  }

  template <class T>
  void range_loop(const Column& column, double lo, bool lo_inclusive, double hi, bool hi_inclusive, uint8_t* out) const {
    const uint8_t* data = column.fixed_data();
    auto loop = [&](auto above, auto below) {
      for (size_t i = 0; i < n_; ++i) {
        T x;
        std::memcpy(&x, data + i * sizeof(T), sizeof(T));
        const double d = double(x);
        out[i] = above(d) & below(d) ? kTrue : kFalse;
      }
    };
    if (lo_inclusive && hi_inclusive) loop([lo](double d) { return d >= lo; }, [hi](double d) { return d <= hi; });
    else if (lo_inclusive) loop([lo](double d) { return d >= lo; }, [hi](double d) { return d < hi; });
    else if (hi_inclusive) loop([lo](double d) { return d > lo; }, [hi](double d) { return d <= hi; });
    else loop([lo](double d) { return d > lo; }, [hi](double d) { return d < hi; });
  }

  bool in_fast(const FilterExpr& e, std::vector<uint8_t>& out) {
    if (in_indexed(e, out)) return true;
    const Column* column = plain_column(e.left);
    if (column == nullptr || column->is_text() || column->type() == ColumnType::kBool || column->type() == ColumnType::kFloat ||
        column->type() == ColumnType::kDouble) {
      return false;
    }
    std::vector<int64_t> wanted;
    for (const Json& v : e.values) {
      if (v.kind != Json::Kind::kInt) return false;  // doubles among the values: row by row
      wanted.push_back(v.integer);
    }
    std::sort(wanted.begin(), wanted.end());
    out.assign(n_, kFalse);
    const size_t width = column_width(column->type());
    const uint8_t* data = column->fixed_data();
    for (uint32_t i = 0; i < n_; ++i) {
      int64_t x = 0;
      switch (width) {
        case 1: x = int8_t(data[i]); break;
        case 2: x = column->fixed<int16_t>(i); break;
        case 4: x = column->fixed<int32_t>(i); break;
        default: x = column->fixed<int64_t>(i); break;
      }
      out[i] = std::binary_search(wanted.begin(), wanted.end(), x) ? kTrue : kFalse;
    }
    mark_nulls(*column, out);
    return true;
  }

  // --- Through a scalar index: binary searches, then only the matching rows. ---------------

  // The sorted index of a column of these rows, if one covers every row evaluated.
  const ScalarIndex* index_of(const Column& column) const {
    for (size_t i = 0; i < rows_.column_count(); ++i) {
      if (&rows_.column(i) != &column) continue;
      const ScalarIndex* index = rows_.scalar_index(i);
      return index != nullptr && index->rows() >= n_ ? index : nullptr;
    }
    return nullptr;
  }

  // Numbers an index compares exactly: any double, integers within 2^53.
  static bool exact_number(const Json& v) {
    return v.is_number() && (v.kind != Json::Kind::kInt || (v.integer < (int64_t(1) << 53) && v.integer > -(int64_t(1) << 53)));
  }

  // Rows in these spans of the index's order true, the rest false (nulls unknown), unless they
  // are so many that a scan is cheaper (an index pays when it picks out few rows).
  bool mark_spans(const ScalarIndex& index, const std::vector<std::pair<size_t, size_t>>& spans, const Column& column,
                  std::vector<uint8_t>& out) const {
    size_t matches = 0;
    for (const auto& [first, last] : spans) matches += last - first;
    if (matches > n_ / 8) return false;
    out.assign(n_, kFalse);
    const std::vector<uint32_t>& order = index.order();
    for (const auto& [first, last] : spans)
      for (size_t i = first; i < last; ++i) out[order[i]] = kTrue;
    mark_nulls(column, out);
    return true;
  }

  bool mark_span(const ScalarIndex& index, std::pair<size_t, size_t> span, const Column& column, std::vector<uint8_t>& out) const {
    return mark_spans(index, {span}, column, out);
  }

  bool compare_indexed(const FilterExpr& e, std::vector<uint8_t>& out) {
    const bool flipped = e.left.kind == FilterOperand::Kind::kValue;
    const FilterOperand& field = flipped ? e.right : e.left;
    const FilterOperand& constant = flipped ? e.left : e.right;
    const Column* column = plain_column(field);
    const ScalarIndex* index = column != nullptr && constant.kind == FilterOperand::Kind::kValue ? index_of(*column) : nullptr;
    const Cmp cmp = cmp_of(e.cmp, flipped);
    if (index == nullptr || cmp == Cmp::kNe) return false;  // != keeps nearly every row: a scan
    const bool low = cmp == Cmp::kEq || cmp == Cmp::kGt || cmp == Cmp::kGe;
    const bool high = cmp == Cmp::kEq || cmp == Cmp::kLt || cmp == Cmp::kLe;
    const bool inclusive = cmp == Cmp::kEq || cmp == Cmp::kGe || cmp == Cmp::kLe;
    const Json& v = constant.value;
    if (index->is_text()) {
      if (v.kind != Json::Kind::kString) return false;
      const std::string_view text(v.text);
      return mark_span(*index, index->between(low ? &text : nullptr, inclusive, high ? &text : nullptr, inclusive), *column, out);
    }
    if (!exact_number(v)) return false;
    const double number = v.as_double();
    return mark_span(*index, index->between(low ? &number : nullptr, inclusive, high ? &number : nullptr, inclusive), *column, out);
  }

  bool in_indexed(const FilterExpr& e, std::vector<uint8_t>& out) {
    const Column* column = plain_column(e.left);
    const ScalarIndex* index = column != nullptr ? index_of(*column) : nullptr;
    if (index == nullptr) return false;
    std::vector<std::pair<size_t, size_t>> spans;
    for (const Json& v : e.values) {
      if (index->is_text()) {
        if (v.kind != Json::Kind::kString) continue;  // another type: equal to no row
        const std::string_view text(v.text);
        spans.push_back(index->between(&text, true, &text, true));
      } else {
        if (!v.is_number()) continue;
        if (!exact_number(v)) return false;
        const double number = v.as_double();
        spans.push_back(index->between(&number, true, &number, true));
      }
    }
    // The same value twice in the list gives the same span: once is enough.
    std::sort(spans.begin(), spans.end());
    spans.erase(std::unique(spans.begin(), spans.end()), spans.end());
    return mark_spans(*index, spans, *column, out);
  }

  bool like_fast(const FilterExpr& e, std::vector<uint8_t>& out) {
    const Column* column = plain_column(e.left);
    if (column == nullptr || column->type() != ColumnType::kVarChar) return false;
    const std::string& p = e.pattern;
    const size_t wildcards = std::count(p.begin(), p.end(), '%') + std::count(p.begin(), p.end(), '_') + std::count(p.begin(), p.end(), '\\');
    const bool prefix = wildcards == 1 && !p.empty() && p.back() == '%';
    const bool suffix = wildcards == 1 && !p.empty() && p.front() == '%';
    const bool infix = wildcards == 2 && p.size() >= 2 && p.front() == '%' && p.back() == '%';
    if (!prefix && !suffix && !infix && wildcards != 0) return false;
    const std::string_view literal = prefix ? std::string_view(p).substr(0, p.size() - 1)
                                     : suffix ? std::string_view(p).substr(1)
                                     : infix ? std::string_view(p).substr(1, p.size() - 2)
                                             : std::string_view(p);
    out.assign(n_, kFalse);
    for (uint32_t i = 0; i < n_; ++i) {
      const std::string_view t = column->text(i);
      bool match;
      if (prefix) match = t.substr(0, literal.size()) == literal;
      else if (suffix) match = t.size() >= literal.size() && t.substr(t.size() - literal.size()) == literal;
      else if (infix) match = t.find(literal) != std::string_view::npos;
      else match = t == literal;
      out[i] = match ? kTrue : kFalse;
    }
    mark_nulls(*column, out);
    return true;
  }

  const SegmentRows& rows_;
  size_t n_;
};

}  // namespace

Filter::Filter(std::string_view plan_json) {
  Json plan;
  if (!parse_json(plan_json, plan) || plan.kind != Json::Kind::kObject) bad_plan("not a JSON object");
  root_ = read_expr(plan);
}

std::vector<uint8_t> Filter::evaluate(const SegmentRows& segment, size_t rows) const {
  std::vector<uint8_t> out = ColumnEval(segment, rows).node(root_);
  for (uint8_t& t : out) t = t == kTrue ? 1 : 0;
  return out;
}

}  // namespace qv

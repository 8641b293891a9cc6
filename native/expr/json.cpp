#include "json.h"

#include <cerrno>
#include <cstdlib>
#include <unordered_set>

namespace qv {

namespace {

constexpr int kMaxDepth = 256;

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) ++at_;
  }
  bool done() {
    skip_space();
    return at_ == text_.size();
  }
  bool eat(char c) {
    skip_space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  char peek() {
    skip_space();
    return at_ < text_.size() ? text_[at_] : '\0';
  }

  bool value(Json& out, int depth) {
    if (depth > kMaxDepth) return false;
    switch (peek()) {
      case '{': {
        ++at_;
        out.kind = Json::Kind::kObject;
        if (eat('}')) return true;
        do {
          std::string key;
          Json member;
          if (peek() != '"' || !string(key) || !eat(':') || !value(member, depth + 1)) return false;
          out.members.emplace_back(std::move(key), std::move(member));
        } while (eat(','));
        return eat('}');
      }
      case '[': {
        ++at_;
        out.kind = Json::Kind::kArray;
        if (eat(']')) return true;
        do {
          out.items.emplace_back();
          if (!value(out.items.back(), depth + 1)) return false;
        } while (eat(','));
        return eat(']');
      }
      case '"':
        out.kind = Json::Kind::kString;
        return string(out.text);
      case 't':
        out.kind = Json::Kind::kBool;
        out.boolean = true;
        return word("true");
      case 'f':
        out.kind = Json::Kind::kBool;
        return word("false");
      case 'n':
        out.kind = Json::Kind::kNull;
        return word("null");
      default:
        return number(out);
    }
  }

  // Passes over a value without keeping it.
  bool skip(int depth) {
    if (depth > kMaxDepth) return false;
    switch (peek()) {
      case '{':
        ++at_;
        if (eat('}')) return true;
        do {
          if (peek() != '"' || !skip_string() || !eat(':') || !skip(depth + 1)) return false;
        } while (eat(','));
        return eat('}');
      case '[':
        ++at_;
        if (eat(']')) return true;
        do {
          if (!skip(depth + 1)) return false;
        } while (eat(','));
        return eat(']');
      case '"':
        return skip_string();
      default: {
        Json scalar;
        return value(scalar, depth);
      }
    }
  }

  bool seek(const std::vector<PathStep>& path, size_t step, Json& out, int depth) {
    if (step == path.size()) return value(out, depth);
    if (depth > kMaxDepth) return false;
    if (const auto* key = std::get_if<std::string>(&path[step])) {
      if (!eat('{')) return false;
      if (eat('}')) return false;
      do {
        std::string name;
        if (peek() != '"' || !string(name) || !eat(':')) return false;
        if (name == *key) return seek(path, step + 1, out, depth + 1);
        if (!skip(depth + 1)) return false;
      } while (eat(','));
      return false;
    }
    const int64_t index = std::get<int64_t>(path[step]);
    if (!eat('[')) return false;
    if (eat(']')) return false;
    int64_t i = 0;
    do {
      if (i++ == index) return seek(path, step + 1, out, depth + 1);
      if (!skip(depth + 1)) return false;
    } while (eat(','));
    return false;
  }

 private:
  bool word(std::string_view w) {
    if (text_.substr(at_, w.size()) != w) return false;
    at_ += w.size();
    return true;
  }

  static void put_utf8(std::string& out, uint32_t c) {
    if (c < 0x80) {
      out += char(c);
    } else if (c < 0x800) {
      out += char(0xC0 | (c >> 6));
      out += char(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += char(0xE0 | (c >> 12));
      out += char(0x80 | ((c >> 6) & 0x3F));
      out += char(0x80 | (c & 0x3F));
    } else {
      out += char(0xF0 | (c >> 18));
      out += char(0x80 | ((c >> 12) & 0x3F));
      out += char(0x80 | ((c >> 6) & 0x3F));
      out += char(0x80 | (c & 0x3F));
    }
  }

  bool hex4(uint32_t& out) {
    if (at_ + 4 > text_.size()) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[at_++];
      out <<= 4;
      if (c >= '0' && c <= '9') out |= uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f') out |= uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') out |= uint32_t(c - 'A' + 10);
      else return false;
    }
    return true;
  }

  bool string(std::string& out) {
    ++at_;  // the opening quote
    while (at_ < text_.size()) {
      const char c = text_[at_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_ >= text_.size()) return false;
      const char e = text_[at_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t c1 = 0;
          if (!hex4(c1)) return false;
          // A surrogate pair makes one code point; a lone surrogate is kept as JavaScript would.
          if (c1 >= 0xD800 && c1 < 0xDC00 && text_.substr(at_, 2) == "\\u") {
            const size_t back = at_;
            at_ += 2;
            uint32_t c2 = 0;
            if (hex4(c2) && c2 >= 0xDC00 && c2 < 0xE000) c1 = 0x10000 + ((c1 - 0xD800) << 10) + (c2 - 0xDC00);
            else at_ = back;
          }
          put_utf8(out, c1);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  bool skip_string() {
    ++at_;
    while (at_ < text_.size()) {
      const char c = text_[at_++];
      if (c == '"') return true;
      if (c == '\\') ++at_;
    }
    return false;
  }

  bool number(Json& out) {
    const size_t start = at_;
    if (at_ < text_.size() && text_[at_] == '-') ++at_;
    const size_t digits = at_;
    while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
    if (at_ == digits) return false;
    bool integral = true;
    if (at_ < text_.size() && text_[at_] == '.') {
      integral = false;
      ++at_;
      const size_t fraction = at_;
      while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
      if (at_ == fraction) return false;
    }
    if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
      integral = false;
      ++at_;
      if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) ++at_;
      const size_t exponent = at_;
      while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
      if (at_ == exponent) return false;
    }
    const std::string literal(text_.substr(start, at_ - start));
    if (integral) {
      errno = 0;
      char* end = nullptr;
      const long long v = std::strtoll(literal.c_str(), &end, 10);
      if (errno == 0) {
        out.kind = Json::Kind::kInt;
        out.integer = v;
        return true;
      }
    }
    out.kind = Json::Kind::kDouble;
    out.number = std::strtod(literal.c_str(), nullptr);
    return true;
  }

  std::string_view text_;
  size_t at_ = 0;
};

}  // namespace

const Json* Json::member(std::string_view key) const {
  for (auto it = members.rbegin(); it != members.rend(); ++it)
    if (it->first == key) return &it->second;
  return nullptr;
}

bool parse_json(std::string_view text, Json& out) {
  Reader reader(text);
  return reader.value(out, 0) && reader.done();
}

bool seek_json(std::string_view text, const std::vector<PathStep>& path, Json& out) {
  Reader reader(text);
  return reader.seek(path, 0, out, 0);
}

bool json_equal(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    if (a.kind == Json::Kind::kInt && b.kind == Json::Kind::kInt) return a.integer == b.integer;
    return a.as_double() == b.as_double();
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Json::Kind::kNull:
      return true;
    case Json::Kind::kBool:
      return a.boolean == b.boolean;
    case Json::Kind::kString:
      return a.text == b.text;
    case Json::Kind::kArray:
      if (a.items.size() != b.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); ++i)
        if (!json_equal(a.items[i], b.items[i])) return false;
      return true;
    case Json::Kind::kObject: {
      std::unordered_set<std::string_view> keys;
      for (const auto& [key, value] : a.members) keys.insert(key);
      for (const auto& [key, value] : b.members) keys.insert(key);
      for (std::string_view key : keys) {
        const Json* x = a.member(key);
        const Json* y = b.member(key);
        if (x == nullptr || y == nullptr || !json_equal(*x, *y)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace qv

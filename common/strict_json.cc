#include "common/strict_json.h"

#include <boost/json/array.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>
#include <charconv>
#include <cmath>
#include <set>
#include <vector>

namespace signet {
namespace {

namespace json = boost::json;

// A basic_parser handler that builds the value (as Boost.JSON's own parser
// does, through a value_stack) while failing on a duplicate key or on excess
// depth, and that reads every non-integer number with std::from_chars.
// Boost.JSON 1.81's own conversion is not correctly rounded ("1.2e-43" reads
// one ulp low, and what it serializes from that reads back one ulp high), so a
// value read, written and read again would drift; from_chars rounds correctly,
// so a double survives any number of round trips.
class StrictBuilder {
 public:
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();

  explicit StrictBuilder(std::size_t max_depth) : max_depth_(max_depth) {}

  std::string problem;
  json::value_stack st;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code& ec) { return Enter(ec, false); }
  bool on_array_end(std::size_t n, json::error_code&) {
    st.push_array(n);
    return Leave();
  }
  bool on_object_begin(json::error_code& ec) { return Enter(ec, true); }
  bool on_object_end(std::size_t n, json::error_code&) {
    st.push_object(n);
    return Leave();
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    key_.append(s.data(), s.size());
    if (!keys_.back().insert(key_).second) {
      problem = "duplicate key \"" + key_ + "\"";
      ec = json::error::syntax;
      return false;
    }
    st.push_key(json::string_view(key_.data(), key_.size()));
    key_.clear();
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    number_.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    number_.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code& ec) {
    number_.append(s.data(), s.size());
    // A number beyond the largest double (1e999) would become infinity, which
    // no JSON document can hold (Boost.JSON would write it back as
    // "Infinity"): refused. One below the smallest rounds to zero.
    if (!std::isfinite(d)) {
      problem = "the number " + number_.substr(0, 40) + " is out of range";
      ec = json::error::syntax;
      return false;
    }
    double exact = 0;
    const auto [end, err] = std::from_chars(number_.data(), number_.data() + number_.size(), exact);
    if (err == std::errc() && end == number_.data() + number_.size()) d = exact;
    number_.clear();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  bool Enter(json::error_code& ec, bool object) {
    if (++depth_ > max_depth_) {
      problem = "nested deeper than " + std::to_string(max_depth_) + " levels";
      ec = json::error::syntax;
      return false;
    }
    if (object) keys_.emplace_back();
    is_object_.push_back(object);
    return true;
  }
  bool Leave() {
    --depth_;
    if (is_object_.back()) keys_.pop_back();
    is_object_.pop_back();
    return true;
  }

  std::size_t max_depth_;
  std::size_t depth_ = 0;
  std::vector<std::set<std::string>> keys_;
  std::vector<bool> is_object_;
  std::string key_;
  std::string number_;
};

std::string Field(std::string_view where, std::string_view key) {
  std::string out(where);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string_view KindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "unknown";
}

}  // namespace

Result<json::value> ParseStrictJson(std::string_view text, std::size_t max_bytes,
                                    std::string_view what, std::size_t max_depth) {
  if (text.size() > max_bytes) {
    return Status::ResourceExhausted(std::string(what) + " is " + std::to_string(text.size()) +
                                     " bytes; the limit is " + std::to_string(max_bytes));
  }
  json::parse_options opts;  // strict RFC 8259: no comments, no trailing commas
  opts.max_depth = max_depth;
  json::basic_parser<StrictBuilder> parser(opts, max_depth);
  parser.handler().st.reset();
  json::error_code ec;
  const std::size_t n = parser.write_some(false, text.data(), text.size(), ec);
  if (ec || n != text.size()) {
    std::string detail = parser.handler().problem;
    // Boost.JSON enforces max_depth itself, before our handler sees it.
    if (detail.empty() && ec == json::error::too_deep) {
      detail = "nested deeper than " + std::to_string(max_depth) + " levels";
    }
    if (detail.empty()) detail = ec ? ec.message() : "trailing data after the JSON value";
    return Status::InvalidArgument(std::string(what) + " is not valid JSON: " + detail +
                                   " (near byte " + std::to_string(n) + ")");
  }
  return parser.handler().st.release();
}

Result<const json::object*> ExpectObject(const json::value& v, std::string_view where,
                                         std::initializer_list<std::string_view> required,
                                         std::initializer_list<std::string_view> optional) {
  const std::string name = where.empty() ? std::string("document") : std::string(where);
  const json::object* obj = v.if_object();
  if (obj == nullptr) {
    return Status::InvalidArgument(name + " must be a JSON object, got " +
                                   std::string(KindName(v)));
  }
  for (std::string_view key : required) {
    if (!obj->contains(json::string_view(key.data(), key.size()))) {
      return Status::InvalidArgument("missing field \"" + Field(where, key) + "\"");
    }
  }
  for (const auto& [key, value] : *obj) {
    const std::string_view k(key.data(), key.size());
    bool known = false;
    for (std::string_view r : required) known = known || r == k;
    for (std::string_view o : optional) known = known || o == k;
    if (!known) {
      return Status::InvalidArgument("unexpected field \"" + Field(where, k) + "\"");
    }
  }
  return obj;
}

Result<std::string_view> GetString(const json::object& obj, std::string_view key,
                                   std::string_view where) {
  const json::value& v = obj.at(json::string_view(key.data(), key.size()));
  const json::string* s = v.if_string();
  if (s == nullptr) {
    return Status::InvalidArgument("field \"" + Field(where, key) + "\" must be a string, got " +
                                   std::string(KindName(v)));
  }
  return std::string_view(s->data(), s->size());
}

std::optional<std::uint64_t> IntegerIn(const json::value& v, std::uint64_t min, std::uint64_t max) {
  std::uint64_t n = 0;
  if (const std::uint64_t* u = v.if_uint64()) {
    n = *u;
  } else if (const std::int64_t* i = v.if_int64(); i != nullptr && *i >= 0) {
    n = static_cast<std::uint64_t>(*i);
  } else {
    return std::nullopt;
  }
  if (n < min || n > max) return std::nullopt;
  return n;
}

Result<std::uint64_t> GetUint64(const json::object& obj, std::string_view key,
                                std::string_view where) {
  const json::value& v = obj.at(json::string_view(key.data(), key.size()));
  if (auto n = IntegerIn(v, 0, kMaxJsonInteger)) return *n;
  return Status::InvalidArgument(
      "field \"" + Field(where, key) + "\" must be an integer from 0 to 2^53, got " +
      (v.is_number() ? std::string("another number") : std::string(KindName(v))));
}

Result<const json::array*> GetArray(const json::object& obj, std::string_view key,
                                    std::string_view where) {
  const json::value& v = obj.at(json::string_view(key.data(), key.size()));
  if (const json::array* a = v.if_array()) return a;
  return Status::InvalidArgument("field \"" + Field(where, key) + "\" must be an array, got " +
                                 std::string(KindName(v)));
}

}  // namespace signet

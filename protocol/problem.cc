#include "protocol/problem.h"

#include <array>
#include <boost/json.hpp>

#include "common/strict_json.h"

namespace signet::protocol {
namespace {

namespace json = boost::json;

using Code = Status::Code;
constexpr std::array<Code, 11> kAllCodes = {Code::kOk,
                                            Code::kInvalidArgument,
                                            Code::kUnauthenticated,
                                            Code::kPermissionDenied,
                                            Code::kNotFound,
                                            Code::kAlreadyExists,
                                            Code::kFailedPrecondition,
                                            Code::kResourceExhausted,
                                            Code::kUnavailable,
                                            Code::kInternal,
                                            Code::kIoError};

}  // namespace

std::string ProblemToJson(const Problem& p) {
  json::object o;
  o["type"] = p.type;
  o["title"] = p.title;
  if (p.status != 0) o["status"] = p.status;
  o["detail"] = p.detail;
  if (!p.code.empty()) o["code"] = p.code;
  if (!p.field.empty()) o["field"] = p.field;
  if (!p.work_id.empty()) o["work_id"] = p.work_id;
  return json::serialize(o);
}

Result<Problem> ParseProblem(std::string_view body) {
  // Problem documents are flat; extension members may nest a little.
  auto v = ParseStrictJson(body, body.size(), "the problem document", 16);
  if (!v.ok() || !v->is_object()) {
    return Status::InvalidArgument("a problem document must be a JSON object");
  }
  const json::object& o = v->get_object();
  Problem p;
  p.type.clear();
  for (auto [member, out] : {std::pair{"type", &p.type}, std::pair{"title", &p.title},
                             std::pair{"detail", &p.detail}, std::pair{"code", &p.code},
                             std::pair{"field", &p.field}, std::pair{"work_id", &p.work_id}}) {
    const json::value* m = o.if_contains(member);
    if (!m) continue;
    if (!m->is_string()) {
      return Status::InvalidArgument(std::string("problem member \"") + member +
                                     "\" must be a string");
    }
    *out = std::string(m->get_string());
  }
  if (p.type.empty()) p.type = "about:blank";  // RFC 9457 3.1.1: absent means about:blank
  if (const json::value* s = o.if_contains("status")) {
    if (!s->is_int64() || s->get_int64() < 100 || s->get_int64() > 599) {
      return Status::InvalidArgument("problem member \"status\" must be an HTTP status code");
    }
    p.status = static_cast<int>(s->get_int64());
  }
  return p;
}

std::string_view ProblemCode(Status::Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kPermissionDenied:
      return "permission_denied";
    case Code::kNotFound:
      return "not_found";
    case Code::kAlreadyExists:
      return "already_exists";
    case Code::kFailedPrecondition:
      return "failed_precondition";
    case Code::kResourceExhausted:
      return "resource_exhausted";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kInternal:
      return "internal";
    case Code::kIoError:
      return "io_error";
  }
  return "internal";
}

std::optional<Status::Code> StatusCodeFromProblemCode(std::string_view code) {
  for (Code c : kAllCodes) {
    if (ProblemCode(c) == code) return c;
  }
  return std::nullopt;
}

}  // namespace signet::protocol

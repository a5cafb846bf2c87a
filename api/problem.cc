#include "api/problem.h"

#include <boost/json.hpp>

namespace signet::api {

int HttpStatusFor(Status::Code code) {
  using C = Status::Code;
  switch (code) {
    case C::kOk:
      return 200;
    case C::kInvalidArgument:
      return 400;
    case C::kUnauthenticated:
      return 401;
    case C::kPermissionDenied:
      return 403;
    case C::kNotFound:
      return 404;
    case C::kAlreadyExists:
      return 409;
    case C::kFailedPrecondition:
      return 409;
    case C::kResourceExhausted:
      return 413;
    case C::kUnavailable:
      return 503;
    case C::kInternal:
      return 500;
    case C::kIoError:
      return 500;
  }
  return 500;
}

std::string ProblemJson(int http_status, std::string_view title, std::string_view detail) {
  boost::json::object o;
  o["type"] = "about:blank";
  o["title"] = title;
  o["status"] = http_status;
  o["detail"] = detail;
  return boost::json::serialize(o);
}

std::string ProblemJson(const Status& status) {
  return ProblemJson(HttpStatusFor(status.code()), Status::CodeName(status.code()),
                     status.message());
}

}  // namespace signet::api

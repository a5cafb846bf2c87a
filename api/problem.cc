#include "api/problem.h"

#include <boost/json.hpp>

namespace signet::api {

int HttpStatusFor(Status::Code code) {
  using C = Status::Code;
  switch (code) {
    case C::kOk: return 200;
    case C::kInvalidArgument: return 400;
    case C::kUnauthenticated: return 401;
    case C::kPermissionDenied: return 403;
    case C::kNotFound: return 404;
    case C::kAlreadyExists: return 409;
    case C::kFailedPrecondition: return 409;
    case C::kResourceExhausted: return 413;
    case C::kUnavailable: return 503;
    case C::kInternal: return 500;
    case C::kIoError: return 500;
  }
  return 500;
}

std::string ProblemJson(const Status& status) {
  boost::json::object o;
  o["type"] = "about:blank";
  o["title"] = std::string(Status::CodeName(status.code()));
  o["status"] = HttpStatusFor(status.code());
  o["detail"] = status.message();
  return boost::json::serialize(o);
}

}  // namespace signet::api

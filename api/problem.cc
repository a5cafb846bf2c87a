#include "api/problem.h"

#include "protocol/problem.h"

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
  protocol::Problem p;
  p.title = title;
  p.status = http_status;
  p.detail = detail;
  return protocol::ProblemToJson(p);
}

std::string ProblemJson(const Status& status) {
  protocol::Problem p;
  p.title = Status::CodeName(status.code());
  p.status = HttpStatusFor(status.code());
  p.detail = status.message();
  p.code = protocol::ProblemCode(status.code());
  p.field = status.field();
  p.work_id = status.work_id();
  return protocol::ProblemToJson(p);
}

}  // namespace signet::api

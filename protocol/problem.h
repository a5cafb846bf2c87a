// RFC 9457 problem details as signetd answers errors (application/problem+json)
// and as clients read them:
//   {"type": "about:blank", "title": "invalid argument", "status": 400,
//    "detail": "work.register: field \"isrc\" is invalid: ...",
//    "code": "invalid_argument", "field": "isrc"}
// Extension members (RFC 9457 section 3.2), which clients branch on instead of
// matching `detail` text:
//   code   the stable name of the Status code behind the answer (ProblemCode);
//          it tells apart errors that share an HTTP status (409 is
//          already_exists or failed_precondition). Absent on transport-level
//          answers (404 no route, 405, 413, 415, 431, 501).
//   field  present when the error is about one field of the input: its path
//          in the statement payload or request body, e.g. "isrc",
//          "credits[2].role", "terms.search.use", "seq" (Status::field()).
//   work_id present when the error is about an existing work: the 409 that
//          refuses another file of a recording the artist registered names
//          that work here (Status::work_id()), so a client need not parse
//          the detail.
// Readers ignore members they do not know, as RFC 9457 asks.
//
// Thread safety: values and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace signet::protocol {

inline constexpr std::string_view kProblemContentType = "application/problem+json";

struct Problem {
  std::string type = "about:blank";
  std::string title;
  int status = 0;  // the HTTP status; 0: absent
  std::string detail;
  std::string code;     // "" when absent
  std::string field;    // "" when absent
  std::string work_id;  // "" when absent
  friend bool operator==(const Problem&, const Problem&) = default;
};

std::string ProblemToJson(const Problem& problem);

// A problem document's members; InvalidArgument when `body` is not a JSON
// object or a member has the wrong type. Members may be missing (a proxy's
// answer): they are left empty.
Result<Problem> ParseProblem(std::string_view body);

// "invalid_argument", "unauthenticated", "permission_denied", "not_found",
// "already_exists", "failed_precondition", "resource_exhausted", "unavailable",
// "internal", "io_error" ("ok" for kOk).
std::string_view ProblemCode(Status::Code code);
std::optional<Status::Code> StatusCodeFromProblemCode(std::string_view code);

}  // namespace signet::protocol

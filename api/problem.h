// Maps a Status to an HTTP status code and an RFC 9457 problem document
// (application/problem+json; the document and its "code" and "field"
// extension members are protocol/problem.h's). Thread-safe: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace signet::api {

// The HTTP status a Status code answers with.
int HttpStatusFor(Status::Code code);

// {"type":"about:blank","title":...,"status":...,"detail":<message>,
//  "code":<ProblemCode>,"field"?:<Status::field()>}
std::string ProblemJson(const Status& status);
// A transport-level answer with an explicit HTTP status and title (404 no
// route, 405, 413, 415, 431, 501, ...): no "code" or "field".
std::string ProblemJson(int http_status, std::string_view title, std::string_view detail);

}  // namespace signet::api

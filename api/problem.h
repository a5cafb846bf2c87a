// Maps a Status to an HTTP status code and an RFC 9457 problem document
// (application/problem+json). Thread-safe: pure functions.
#pragma once

#include <string>

#include "common/status.h"

namespace signet::api {

// The HTTP status a Status code answers with.
int HttpStatusFor(Status::Code code);

// {"type":"about:blank","title":...,"status":...,"detail":<message>}
std::string ProblemJson(const Status& status);

}  // namespace signet::api

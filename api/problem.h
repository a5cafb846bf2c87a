// Maps a Status to an HTTP status code and an RFC 9457 problem document
// (application/problem+json). Thread-safe: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace signet::api {

inline constexpr std::string_view kProblemContentType = "application/problem+json";

// The HTTP status a Status code answers with.
int HttpStatusFor(Status::Code code);

// {"type":"about:blank","title":...,"status":...,"detail":<message>}
std::string ProblemJson(const Status& status);
// The same with an explicit HTTP status and title (404, 405, 413, 429, ...).
std::string ProblemJson(int http_status, std::string_view title, std::string_view detail);

}  // namespace signet::api

// Reading the registry's JSON answers with the protocol's own types
// (protocol/answers_json.h), so the CLI understands exactly what signetd
// serves. An answer that does not decode is an Internal error naming the
// request and the member, e.g. `POST /v1/match: the server's answer is not
// what this client understands: member "matches[0].score" must be a number`.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "protocol/answers_json.h"

namespace signet::cli {

// `body` decoded with `decode`; `what` names the request ("GET /v1/artists").
template <typename T>
Result<T> DecodeAnswer(std::string_view body, std::string_view what,
                       Result<T> (*decode)(const boost::json::value&)) {
  auto answer = protocol::ParseAnswer(body, decode);
  if (!answer.ok()) {
    return Status::Internal(
        std::string(what) +
        ": the server's answer is not what this client understands: " + answer.status().message());
  }
  return answer;
}

}  // namespace signet::cli

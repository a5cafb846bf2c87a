// Reading the registry's JSON answers with the protocol's own types
// (protocol/answers_json.h), so the CLI understands exactly what signetd
// serves. An answer that does not decode is an Internal error naming the
// request and the member, e.g. `POST /v1/match: the server's answer is not
// what this client understands: member "matches[0].score" must be a number`.
//
// Thread safety: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "protocol/answers_json.h"
#include "tools/signet/client/http_client.h"

namespace signet::cli {

// `body` decoded with `decode`; `what` names the request ("GET /v1/artists").
template <typename T>
Result<T> DecodeAnswer(std::string_view body, std::string_view what,
                       Result<T> (*decode)(const boost::json::value&)) {
  auto answer = protocol::ParseAnswer(body, decode);
  const std::size_t first = body.find_first_not_of(" \t\r\n");
  if (!answer.ok() && (first == std::string_view::npos || body[first] != '{')) {
    return Status::Internal(std::string(what) +
                            ": the server's answer is not JSON (an HTML page?), so it is not a "
                            "Signet registry; is --server the registry's base URL (e.g. "
                            "http://127.0.0.1:8080)?");
  }
  if (!answer.ok()) {
    return Status::Internal(
        std::string(what) +
        ": the server's answer is not what this client understands: " + answer.status().message());
  }
  return answer;
}

// Every item of a paged list (GET /v1/artists/{id}/works, GET /v1/disputes:
// {"items": [...], "next_cursor": "..." | null}), following next_cursor.
// `path` may carry a query already; `what` names the request in errors.
template <typename T>
Result<std::vector<T>> GetAllPages(client::HttpClient& http, const std::string& path,
                                   std::string_view what,
                                   Result<T> (*decode)(const boost::json::value&)) {
  std::vector<T> out;
  std::string cursor;
  const char joiner = path.find('?') == std::string::npos ? '?' : '&';
  for (;;) {
    const std::string target =
        cursor.empty() ? path : path + joiner + "cursor=" + client::EncodeComponent(cursor);
    SIGNET_ASSIGN_OR_RETURN(std::string body, http.Get(target));
    auto page = protocol::ParseJsonText(body);
    const boost::json::object* o = page.ok() ? page->if_object() : nullptr;
    const boost::json::value* items = o ? o->if_contains("items") : nullptr;
    const boost::json::value* next = o ? o->if_contains("next_cursor") : nullptr;
    if (!items || !items->is_array() || !next || !(next->is_string() || next->is_null())) {
      return Status::Internal(std::string(what) +
                              ": the server's answer is not a page of items (is this a "
                              "Signet registry?)");
    }
    for (const boost::json::value& item : items->get_array()) {
      auto decoded = decode(item);
      if (!decoded.ok()) {
        return Status::Internal(std::string(what) +
                                ": the server's answer is not what this client understands: " +
                                decoded.status().message());
      }
      out.push_back(std::move(*decoded));
    }
    if (next->is_null()) return out;
    cursor = std::string(next->get_string());
    if (cursor.empty()) return out;
  }
}

}  // namespace signet::cli

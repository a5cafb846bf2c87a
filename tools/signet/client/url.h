// ServerUrl: the base URL of a Signet registry as a user types it
// (`--server http://127.0.0.1:8080`), parsed and validated with Boost.URL.
//
// http and https (a registry behind a TLS-terminating proxy; the client checks
// the certificate, http_client.h). The base may carry a path prefix when
// signetd sits behind a reverse proxy (https://host/signet -> requests go to
// /signet/v1/...), but not an API path (http://host/v1/works/...: the error
// names the base URL).
//
// Thread safety: values; no shared state.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace signet::client {

struct ServerUrl {
  bool tls = false;         // https
  std::string host;         // "127.0.0.1", "registry.example", "::1" (no brackets)
  std::string port = "80";  // always set, numeric (443 for https unless given)
  std::string base_path;    // "" or "/prefix" (no trailing slash)

  // "http://host:port/prefix" or "https://...", what error messages show.
  std::string ToString() const;
  // base_path + path_and_query. REQUIRES: path_and_query starts with '/'.
  std::string Target(std::string_view path_and_query) const;
  // The Host header value.
  std::string HostHeader() const;
};

// Accepts "http://host[:port][/prefix]", "https://host[:port][/prefix]" and,
// for convenience, "host:port" (http is assumed). Errors say what a valid value looks like.
Result<ServerUrl> ParseServerUrl(std::string_view text);

// Percent-encodes one path segment or query value (RFC 3986 unreserved kept).
std::string EncodeComponent(std::string_view text);

}  // namespace signet::client

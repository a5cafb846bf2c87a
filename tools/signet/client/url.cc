#include "tools/signet/client/url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace signet::client {

std::string ServerUrl::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return port == (tls ? "443" : "80") ? h : h + ":" + port;
}

std::string ServerUrl::ToString() const {
  return (tls ? "https://" : "http://") + HostHeader() + base_path;
}

std::string ServerUrl::Target(std::string_view path_and_query) const {
  return base_path + std::string(path_and_query);
}

Result<ServerUrl> ParseServerUrl(std::string_view text) {
  const std::string hint =
      "expected a server URL like http://127.0.0.1:8080 (the address signetd prints at start)";
  if (text.empty()) return Status::InvalidArgument("empty server URL; " + hint);
  std::string input(text);
  if (input.find("://") == std::string::npos) input = "http://" + input;
  auto parsed = boost::urls::parse_absolute_uri(input);
  if (!parsed) {
    return Status::InvalidArgument("cannot parse server URL '" + std::string(text) + "' (" +
                                   parsed.error().message() + "); " + hint);
  }
  const boost::urls::url_view& u = *parsed;
  if (u.scheme() != "http" && u.scheme() != "https") {
    return Status::InvalidArgument("unsupported URL scheme '" + std::string(u.scheme()) + "'; " +
                                   hint);
  }
  if (u.has_userinfo()) {
    return Status::InvalidArgument("server URL must not contain user:password@; " + hint);
  }
  if (u.has_query() || u.has_fragment()) {
    return Status::InvalidArgument("server URL must not contain ?query or #fragment; " + hint);
  }
  ServerUrl out;
  if (u.scheme() == "https") {
    out.tls = true;
    out.port = "443";
  }
  out.host = u.host_address();
  if (out.host.empty()) return Status::InvalidArgument("server URL has no host; " + hint);
  if (u.has_port()) {
    if (u.port().empty() || u.port_number() == 0) {
      return Status::InvalidArgument("server URL has an invalid port '" + std::string(u.port()) +
                                     "'; " + hint);
    }
    out.port = std::to_string(u.port_number());
  }
  std::string path(u.encoded_path());
  while (!path.empty() && path.back() == '/') path.pop_back();
  // A prefix is fine (a registry behind a reverse proxy at /signet); an API
  // path copied from a browser or the docs is not the registry's base.
  for (std::string_view api : {"/v1", "/v2", "/healthz", "/metrics", "/openapi.json"}) {
    const std::size_t at = path.find(api);
    if (at != std::string::npos &&
        (at + api.size() == path.size() || path[at + api.size()] == '/')) {
      return Status::InvalidArgument("server URL '" + std::string(text) + "' names an API path (" +
                                     path.substr(at) + "); give the registry's base URL, e.g. " +
                                     out.ToString() + path.substr(0, at));
    }
  }
  out.base_path = path;
  return out;
}

std::string EncodeComponent(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace signet::client

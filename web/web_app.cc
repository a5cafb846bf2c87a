#include "web/web_app.h"

#include <fmt/format.h>

#include <array>
#include <span>
#include <utility>

namespace signet::web {

// web/static/, embedded by web/CMakeLists.txt (cmake/SignetEmbed.cmake).
std::span<const EmbeddedFile> EmbeddedAssets();

namespace {

constexpr std::string_view kRoute = "/ (web app)";
constexpr std::string_view kIndex = "index.html";

struct MediaType {
  std::string_view extension;
  std::string_view type;
};
constexpr std::array<MediaType, 8> kMediaTypes = {{
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".json", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".txt", "text/plain; charset=utf-8"},
}};

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

std::string ETagOf(const EmbeddedFile& file) {
  return fmt::format("\"{}\"", file.sha256.substr(0, 32));
}

// RFC 9110 13.1.2: If-None-Match uses the weak comparison, and "*" matches any
// current representation.
bool NoneMatchHits(std::string_view header, std::string_view etag) {
  std::size_t i = 0;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t' || header[i] == ',')) ++i;
    if (i >= header.size()) break;
    std::size_t end = header.find(',', i);
    std::string_view tag = header.substr(i, end == std::string_view::npos ? end : end - i);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
    if (end == std::string_view::npos) break;
    i = end + 1;
  }
  return false;
}

void SetCommonHeaders(api::Headers& h, const std::string& etag) {
  h.Set("ETag", etag);
  h.Set("Cache-Control", "no-cache");
}

}  // namespace

const std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'; object-src 'none'; require-trusted-types-for 'script'; "
    "trusted-types 'none'";

std::string_view ContentTypeFor(std::string_view path) {
  for (const MediaType& m : kMediaTypes) {
    if (path.ends_with(m.extension)) return m.type;
  }
  return "application/octet-stream";
}

WebApp::WebApp(api::Handler& inner) : inner_(inner) {
  for (const EmbeddedFile& f : EmbeddedAssets()) {
    std::string path(1, '/');  // not "/" + string: GCC 12 -Wrestrict misfires on it
    path.append(f.path);
    by_path_.emplace(std::move(path), &f);
    if (f.path == kIndex) by_path_.emplace("/", &f);
  }
}

const EmbeddedFile* WebApp::Find(std::string_view path) const {
  auto it = by_path_.find(path);
  return it == by_path_.end() ? nullptr : it->second;
}

api::RouteInfo WebApp::Classify(std::string_view method, std::string_view target) const {
  api::RouteInfo info = inner_.Classify(method, target);
  if (info.route.empty() && Find(PathOf(target))) {
    info.route = std::string(kRoute);
    info.streaming = false;
    info.body_limit = 0;  // a GET of a file has no body
    info.waits_for_commit = false;
  }
  return info;
}

api::Response WebApp::Handle(const api::Request& request) {
  if (inner_.Classify(request.method, request.target).route.empty()) {
    if (const EmbeddedFile* file = Find(PathOf(request.target))) {
      if (request.method == "GET") return Serve(request, *file);
      api::Response r = api::Response::Problem(
          405, "method not allowed",
          fmt::format("{} is a file of the web app; only GET is served on it",
                      PathOf(request.target)));
      r.headers.Set("Allow", "GET");
      return r;
    }
  }
  return inner_.Handle(request);
}

api::Response WebApp::HandleStream(const api::Request& head, api::BodyReader& body,
                                   api::ResponseStream& out) {
  return inner_.HandleStream(head, body, out);
}

void WebApp::Observe(const api::Completed& completed) { inner_.Observe(completed); }

api::Response WebApp::Serve(const api::Request& request, const EmbeddedFile& file) const {
  const std::string etag = ETagOf(file);
  api::Response r;
  SetCommonHeaders(r.headers, etag);
  if (auto inm = request.headers.Get("If-None-Match"); inm && NoneMatchHits(*inm, etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.headers.Set("Content-Type", std::string(ContentTypeFor(file.path)));
  r.headers.Set("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.headers.Set("X-Content-Type-Options", "nosniff");
  r.headers.Set("Referrer-Policy", "no-referrer");
  r.headers.Set("X-Frame-Options", "DENY");
  r.headers.Set("Cross-Origin-Opener-Policy", "same-origin");
  r.headers.Set("Cross-Origin-Resource-Policy", "same-origin");
  r.body = std::string(file.content);
  return r;
}

}  // namespace signet::web

#include "api/router.h"

#include <fmt/format.h>

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cassert>

namespace signet::api {
namespace {

std::vector<std::string> SplitTemplate(std::string_view t) {
  std::vector<std::string> out;
  std::size_t i = 1;
  while (i <= t.size()) {
    std::size_t j = t.find('/', i);
    if (j == std::string_view::npos) j = t.size();
    out.emplace_back(t.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool IsParam(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

bool IsRest(const std::string& seg) { return IsParam(seg) && seg.ends_with("...}"); }

// The parameter's name: "{id}" -> "id", "{path...}" -> "path".
std::string ParamName(const std::string& seg) {
  return seg.substr(1, seg.size() - (IsRest(seg) ? 5 : 2));
}

// Whether `segs` fits the template segments `tmpl`.
template <typename Segments>
bool Fits(const std::vector<std::string>& tmpl, const Segments& segs) {
  const bool rest = !tmpl.empty() && IsRest(tmpl.back());
  if (rest ? segs.size() < tmpl.size() : segs.size() != tmpl.size()) return false;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const std::string& t = tmpl[std::min(i, tmpl.size() - 1)];
    if (IsParam(t) ? segs[i].empty() : t != segs[i]) return false;
  }
  return true;
}

// HEAD is served wherever GET is (RFC 9110 9.3.2): the same handler, and the
// transport sends the head alone.
bool Serves(const std::string& route_method, std::string_view method) {
  return route_method == method || (method == "HEAD" && route_method == "GET");
}

}  // namespace

std::optional<std::string_view> Target::Query(std::string_view name) const {
  for (auto it = query.rbegin(); it != query.rend(); ++it) {
    if (it->first == name) return std::string_view(it->second);
  }
  return std::nullopt;
}

Result<Target> ParseTarget(std::string_view target) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) {
    return Status::InvalidArgument(fmt::format("request target is not a valid origin-form path: {}",
                                               parsed.error().message()));
  }
  const boost::urls::url_view& u = *parsed;
  Target out;
  for (auto seg : u.segments()) out.segments.push_back(seg);
  // "/a/" has a trailing empty segment; treat it like "/a" would not match,
  // so templates never match it (clients get a 404 naming the path).
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  for (auto p : u.params(opts)) out.query.emplace_back(p.key, p.has_value ? p.value : "");
  return out;
}

const std::string& RouteMatch::Param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  static const std::string kEmpty;
  return kEmpty;
}

void Router::Add(std::string method, std::string path_template, Fn fn, std::uint64_t body_limit) {
  Route r;
  r.segments = SplitTemplate(path_template);
  r.method = std::move(method);
  r.path_template = std::move(path_template);
  r.fn = std::move(fn);
  r.body_limit = body_limit;
  routes_.push_back(std::move(r));
}

void Router::MarkWaitsForCommit(std::string_view method, std::string_view path_template) {
  for (Route& r : routes_) {
    if (r.method == method && r.path_template == path_template) {
      r.waits_for_commit = true;
      return;
    }
  }
  assert(false && "MarkWaitsForCommit: route not added");
}

void Router::AddStream(std::string method, std::string path_template, StreamFn fn) {
  Route r;
  r.segments = SplitTemplate(path_template);
  r.method = std::move(method);
  r.path_template = std::move(path_template);
  r.stream_fn = std::move(fn);
  routes_.push_back(std::move(r));
}

Router::Found Router::Find(std::string_view method, std::string_view target) const {
  Found found;
  auto parsed = ParseTarget(target);
  if (!parsed.ok()) {
    found.error = Response::Problem(parsed.status());
    return found;
  }
  found.match.target = std::move(parsed).value();
  const auto& segs = found.match.target.segments;
  std::string allow;
  for (const Route& r : routes_) {
    if (!Fits(r.segments, segs)) continue;
    if (!Serves(r.method, method)) {
      if (allow.find(r.method) == std::string::npos) {
        if (!allow.empty()) allow += ", ";
        allow += r.method;
        if (r.method == "GET") allow += ", HEAD";
      }
      continue;
    }
    found.route = &r;
    found.match.route = r.path_template;
    for (std::size_t i = 0; i < r.segments.size(); ++i) {
      const std::string& t = r.segments[i];
      if (IsRest(t)) {
        std::string joined = segs[i];
        for (std::size_t j = i + 1; j < segs.size(); ++j) joined += "/" + segs[j];
        found.match.params.emplace_back(ParamName(t), std::move(joined));
      } else if (IsParam(t)) {
        found.match.params.emplace_back(ParamName(t), segs[i]);
      }
    }
    return found;
  }
  if (!allow.empty()) {
    Response res = Response::Problem(
        405, "method not allowed",
        fmt::format("{} is not served on this path; use one of: {}", method, allow));
    res.headers.Set("Allow", allow);
    found.error = std::move(res);
  } else {
    found.error = Response::Problem(
        404, "not found",
        fmt::format("no route for {}; see /openapi.json for the routes this server has", target));
  }
  return found;
}

RouteInfo Router::Classify(std::string_view method, std::string_view target) const {
  RouteInfo info;
  std::string_view path = target.substr(0, target.find('?'));
  // Cheap pre-match on the raw path: percent-encoded slashes do not occur in
  // our templates, so decoding is not needed to pick the route.
  std::vector<std::string> segs = SplitTemplate(path.empty() ? "/" : path);
  for (const Route& r : routes_) {
    if (!Serves(r.method, method) || !Fits(r.segments, segs)) continue;
    info.route = r.path_template;
    info.streaming = static_cast<bool>(r.stream_fn);
    if (!info.streaming) info.body_limit = r.body_limit;
    info.waits_for_commit = r.waits_for_commit;
    return info;
  }
  info.body_limit = 64 << 10;  // an error answer is coming; do not read much
  return info;
}

Response Router::Dispatch(const Request& request) const {
  Found f = Find(request.method, request.target);
  if (!f.route) return std::move(*f.error);
  if (!f.route->fn)
    return Response::Problem(Status::Internal("streaming route dispatched as ordinary"));
  return f.route->fn(request, f.match);
}

Response Router::DispatchStream(const Request& request, BodyReader& body,
                                ResponseStream& out) const {
  Found f = Find(request.method, request.target);
  if (!f.route) return std::move(*f.error);
  if (!f.route->stream_fn) return f.route->fn(request, f.match);
  return f.route->stream_fn(request, f.match, body, out);
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& r : routes_) out.emplace_back(r.method, r.path_template);
  return out;
}

}  // namespace signet::api

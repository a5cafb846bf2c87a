// Maps (method, path template) to a handler. Templates are literal segments
// and `{name}` segments that match one non-empty path segment:
// "/v1/works/{id}/terms". A last segment `{name...}` matches one or more
// remaining non-empty segments, given to the handler joined by '/'
// ("/v1/log/tile/{path...}" for tlog-tiles paths). An unknown path answers 404, a known path with
// another method 405 with an Allow header, both as problem+json.
//
// Also parses request targets: percent-decoded path segments and query
// parameters (ParseTarget).
//
// Thread safety: build the Router on one thread (Add*), then Find/Dispatch
// may be called from any number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http.h"
#include "common/status.h"

namespace signet::api {

// A request target split into its parts, percent-decoded.
struct Target {
  std::vector<std::string> segments;  // "/v1/works/x" -> {"v1","works","x"}
  std::vector<std::pair<std::string, std::string>> query;
  // The last value of query parameter `name`.
  std::optional<std::string_view> Query(std::string_view name) const;
};
// InvalidArgument when the target is not origin-form ("/path?query") or has
// bad percent-encoding.
Result<Target> ParseTarget(std::string_view target);

struct RouteMatch {
  std::string_view route;  // the template
  Target target;
  std::vector<std::pair<std::string, std::string>> params;
  // REQUIRES: `name` is a parameter of the template.
  const std::string& Param(std::string_view name) const;
};

class Router {
 public:
  using Fn = std::function<Response(const Request&, const RouteMatch&)>;
  using StreamFn =
      std::function<Response(const Request&, const RouteMatch&, BodyReader&, ResponseStream&)>;

  // REQUIRES: template starts with '/'; (method, template) not added before.
  void Add(std::string method, std::string path_template, Fn fn,
           std::uint64_t body_limit = 1 << 20);
  // Marks an added route as one whose handler waits for a durable commit
  // (RouteInfo::waits_for_commit). REQUIRES: (method, template) was added.
  void MarkWaitsForCommit(std::string_view method, std::string_view path_template);
  void AddStream(std::string method, std::string path_template, StreamFn fn);

  RouteInfo Classify(std::string_view method, std::string_view target) const;
  Response Dispatch(const Request& request) const;
  Response DispatchStream(const Request& request, BodyReader& body, ResponseStream& out) const;

  // Every (method, template) served, in the order added.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string path_template;
    std::vector<std::string> segments;
    Fn fn;
    StreamFn stream_fn;
    std::uint64_t body_limit = 0;
    bool waits_for_commit = false;
  };
  struct Found {
    const Route* route = nullptr;
    std::optional<Response> error;  // 400/404/405 when route is null
    RouteMatch match;
  };
  Found Find(std::string_view method, std::string_view target) const;

  std::vector<Route> routes_;
};

}  // namespace signet::api

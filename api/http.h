// The API layer's own HTTP request/response types and the interface the
// transport (server/) drives. No Beast here: handlers are plain functions of
// (Request, dependencies) -> Response, testable without sockets.
//
// Two kinds of routes:
//  - ordinary: the transport reads the whole body (up to RouteInfo::body_limit)
//    into Request::body and calls Handler::Handle on a worker thread;
//  - streaming: the transport calls Handler::HandleStream on a worker thread
//    with a BodyReader that yields the body piece by piece as it arrives and a
//    ResponseStream that sends a chunked response piece by piece. Both block
//    the worker (never an I/O thread) while the bounded queues between them
//    and the socket are empty/full, so memory stays bounded whatever the size
//    of the stream. Clients must read the response while they send the body.
//
// Thread safety: Request/Response are values. A Handler is called from many
// worker threads at once and must be thread-safe; Classify and Observe are
// called from I/O threads and must not block.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace signet::api {

// Header names compare case-insensitively (RFC 9110).
class Headers {
 public:
  // The first value of `name`, if present.
  std::optional<std::string_view> Get(std::string_view name) const;
  // Replaces every value of `name`.
  void Set(std::string_view name, std::string value);
  void Add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
  }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin-form as received: "/v1/works/wk_..?at=..."
  Headers headers;
  std::string body;    // ordinary routes only
  std::string remote;  // "ip:port" of the peer, for logs and limits
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Type among them; Content-Length is the transport's
  std::string body;

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  // application/problem+json for a non-OK Status (api/problem.h mapping).
  static Response Problem(const Status& status);
  // application/problem+json with an explicit HTTP status and title.
  static Response Problem(int http_status, std::string_view title, std::string_view detail);
};

// Pulls the body of a streaming request. Called on a worker thread.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Blocks until the next piece arrives: true with a non-empty `piece`, false
  // at the end of the body, or an error when the client went away, stalled
  // past the body timeout or exceeded the body limit.
  virtual Result<bool> Read(std::string& piece) = 0;
};

// Pushes a chunked response. Called on a worker thread.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Sends the status line and headers. REQUIRES: called at most once, before Write.
  virtual Status Begin(int status, Headers headers) = 0;
  // Queues one piece of the body; blocks while the transport's queue is full.
  // An error means the client is gone: stop producing.
  virtual Status Write(std::string data) = 0;
  virtual bool begun() const = 0;
};

// What the transport needs to know about a request before reading its body.
struct RouteInfo {
  std::string route;  // template for metrics/logs: "/v1/works/{id}"; "" when unrouted
  bool streaming = false;
  // Largest body accepted for an ordinary route (413 beyond it). Ignored for
  // streaming routes, which have no total limit.
  std::uint64_t body_limit = 1 << 20;
  // The handler blocks until a group commit is durable (signed writes). The
  // transport runs such requests on a pool of their own, sized for waiting:
  // concurrent writers then form large commit groups instead of being held to
  // the few workers that reads need, and they never hold those workers.
  bool waits_for_commit = false;
};

// One finished exchange, for metrics. method is empty for a refusal given
// before a request was read (at accept).
struct Completed {
  std::string_view method;
  std::string_view route;
  int status = 0;
  double seconds = 0;
  // Why the transport refused the request, when it did: "connections",
  // "connections_per_client", "rate", "streams", "streams_per_client",
  // "body_memory". Empty for everything else.
  std::string_view refusal;
};

class Handler {
 public:
  virtual ~Handler() = default;
  virtual RouteInfo Classify(std::string_view method, std::string_view target) const = 0;
  virtual Response Handle(const Request& request) = 0;
  // A streaming route. If the handler returns without calling out.Begin(), the
  // returned Response is sent as an ordinary response instead.
  virtual Response HandleStream(const Request& head, BodyReader& body, ResponseStream& out) = 0;
  virtual void Observe(const Completed& completed) = 0;
};

}  // namespace signet::api

// A generic HTTP/1.1 server on Boost.Beast/Asio that drives an api::Handler.
// It knows nothing of Signet's routes: it reads requests, applies the
// transport's limits, runs the handler on a worker pool and writes the answer.
//
//  - I/O threads run the sockets (one C++20 coroutine per connection, on its
//    own strand); handlers run on a separate worker pool, never on I/O threads.
//  - Every read and write has a deadline: idle keep-alive wait, request head,
//    each body read, each write.
//  - A fresh parser per request with a header limit (431) and the route's body
//    limit (413), answered as problem+json before closing the connection.
//  - The head's framing is checked against RFC 9112 before Beast parses it
//    (server/framing.h); ambiguous framing is answered 400 and closed.
//  - Limits: total connections (503 + Retry-After), connections per client IP
//    (trusted proxies exempt), requests and streams per client (429 +
//    Retry-After; behind a trusted proxy the client is the X-Forwarded-For
//    one, server/trusted_proxies.h), one memory budget for every request body
//    in flight (503 + Retry-After, refused from Content-Length before reading).
//    Every refusal is counted for /metrics (api::Completed::refusal).
//  - An early answer (413, 400, a refusal) is followed by a lingering close:
//    what the client still sends is read and dropped, up to linger_bytes for
//    at most linger_time, so a client that sends its whole body before
//    reading gets the answer instead of a reset.
//  - HEAD is answered wherever GET is, with the head GET would send.
//  - Shutdown(): stop accepting, close idle connections, let in-flight requests
//    finish within the grace period, then close whatever is left and return
//    from Run().
//  - One JSON line per request on the access log (time, remote, method,
//    target, route, status, bytes, duration_ms).
//
// Thread safety: Listen, then Run on one thread (it blocks). Shutdown and
// port() may be called from any thread, also from a signal watcher.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "api/http.h"
#include "common/status.h"
#include "server/rate_limiter.h"
#include "server/trusted_proxies.h"

namespace signet::server {

struct ServerOptions {
  int io_threads = 2;
  int worker_threads = 2;
  // Requests whose handler waits for a durable commit (RouteInfo::
  // waits_for_commit: signed writes) run on this many threads of their own.
  // They mostly sleep in the registry's group commit, so the pool is sized for
  // waiting: each thread in it is one more statement per synced batch.
  int commit_threads = 64;
  std::size_t max_connections = 10000;
  RateLimitOptions rate;
  // Proxies whose X-Forwarded-For names the client (a load balancer).
  TrustedProxies trusted_proxies;
  // Every ordinary request body held in memory at once, together.
  std::uint64_t max_body_memory = std::uint64_t{256} << 20;
  // After an early answer: read and drop at most this much of what the
  // client still sends, for at most linger_time (each read: 5 s at most).
  std::uint64_t linger_bytes = std::uint64_t{128} << 20;
  std::chrono::milliseconds linger_time{std::chrono::seconds(30)};
  std::uint32_t header_limit = 16 << 10;  // bytes of request line + headers
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};    // keep-alive wait
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};  // first byte -> end of head
  std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};    // per body read
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};   // per write
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(10)};
  // Access log sink; nullptr: no access log. Lines end with '\n'.
  std::function<void(std::string_view line)> access_log;
  // Streaming handlers (POST /v1/check) wait on their client, so they run on a
  // pool of their own: a slow stream never holds a worker that ordinary
  // requests need. At most this many streams at once; beyond: 503 +
  // Retry-After (and rate.max_streams_per_client per client: 429).
  int stream_threads = 8;
  // Pieces buffered between socket and a streaming handler, each direction.
  std::size_t stream_queue_pieces = 8;
  std::size_t stream_read_piece_bytes = 64 << 10;
};

class HttpServer {
 public:
  // `handler` must outlive the server.
  HttpServer(ServerOptions options, api::Handler& handler);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  // Binds and listens. `host` is an IP address (v4 or v6); port 0 picks a free port.
  Status Listen(const std::string& host, std::uint16_t port);
  // The bound port. REQUIRES: Listen succeeded.
  std::uint16_t port() const;

  // Serves until Shutdown() completes; returns after every I/O thread stopped
  // and every handler returned. REQUIRES: Listen succeeded; called once.
  void Run();
  // Starts a graceful shutdown; returns immediately. Idempotent.
  void Shutdown();
  // Makes Run() also watch SIGINT/SIGTERM and call Shutdown() on the first.
  // REQUIRES: called before Run().
  void HandleSignals();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace signet::server

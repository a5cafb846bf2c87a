#include "server/http_session.h"

#include <cstdio>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "server/framing.h"
#include "server/stream_session.h"

namespace signet::server {
namespace {

// How a connection goes on after one exchange.
enum class Next {
  kServe,          // read the next request
  kClose,          // close now: nothing is left unread
  kDrainAndClose,  // the client may still be sending: lingering close
};

// A protocol error of the parser (as opposed to a socket error or timeout).
bool IsHttpError(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_target).category();
}

api::Response TooLarge(std::uint64_t limit) {
  return api::Response::Problem(
      413, "content too large",
      "the request body exceeds this route's limit of " + std::to_string(limit) +
          " bytes; send less (for audio: a shorter excerpt, or its fingerprint instead)");
}

template <typename Fields>
api::Request ToApiRequest(const http::request<Fields>& req, const Connection& c) {
  api::Request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  r.remote = c.remote;
  for (const auto& f : req) r.headers.Add(std::string(f.name_string()), std::string(f.value()));
  return r;
}

class HttpSession {
 public:
  HttpSession(Transport& t, Connection& c) : t_(t), c_(c) {}

  // Reads one request and answers it.
  awaitable<Next> ServeOne() {
    // co_await stays out of conditions: GCC 12 miscompiles some of them.
    if (buffer_.size() == 0) {
      const bool arrived = co_await WaitForRequest();
      if (!arrived) co_return Next::kClose;
    }
    c_.idle = false;
    Exchange ex;
    http::request_parser<http::empty_body> head;  // fresh per request
    head.header_limit(t_.opts.header_limit);
    head.body_limit(boost::none);  // the route's limit applies once it is known
    const std::optional<Next> refused = co_await ReadHead(head, ex);
    if (refused) co_return *refused;

    const auto& req = head.get();
    ex.method = std::string(req.method_string());
    ex.target = std::string(req.target());
    bool keep = req.keep_alive() && !t_.stopping;
    const bool has_body = head.chunked() || head.content_length().value_or(0) > 0;
    std::vector<std::string_view> forwarded;
    for (auto [it, end] = req.equal_range("X-Forwarded-For"); it != end; ++it) {
      forwarded.push_back(it->value());
    }
    client_ = t_.opts.trusted_proxies.ClientFor(c_.ip, forwarded);

    if (auto retry = t_.limiter.Acquire(client_))
      co_return co_await RateLimited(ex, *retry, keep, has_body);

    const api::RouteInfo info = t_.handler.Classify(ex.method, ex.target);
    ex.route = info.route;
    if (!info.streaming && head.content_length() && *head.content_length() > info.body_limit) {
      co_await Write(ex, TooLarge(info.body_limit), false);
      co_return Next::kDrainAndClose;
    }
    // The body's memory is reserved before a byte of it is read.
    MemoryBudget::Reservation body_memory(t_.body_memory);
    if (!info.streaming && !body_memory.GrowTo(head.content_length().value_or(0))) {
      co_return co_await BodyMemorySpent(ex, *head.content_length());
    }
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      const bool sent = co_await SendContinue(req.version());
      if (!sent) co_return Next::kClose;
    }
    if (info.streaming) co_return co_await Stream(std::move(head), ex, keep, has_body);
    co_return co_await Ordinary(std::move(head), ex, info, keep, body_memory);
  }

 private:
  // Waits for the first byte of a request. False: close (idle timeout,
  // shutdown or the peer went away).
  awaitable<bool> WaitForRequest() {
    c_.idle = true;
    if (t_.stopping) co_return false;
    c_.stream.expires_after(t_.opts.idle_timeout);
    auto [ec, n] = co_await c_.stream.async_read_some(buffer_.prepare(4096), kNoThrow);
    if (ec) co_return false;
    buffer_.commit(n);
    co_return true;
  }

  // Reads the request head into buffer_, checks its framing (server/framing.h)
  // and parses it into `head`. nullopt when the request can be served; else
  // how the connection goes on (any answer is written).
  awaitable<std::optional<Next>> ReadHead(http::request_parser<http::empty_body>& head,
                                          const Exchange& ex) {
    c_.stream.expires_after(t_.opts.header_timeout);
    std::size_t size = 0;
    for (;;) {
      SkipEmptyLines();
      const std::string_view bytes = Buffered();
      if (const FramingCheck start = CheckRequestStart(bytes); !start.ok) {
        co_await Write(ex, api::Response::Problem(start.status, "bad request", start.detail),
                       false);
        co_return Next::kDrainAndClose;
      }
      size = FindHeadEnd(bytes);
      if (size > t_.opts.header_limit || (size == 0 && bytes.size() > t_.opts.header_limit)) {
        co_await Write(
            ex,
            api::Response::Problem(431, "request header fields too large",
                                   "the request line and headers exceed " +
                                       std::to_string(t_.opts.header_limit) +
                                       " bytes; send a shorter target or fewer/smaller headers"),
            false);
        co_return Next::kDrainAndClose;
      }
      if (size > 0) break;
      auto [ec, n] = co_await c_.stream.async_read_some(buffer_.prepare(4096), kNoThrow);
      if (ec) co_return Next::kClose;  // end of stream, timeout, reset: nobody to answer
      buffer_.commit(n);
    }
    const FramingCheck framing = CheckRequestFraming(Buffered().substr(0, size));
    if (!framing.ok) {
      co_await Write(ex,
                     api::Response::Problem(
                         framing.status, framing.status == 501 ? "not implemented" : "bad request",
                         framing.detail),
                     false);
      co_return Next::kDrainAndClose;
    }
    beast::error_code ec;
    const std::size_t used = head.put(net::buffer(buffer_.data().data(), size), ec);
    if (!ec && !head.is_header_done()) ec = http::error::partial_message;
    if (ec) {
      co_await Write(ex,
                     api::Response::Problem(400, "bad request",
                                            "the request is not valid HTTP/1.1: " + ec.message()),
                     false);
      co_return Next::kDrainAndClose;
    }
    buffer_.consume(used);
    co_return std::nullopt;
  }

  // A server SHOULD ignore empty lines before a request line (RFC 9112 2.2):
  // some clients send an extra CRLF after a body.
  void SkipEmptyLines() {
    std::string_view b = Buffered();
    std::size_t skip = 0;
    while (b.size() >= skip + 2 && b[skip] == '\r' && b[skip + 1] == '\n') skip += 2;
    buffer_.consume(skip);
  }

  std::string_view Buffered() const {
    return {static_cast<const char*>(buffer_.data().data()), buffer_.size()};
  }

  awaitable<Next> RateLimited(const Exchange& ex, int retry_after, bool keep, bool has_body) {
    api::Response res = api::Response::Problem(
        429, "too many requests",
        "this client sent more than " + FormatRate() + "; wait Retry-After seconds");
    res.headers.Set("Retry-After", std::to_string(retry_after));
    // The body is not read: the connection cannot go on after it.
    const bool ok = co_await Write(ex, std::move(res), keep && !has_body, "rate");
    if (has_body) co_return Next::kDrainAndClose;
    co_return ok&& keep ? Next::kServe : Next::kClose;
  }

  awaitable<bool> SendContinue(unsigned version) {
    http::response<http::empty_body> cont{http::status::continue_, version};
    c_.stream.expires_after(t_.opts.write_timeout);
    auto [ec, n] = co_await http::async_write(c_.stream, cont, kNoThrow);
    co_return !ec;
  }

  // Refuses a body that does not fit in what is left of the memory budget
  // (or could never fit: 413).
  awaitable<Next> BodyMemorySpent(const Exchange& ex, std::uint64_t bytes) {
    if (bytes > t_.body_memory.limit()) {
      co_await Write(ex, TooLarge(t_.body_memory.limit()), false, "body_memory");
      co_return Next::kDrainAndClose;
    }
    api::Response busy = api::Response::Problem(
        503, "server busy",
        "the server is holding as many request bodies in memory as it allows (" +
            std::to_string(t_.body_memory.limit() >> 20) +
            " MiB together); retry after Retry-After seconds");
    busy.headers.Set("Retry-After", "2");
    co_await Write(ex, std::move(busy), false, "body_memory");
    co_return Next::kDrainAndClose;
  }

  awaitable<Next> Stream(http::request_parser<http::empty_body>&& head, Exchange& ex, bool keep,
                         bool has_body) {
    const Next refused = has_body ? Next::kDrainAndClose : Next::kClose;
    if (t_.streams >= static_cast<std::size_t>(std::max(1, t_.opts.stream_threads))) {
      api::Response busy = api::Response::Problem(
          503, "too many streams",
          "the server is running all " + std::to_string(t_.opts.stream_threads) +
              " streaming requests it allows; a stream ends after at most its item interval "
              "without an item or its total duration (see /openapi.json, POST /v1/check); "
              "retry after Retry-After seconds");
      busy.headers.Set("Retry-After", "5");
      co_await Write(ex, std::move(busy), false, "streams");
      co_return refused;
    }
    if (!t_.limiter.OpenStream(client_)) {
      api::Response limited = api::Response::Problem(
          429, "too many streams",
          "this client already runs " + std::to_string(t_.opts.rate.max_streams_per_client) +
              " streaming requests, as many as one client may; send more items per stream, "
              "or wait for one to end and retry after Retry-After seconds");
      limited.headers.Set("Retry-After", "5");
      co_await Write(ex, std::move(limited), false, "streams_per_client");
      co_return refused;
    }
    api::Request request = ToApiRequest(head.get(), c_);
    const bool ok =
        co_await ServeStream(t_, c_, buffer_, std::move(head), std::move(request), ex, keep);
    t_.limiter.CloseStream(client_);
    if (!ok) co_return Next::kDrainAndClose;
    co_return keep ? Next::kServe : Next::kClose;
  }

  awaitable<Next> Ordinary(http::request_parser<http::empty_body>&& head, Exchange& ex,
                           const api::RouteInfo& info, bool keep,
                           MemoryBudget::Reservation& body_memory) {
    http::request_parser<http::string_body> parser{std::move(head)};
    parser.body_limit(info.body_limit);
    c_.stream.expires_after(t_.opts.body_timeout);
    beast::error_code ec;
    // Read piece by piece so a chunked body reserves memory as it grows.
    while (!ec && !parser.is_done()) {
      std::tie(ec, std::ignore) =
          co_await http::async_read_some(c_.stream, buffer_, parser, kNoThrow);
      const std::uint64_t have = parser.get().body().capacity();
      if (!ec && have > body_memory.held() &&
          !body_memory.GrowTo(std::max(have, body_memory.held() + (1u << 20)))) {
        co_return co_await BodyMemorySpent(ex, have);
      }
    }
    if (ec == http::error::body_limit) {
      co_await Write(ex, TooLarge(info.body_limit), false);
      co_return Next::kDrainAndClose;
    }
    if (ec && IsHttpError(ec)) {
      co_await Write(
          ex,
          api::Response::Problem(400, "bad request",
                                 "the request body is not valid HTTP/1.1 framing: " + ec.message()),
          false);
      co_return Next::kDrainAndClose;
    }
    if (ec) co_return Next::kClose;  // timeout or reset: nobody to answer
    api::Request request = ToApiRequest(parser.get(), c_);
    request.body = std::move(parser.get().body());
    // The pool is picked outside the co_await: GCC 12 miscompiles co_await
    // inside a conditional expression.
    net::thread_pool& pool = info.waits_for_commit ? t_.commit_workers : t_.workers;
    api::Response res = co_await net::co_spawn(
        pool, [this, &request]() -> awaitable<api::Response> { co_return SafeHandle(request); },
        net::use_awaitable);
    keep = keep && !t_.stopping;
    const bool ok = co_await Write(ex, std::move(res), keep);
    co_return ok&& keep ? Next::kServe : Next::kClose;
  }

  api::Response SafeHandle(const api::Request& request) {
    try {
      return t_.handler.Handle(request);
    } catch (const std::exception& e) {
      return api::Response::Problem(Status::Internal(std::string("handler failed: ") + e.what()));
    }
  }

  awaitable<bool> Write(const Exchange& ex, api::Response res, bool keep,
                        std::string_view refusal = {}) {
    return WriteResponse(c_, t_.opts.write_timeout, t_.access_log, ex, std::move(res), keep,
                         refusal);
  }

  std::string FormatRate() const {
    char buf[64];
    std::snprintf(
        buf, sizeof buf, "%g requests/s (burst %g)", t_.opts.rate.requests_per_second,
        t_.opts.rate.burst > 0 ? t_.opts.rate.burst : 2 * t_.opts.rate.requests_per_second);
    return buf;
  }

  Transport& t_;
  Connection& c_;
  beast::flat_buffer buffer_;
  std::string client_;  // who the current request counts against (trusted_proxies)
};

}  // namespace

awaitable<void> RunHttpSession(Transport& t, std::shared_ptr<Connection> c, std::uint64_t id) {
  Next next = Next::kServe;
  {
    HttpSession session(t, *c);
    while (next == Next::kServe) next = co_await session.ServeOne();
  }
  if (next == Next::kClose) {
    beast::error_code ec;
    c->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    c->stream.socket().close(ec);
  } else {
    co_await LingeringClose(*c, t.opts.linger_bytes, t.opts.linger_time);
  }
  if (c->counted_per_client) t.limiter.CloseConnection(c->ip);
  t.connections.Remove(id);
}

}  // namespace signet::server

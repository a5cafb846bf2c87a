#include "server/http_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "api/problem.h"
#include "protocol/time.h"
#include "server/stream_pipe.h"

namespace signet::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using net::awaitable;
constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
using Steady = std::chrono::steady_clock;

// What a streaming handler sends to the socket side.
struct OutMsg {
  enum Kind { kHead, kData, kEnd, kFull } kind = kData;
  api::Response response;  // kHead: status + headers; kFull: everything
  std::string data;        // kData
};

struct Bridge {
  Bridge(net::any_io_executor strand, std::size_t capacity)
      : in(std::make_shared<StreamPipe<std::string>>(strand, capacity)),
        out(std::make_shared<StreamPipe<OutMsg>>(strand, capacity)) {}
  void CloseAll(const std::string& why) {
    in->Close(why);
    out->Close(why);
  }
  std::shared_ptr<StreamPipe<std::string>> in;
  std::shared_ptr<StreamPipe<OutMsg>> out;
};

class PipeBodyReader : public api::BodyReader {
 public:
  explicit PipeBodyReader(StreamPipe<std::string>& pipe) : pipe_(pipe) {}
  Result<bool> Read(std::string& piece) override {
    auto v = pipe_.Pop();
    if (v) {
      piece = std::move(*v);
      return true;
    }
    std::string err = pipe_.error();
    if (!err.empty()) return Status::Unavailable("request body: " + err);
    return false;
  }

 private:
  StreamPipe<std::string>& pipe_;
};

class PipeResponseStream : public api::ResponseStream {
 public:
  explicit PipeResponseStream(StreamPipe<OutMsg>& pipe) : pipe_(pipe) {}
  Status Begin(int status, api::Headers headers) override {
    OutMsg m;
    m.kind = OutMsg::kHead;
    m.response.status = status;
    m.response.headers = std::move(headers);
    begun_ = true;
    return pipe_.Push(std::move(m)) ? Status::Ok() : Gone();
  }
  Status Write(std::string data) override {
    if (data.empty()) return Status::Ok();
    OutMsg m;
    m.kind = OutMsg::kData;
    m.data = std::move(data);
    return pipe_.Push(std::move(m)) ? Status::Ok() : Gone();
  }
  bool begun() const override { return begun_; }

 private:
  static Status Gone() { return Status::Unavailable("the client went away"); }
  StreamPipe<OutMsg>& pipe_;
  bool begun_ = false;
};

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// A protocol error of the parser (as opposed to a socket error or timeout).
bool IsHttpError(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_target).category();
}

// One request/response exchange, for the access log and metrics.
struct Exchange {
  std::string method;
  std::string target;
  std::string route;
  Steady::time_point start = Steady::now();
};

struct Conn {
  explicit Conn(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  std::string ip;
  std::string remote;  // ip:port
  bool idle = true;    // only touched on the connection's strand
  bool counted_per_client = false;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, api::Handler& handler)
      : opts_(std::move(options)),
        handler_(handler),
        ioc_(std::max(1, opts_.io_threads)),
        acceptor_(ioc_),
        signals_(ioc_),
        pool_(static_cast<std::size_t>(std::max(1, opts_.worker_threads))),
        stream_pool_(static_cast<std::size_t>(std::max(1, opts_.stream_threads))),
        commit_pool_(static_cast<std::size_t>(std::max(1, opts_.commit_threads))),
        limiter_(opts_.rate) {}

  Status Listen(const std::string& host, std::uint16_t port) {
    beast::error_code ec;
    auto address = net::ip::make_address(host, ec);
    if (ec) return Status::InvalidArgument("listen address \"" + host + "\" is not an IP address");
    tcp::endpoint ep(address, port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::Unavailable("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                                 ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    return Status::Ok();
  }

  std::uint16_t port() const { return port_; }

  void HandleSignals() {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    watch_signals_ = true;
  }

  void Run() {
    if (watch_signals_) WaitSignal();
    net::co_spawn(ioc_, Accept(), net::detached);
    std::vector<std::thread> threads;
    for (int i = 1; i < opts_.io_threads; ++i) threads.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (auto& t : threads) t.join();
    // The I/O side is gone: wake any handler still blocked on a stream so the
    // pool can finish.
    {
      std::lock_guard lock(mu_);
      for (auto& b : bridges_) b->CloseAll("the server is shutting down");
    }
    pool_.join();
    stream_pool_.join();
    commit_pool_.join();
  }

  void Shutdown() {
    net::post(ioc_, [this] { BeginShutdown(); });
  }

 private:
  void WaitSignal() {
    signals_.async_wait([this](const beast::error_code& ec, int) {
      if (ec) return;
      if (stopping_) {
        ioc_.stop();  // second signal: stop now
        return;
      }
      BeginShutdown();
      WaitSignal();
    });
  }

  void BeginShutdown() {
    if (stopping_.exchange(true)) return;
    beast::error_code ec;
    acceptor_.close(ec);
    CloseConnections(/*idle_only=*/true);
    net::co_spawn(ioc_, Drain(), net::detached);
  }

  void CloseConnections(bool idle_only) {
    std::lock_guard lock(mu_);
    for (auto& [id, c] : conns_) {
      net::post(c->stream.get_executor(), [c = c, idle_only] {
        if (idle_only && !c->idle) return;
        beast::error_code ec;
        c->stream.socket().close(ec);
      });
    }
    if (!idle_only) {
      for (auto& b : bridges_) b->CloseAll("the server is shutting down");
    }
  }

  awaitable<void> Drain() {
    net::steady_timer timer(ioc_);
    auto deadline = Steady::now() + opts_.shutdown_grace;
    while (active_ > 0 && Steady::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(10));
      co_await timer.async_wait(kNoThrow);
    }
    if (active_ > 0) {
      CloseConnections(/*idle_only=*/false);
      deadline = Steady::now() + std::chrono::seconds(1);
      while (active_ > 0 && Steady::now() < deadline) {
        timer.expires_after(std::chrono::milliseconds(10));
        co_await timer.async_wait(kNoThrow);
      }
    }
    signals_.cancel();
    ioc_.stop();
  }

  awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(net::make_strand(ioc_), kNoThrow);
      if (ec) {
        if (stopping_ || ec == net::error::operation_aborted) co_return;
        // Out of descriptors and the like: back off instead of spinning.
        net::steady_timer t(ioc_, std::chrono::milliseconds(50));
        co_await t.async_wait(kNoThrow);
        continue;
      }
      auto c = std::make_shared<Conn>(std::move(socket));
      beast::error_code rec;
      auto ep = c->stream.socket().remote_endpoint(rec);
      if (rec) continue;
      c->ip = ep.address().to_string();
      c->remote = c->ip + ":" + std::to_string(ep.port());
      auto ex = c->stream.get_executor();
      if (active_ >= opts_.max_connections) {
        net::co_spawn(ex,
                      Reject(c, 503, "server busy",
                             "the server has reached its connection limit; retry shortly", 1),
                      net::detached);
        continue;
      }
      if (!limiter_.OpenConnection(c->ip)) {
        net::co_spawn(ex,
                      Reject(c, 429, "too many connections",
                             "this client has too many open connections; close some or reuse "
                             "them with keep-alive",
                             1),
                      net::detached);
        continue;
      }
      c->counted_per_client = true;
      std::uint64_t id = ++next_id_;
      ++active_;
      {
        std::lock_guard lock(mu_);
        conns_[id] = c;
      }
      net::co_spawn(ex, Session(c, id), net::detached);
    }
  }

  awaitable<void> Reject(std::shared_ptr<Conn> c, int status, std::string_view title,
                         std::string_view detail, int retry_after) {
    api::Response res = api::Response::Problem(status, title, detail);
    res.headers.Set("Retry-After", std::to_string(retry_after));
    Exchange ex;
    co_await Write(*c, ex, std::move(res), false);
    co_await LingeringClose(*c);
  }

  // ---- one connection ----------------------------------------------------

  awaitable<void> Session(std::shared_ptr<Conn> c, std::uint64_t id) {
    beast::flat_buffer buffer;
    bool clean = co_await Serve(*c, buffer);
    if (clean) {
      beast::error_code ec;
      c->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      c->stream.socket().close(ec);
    } else {
      co_await LingeringClose(*c);
    }
    if (c->counted_per_client) limiter_.CloseConnection(c->ip);
    {
      std::lock_guard lock(mu_);
      conns_.erase(id);
    }
    --active_;
  }

  // Serves requests until the connection should close. True when the close
  // needs no draining (the peer closed, or nothing is left unread).
  awaitable<bool> Serve(Conn& c, beast::flat_buffer& buffer) {
    for (;;) {
      if (buffer.size() == 0) {
        c.idle = true;
        if (stopping_) co_return true;
        c.stream.expires_after(opts_.idle_timeout);
        auto [ec, n] = co_await c.stream.async_read_some(buffer.prepare(4096), kNoThrow);
        if (ec) co_return true;
        buffer.commit(n);
      }
      c.idle = false;
      Exchange ex;
      http::request_parser<http::empty_body> head;  // fresh per request
      head.header_limit(opts_.header_limit);
      head.body_limit(boost::none);  // the route's limit applies once it is known
      c.stream.expires_after(opts_.header_timeout);
      auto [ec, n] = co_await http::async_read_header(c.stream, buffer, head, kNoThrow);
      if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
          ec == net::error::operation_aborted || ec == net::error::connection_reset) {
        co_return true;
      }
      if (ec == http::error::header_limit) {
        co_await Write(
            c, ex,
            api::Response::Problem(431, "request header fields too large",
                                   "the request line and headers exceed " +
                                       std::to_string(opts_.header_limit) +
                                       " bytes; send a shorter target or fewer/smaller headers"),
            false);
        co_return false;
      }
      if (ec) {
        if (IsHttpError(ec)) {
          co_await Write(
              c, ex,
              api::Response::Problem(400, "bad request",
                                     "the request is not valid HTTP/1.1: " + ec.message()),
              false);
          co_return false;
        }
        co_return true;
      }
      auto& req = head.get();
      ex.method = std::string(req.method_string());
      ex.target = std::string(req.target());
      bool keep = req.keep_alive() && !stopping_;
      const bool has_body = head.chunked() || head.content_length().value_or(0) > 0;

      if (auto retry = limiter_.Acquire(c.ip)) {
        api::Response res = api::Response::Problem(
            429, "too many requests",
            "this client sent more than " + FormatRate() + "; wait Retry-After seconds");
        res.headers.Set("Retry-After", std::to_string(*retry));
        bool ok = co_await Write(c, ex, std::move(res), keep && !has_body);
        if (!ok || !keep || has_body) co_return !has_body;
        continue;
      }

      api::RouteInfo info = handler_.Classify(ex.method, ex.target);
      ex.route = info.route;
      if (!info.streaming && head.content_length() && *head.content_length() > info.body_limit) {
        co_await Write(c, ex, TooLarge(info.body_limit), false);
        co_return false;
      }
      if (beast::iequals(req[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, req.version()};
        c.stream.expires_after(opts_.write_timeout);
        auto [wec, wn] = co_await http::async_write(c.stream, cont, kNoThrow);
        if (wec) co_return true;
      }

      if (info.streaming) {
        if (streams_ >= static_cast<std::size_t>(std::max(1, opts_.stream_threads))) {
          api::Response busy = api::Response::Problem(
              503, "too many streams",
              "the server is running as many streaming requests as it allows; retry shortly");
          busy.headers.Set("Retry-After", "1");
          co_await Write(c, ex, std::move(busy), false);
          co_return !has_body;
        }
        bool ok = co_await ServeStream(c, buffer, std::move(head), ex, keep);
        if (!ok || !keep) co_return ok;
        continue;
      }

      http::request_parser<http::string_body> parser{std::move(head)};
      parser.body_limit(info.body_limit);
      c.stream.expires_after(opts_.body_timeout);
      auto [bec, bn] = co_await http::async_read(c.stream, buffer, parser, kNoThrow);
      if (bec == http::error::body_limit) {
        co_await Write(c, ex, TooLarge(info.body_limit), false);
        co_return false;
      }
      if (bec) {
        if (IsHttpError(bec)) {
          co_await Write(c, ex,
                         api::Response::Problem(
                             400, "bad request",
                             "the request body is not valid HTTP/1.1 framing: " + bec.message()),
                         false);
          co_return false;
        }
        co_return true;  // timeout or reset: nobody to answer
      }
      api::Request request = ToApiRequest(parser.get(), c);
      request.body = std::move(parser.get().body());
      // The pool is picked outside the co_await: GCC 12 miscompiles co_await
      // inside a conditional expression.
      net::thread_pool& pool = info.waits_for_commit ? commit_pool_ : pool_;
      api::Response res = co_await net::co_spawn(
          pool, [this, &request]() -> awaitable<api::Response> { co_return SafeHandle(request); },
          net::use_awaitable);
      keep = keep && !stopping_;
      bool ok = co_await Write(c, ex, std::move(res), keep);
      if (!ok) co_return true;
      if (!keep) co_return true;
    }
  }

  api::Response SafeHandle(const api::Request& request) {
    try {
      return handler_.Handle(request);
    } catch (const std::exception& e) {
      return api::Response::Problem(Status::Internal(std::string("handler failed: ") + e.what()));
    }
  }

  api::Response TooLarge(std::uint64_t limit) const {
    return api::Response::Problem(
        413, "content too large",
        "the request body exceeds this route's limit of " + std::to_string(limit) +
            " bytes; send less (for audio: a shorter excerpt, or its fingerprint instead)");
  }

  std::string FormatRate() const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g requests/s (burst %g)", opts_.rate.requests_per_second,
                  opts_.rate.burst > 0 ? opts_.rate.burst : 2 * opts_.rate.requests_per_second);
    return buf;
  }

  template <typename Fields>
  static api::Request ToApiRequest(const http::request<Fields>& req, const Conn& c) {
    api::Request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.remote = c.remote;
    for (const auto& f : req) r.headers.Add(std::string(f.name_string()), std::string(f.value()));
    return r;
  }

  static void CopyHeaders(const api::Headers& from, http::fields& to) {
    for (const auto& [k, v] : from.fields()) to.insert(k, v);
    to.set(http::field::server, "signetd");
  }

  // Writes an ordinary response; logs it. False when the write failed.
  awaitable<bool> Write(Conn& c, Exchange& ex, api::Response res, bool keep) {
    http::response<http::string_body> msg;
    msg.version(11);
    msg.result(static_cast<unsigned>(res.status));
    CopyHeaders(res.headers, msg.base());
    std::size_t bytes = res.body.size();
    msg.body() = std::move(res.body);
    msg.keep_alive(keep);
    msg.prepare_payload();
    c.stream.expires_after(opts_.write_timeout);
    auto [ec, n] = co_await http::async_write(c.stream, msg, kNoThrow);
    Finish(c, ex, res.status, bytes);
    co_return !ec;
  }

  void Finish(const Conn& c, const Exchange& ex, int status, std::size_t bytes) {
    double seconds = std::chrono::duration<double>(Steady::now() - ex.start).count();
    if (!ex.method.empty()) handler_.Observe({ex.method, ex.route, status, seconds});
    if (!opts_.access_log) return;
    char dur[32];
    std::snprintf(dur, sizeof dur, "%.3f", seconds * 1000);
    std::string line =
        "{\"time\":\"" +
        protocol::FormatRfc3339Utc(protocol::SystemNowMicros(), protocol::TimeFraction::kMillis) +
        "\",\"remote\":" + JsonString(c.remote) + ",\"method\":" + JsonString(ex.method) +
        ",\"target\":" + JsonString(ex.target) + ",\"route\":" + JsonString(ex.route) +
        ",\"status\":" + std::to_string(status) + ",\"bytes\":" + std::to_string(bytes) +
        ",\"duration_ms\":" + dur + "}\n";
    opts_.access_log(line);
  }

  // Shut our side, then read and discard what the client is still sending for
  // a moment, so the kernel does not answer it with a RST that would destroy
  // the response before the client reads it.
  awaitable<void> LingeringClose(Conn& c) {
    beast::error_code ec;
    c.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    std::array<char, 8192> sink;
    std::size_t total = 0;
    c.stream.expires_after(std::chrono::milliseconds(500));
    while (!ec && total < (1u << 20)) {
      auto [rec, n] = co_await c.stream.async_read_some(net::buffer(sink), kNoThrow);
      ec = rec;
      total += n;
    }
    c.stream.socket().close(ec);
  }

  // ---- streaming routes --------------------------------------------------

  awaitable<bool> ServeStream(Conn& c, beast::flat_buffer& buffer,
                              http::request_parser<http::empty_body>&& head, Exchange& ex,
                              bool& keep) {
    http::request_parser<http::buffer_body> parser{std::move(head)};
    parser.body_limit(boost::none);
    auto bridge = std::make_shared<Bridge>(c.stream.get_executor(), opts_.stream_queue_pieces);
    {
      std::lock_guard lock(mu_);
      bridges_.insert(bridge);
    }
    api::Request request = ToApiRequest(parser.get(), c);
    ++streams_;
    net::post(stream_pool_, [this, bridge, request = std::move(request)] {
      PipeBodyReader reader(*bridge->in);
      PipeResponseStream writer(*bridge->out);
      api::Response res;
      try {
        res = handler_.HandleStream(request, reader, writer);
      } catch (const std::exception& e) {
        res = api::Response::Problem(Status::Internal(std::string("handler failed: ") + e.what()));
      }
      bridge->in->Close();  // the handler reads no more
      OutMsg last;
      if (writer.begun()) {
        last.kind = OutMsg::kEnd;
      } else {
        last.kind = OutMsg::kFull;
        last.response = std::move(res);
      }
      bridge->out->Push(std::move(last));
      --streams_;
    });

    using namespace net::experimental::awaitable_operators;
    auto [read_ok, write_ok] = co_await (ReadBody(c, buffer, parser, *bridge) &&
                                         WriteStream(c, ex, parser, *bridge, keep));
    bridge->CloseAll("");
    {
      std::lock_guard lock(mu_);
      bridges_.erase(bridge);
    }
    if (!parser.is_done()) keep = false;
    keep = keep && !stopping_;
    co_return read_ok&& write_ok;
  }

  awaitable<bool> ReadBody(Conn& c, beast::flat_buffer& buffer,
                           http::request_parser<http::buffer_body>& parser, Bridge& bridge) {
    while (!parser.is_done()) {
      std::string piece(opts_.stream_read_piece_bytes, '\0');
      parser.get().body().data = piece.data();
      parser.get().body().size = piece.size();
      parser.get().body().more = true;
      c.stream.expires_after(opts_.body_timeout);
      auto [ec, n] = co_await http::async_read_some(c.stream, buffer, parser, kNoThrow);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        bridge.in->Close(ec == beast::error::timeout ? "the client stalled past the body timeout"
                                                     : "the connection failed: " + ec.message());
        co_return ec == net::error::operation_aborted;  // cancelled by the writer: fine
      }
      piece.resize(piece.size() - parser.get().body().size);
      if (!piece.empty() && !co_await bridge.in->AsyncPush(std::move(piece))) {
        co_return true;  // the handler stopped reading; the connection closes after the answer
      }
    }
    bridge.in->Close();
    co_return true;
  }

  awaitable<bool> WriteStream(Conn& c, Exchange& ex,
                              http::request_parser<http::buffer_body>& parser, Bridge& bridge,
                              bool& keep) {
    int status = 0;
    std::size_t bytes = 0;
    bool ok = true;
    for (;;) {
      auto msg = co_await bridge.out->AsyncPop();
      if (!msg) {
        ok = false;
        break;
      }
      if (msg->kind == OutMsg::kFull) {
        if (!parser.is_done()) keep = false;
        ok = co_await Write(c, ex, std::move(msg->response), keep && !stopping_);
        status = -1;  // logged by Write
        break;
      }
      if (msg->kind == OutMsg::kHead) {
        status = msg->response.status;
        http::response<http::empty_body> res;
        res.version(11);
        res.result(static_cast<unsigned>(status));
        CopyHeaders(msg->response.headers, res.base());
        res.keep_alive(keep);
        res.chunked(true);
        http::response_serializer<http::empty_body> sr{res};
        c.stream.expires_after(opts_.write_timeout);
        auto [ec, n] = co_await http::async_write_header(c.stream, sr, kNoThrow);
        if (ec) {
          ok = false;
          break;
        }
        continue;
      }
      c.stream.expires_after(opts_.write_timeout);
      if (msg->kind == OutMsg::kData) {
        bytes += msg->data.size();
        auto [ec, n] =
            co_await net::async_write(c.stream, http::make_chunk(net::buffer(msg->data)), kNoThrow);
        if (ec) {
          ok = false;
          break;
        }
        continue;
      }
      auto [ec, n] = co_await net::async_write(c.stream, http::make_chunk_last(), kNoThrow);
      ok = !ec;
      break;
    }
    if (!ok) bridge.out->Close("the client went away");
    if (status > 0) Finish(c, ex, status, bytes);
    if (!parser.is_done()) {
      // The answer is complete (or failed) before the body: stop reading it.
      keep = false;
      bridge.in->Close("the answer was already sent");
      c.stream.socket().cancel();
    }
    co_return ok;
  }

  ServerOptions opts_;
  api::Handler& handler_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  net::signal_set signals_;
  bool watch_signals_ = false;
  net::thread_pool pool_;
  net::thread_pool stream_pool_;
  net::thread_pool commit_pool_;
  std::atomic<std::size_t> streams_{0};
  RateLimiter limiter_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> active_{0};
  std::atomic<std::uint64_t> next_id_{0};
  std::mutex mu_;
  std::map<std::uint64_t, std::shared_ptr<Conn>> conns_;
  std::set<std::shared_ptr<Bridge>> bridges_;
};

HttpServer::HttpServer(ServerOptions options, api::Handler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}
HttpServer::~HttpServer() = default;
Status HttpServer::Listen(const std::string& host, std::uint16_t port) {
  return impl_->Listen(host, port);
}
std::uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Run() { impl_->Run(); }
void HttpServer::Shutdown() { impl_->Shutdown(); }
void HttpServer::HandleSignals() { impl_->HandleSignals(); }

}  // namespace signet::server

// Implementation notes. Everything runs as C++20 coroutines on an io_context:
// a plain request runs the context on the caller's thread until the answer is
// in; an NdjsonCall runs its own context on its own thread with a writer, a
// reader and a watchdog coroutine. The coroutines never throw: every operation
// completes with as_tuple and errors are turned into Status here.
#include "tools/signet/client/http_client.h"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "protocol/problem.h"
#include "tools/signet/client/stream.h"

namespace signet::client {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;
constexpr auto kUse = net::as_tuple(net::use_awaitable);

// True when `ec` on a reused keep-alive connection means the server had closed
// it while idle, so the request can be sent again on a fresh connection.
bool IsStaleConnection(const error_code& ec) {
  return IsEndOfStream(ec) || ec == net::error::connection_reset || ec == net::error::broken_pipe;
}

}  // namespace

Status StatusFromResponse(const Response& response) {
  if (response.ok()) return Status::Ok();
  std::optional<protocol::Problem> problem;
  if (response.content_type.find("json") != std::string::npos) {
    if (auto p = protocol::ParseProblem(response.body); p.ok()) problem = std::move(*p);
  }
  std::string message;
  if (problem) message = !problem->detail.empty() ? problem->detail : problem->title;
  if (message.empty() && response.status < 500 &&
      response.content_type.find("json") == std::string::npos) {
    // Not an answer of a Signet API (whose errors are problem+json): an HTML
    // page of another web server. Say so rather than print it. (A proxy's
    // 5xx page, below, says the registry behind it is unreachable.)
    message = "the server answered HTTP " + std::to_string(response.status) + " with " +
              (response.content_type.empty() ? std::string("no content type")
                                             : "a " + response.content_type + " page") +
              ", not a Signet registry's answer; is --server the registry's base URL (e.g. "
              "http://127.0.0.1:8080, the address signetd prints at start)?";
  }
  if (message.empty()) {
    message = "the server answered HTTP " + std::to_string(response.status);
    std::string_view body = response.body;
    if (!body.empty()) message += ": " + std::string(body.substr(0, 300));
  }
  // The problem's "code" says exactly which error it was; the HTTP status is
  // the fallback for answers without one (a proxy, an older server).
  if (problem) {
    if (auto code = protocol::StatusCodeFromProblemCode(problem->code);
        code && *code != Status::Code::kOk) {
      return Status(*code, std::move(message))
          .WithField(problem->field)
          .WithWorkId(problem->work_id);
    }
  }
  using C = Status::Code;
  C code = C::kInternal;
  switch (response.status) {
    case 400:
    case 422:
      code = C::kInvalidArgument;
      break;
    case 401:
      code = C::kUnauthenticated;
      break;
    case 403:
      code = C::kPermissionDenied;
      break;
    case 404:
    case 405:
      code = C::kNotFound;
      break;
    case 409:
      code = C::kAlreadyExists;
      break;
    case 413:
    case 429:
    case 431:
      code = C::kResourceExhausted;
      break;
    case 502:
    case 503:
    case 504:
      code = C::kUnavailable;
      break;
    default:
      break;
  }
  Status status(code, std::move(message));
  return problem ? status.WithField(problem->field).WithWorkId(problem->work_id) : status;
}

// ---- HttpClient -------------------------------------------------------------

struct HttpClient::Impl {
  ServerUrl server;
  ClientOptions options;
  net::io_context ioc;
  // https: the context every connection verifies with (null for http), or
  // why it could not be made (an unreadable --ca-file), reported per request.
  std::shared_ptr<TlsContext> tls;
  Status tls_error;
  std::optional<Stream> stream;
  beast::flat_buffer buffer;

  // One attempt over the current connection (opening one when needed).
  // Sets `stale` when the connection had been closed by the server before any
  // answer byte arrived, so the caller may retry once on a fresh one.
  net::awaitable<void> Attempt(http::request<http::string_body>& req, Result<Response>& out,
                               bool& stale) {
    stale = false;
    if (!tls_error.ok()) {
      out = tls_error;
      co_return;
    }
    const bool reused = stream.has_value() && stream->tcp().socket().is_open();
    if (!reused) {
      stream.emplace(ioc, tls);
      buffer.clear();
      Status connected = co_await stream->Connect(server, options);
      if (!connected.ok()) {
        stream.reset();
        out = std::move(connected);
        co_return;
      }
    }
    stream->tcp().expires_after(options.io_timeout);
    auto [wec, wn] =
        co_await stream->Visit([&](auto& s) { return http::async_write(s, req, kUse); });
    if (!wec) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(options.max_response_bytes);
      stream->tcp().expires_after(options.io_timeout);
      auto [rec, rn] = co_await stream->Visit(
          [&](auto& s) { return http::async_read(s, buffer, parser, kUse); });
      if (!rec) {
        auto& res = parser.get();
        Response r;
        r.status = res.result_int();
        r.content_type = std::string(res[http::field::content_type]);
        r.body = std::move(res.body());
        if (!res.keep_alive()) {
          stream->Close();
          stream.reset();
        }
        out = std::move(r);
        co_return;
      }
      stale = reused && rn == 0 && IsStaleConnection(rec);
      out = rec == http::error::body_limit
                ? Status::ResourceExhausted(
                      "the answer from " + server.ToString() + " is larger than " +
                      std::to_string(options.max_response_bytes >> 20) + " MiB")
                : TransportError(server, "no answer from", rec);
    } else {
      stale = reused && IsStaleConnection(wec);
      out = TransportError(server, "cannot send to", wec);
    }
    stream.reset();
  }
};

HttpClient::HttpClient(ServerUrl server, ClientOptions options) : impl_(new Impl) {
  impl_->server = std::move(server);
  impl_->options = std::move(options);
  auto tls = MakeTlsContext(impl_->server, impl_->options);
  if (tls.ok()) {
    impl_->tls = std::move(*tls);
  } else {
    impl_->tls_error = tls.status();
  }
}
HttpClient::~HttpClient() = default;

const ServerUrl& HttpClient::server() const { return impl_->server; }

Result<Response> HttpClient::Request(std::string_view method, std::string_view path_and_query,
                                     std::string_view content_type, std::string body) {
  http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    return Status::InvalidArgument("unknown HTTP method " + std::string(method));
  }
  http::request<http::string_body> req{verb, impl_->server.Target(path_and_query), 11};
  req.set(http::field::host, impl_->server.HostHeader());
  req.set(http::field::user_agent, impl_->options.user_agent);
  req.set(http::field::accept, "application/json, application/problem+json, */*");
  req.keep_alive(true);
  if (!content_type.empty()) req.set(http::field::content_type, content_type);
  if (!body.empty() || verb == http::verb::post || verb == http::verb::put) {
    req.body() = std::move(body);
    req.prepare_payload();
  }
  Result<Response> out = Status::Internal("request did not run");
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool stale = false;
    impl_->ioc.restart();
    net::co_spawn(impl_->ioc, impl_->Attempt(req, out, stale), net::detached);
    impl_->ioc.run();
    if (!stale) break;
  }
  return out;
}

Result<std::string> HttpClient::Get(std::string_view path_and_query) {
  SIGNET_ASSIGN_OR_RETURN(Response r, Request("GET", path_and_query));
  SIGNET_RETURN_IF_ERROR(StatusFromResponse(r));
  return std::move(r.body);
}

Result<std::string> HttpClient::Post(std::string_view path_and_query, std::string_view content_type,
                                     std::string body) {
  SIGNET_ASSIGN_OR_RETURN(Response r,
                          Request("POST", path_and_query, content_type, std::move(body)));
  SIGNET_RETURN_IF_ERROR(StatusFromResponse(r));
  return std::move(r.body);
}

// ---- NdjsonCall ---------------------------------------------------------------

struct NdjsonCall::State {
  ServerUrl server;
  ClientOptions options;
  std::string target;
  std::function<Status(std::string_view)> on_line;

  net::io_context ioc;
  std::shared_ptr<TlsContext> tls;
  Status tls_error;
  std::optional<Stream> stream;  // made on the I/O thread's first step
  net::steady_timer wake{ioc};   // the writer sleeps on it while the queue is empty
  net::steady_timer tick{ioc};   // the watchdog's period
  std::thread io_thread;

  // Shared between the producer thread and the I/O thread.
  std::mutex mu;
  std::condition_variable space;  // signalled when queued bytes drop or the call ends
  std::deque<std::string> queue;
  std::size_t queued_bytes = 0;
  bool closing = false;         // Finish called: write the last chunk after the queue
  bool writer_waiting = false;  // the writer sleeps on `wake`
  bool ended = false;           // the I/O thread is done (success or failure)
  Status error;                 // first error that ends the call
  Status write_error;           // reported only when nothing better explains the failure

  // I/O thread only.
  bool reader_done = false;
  bool writer_done = false;
  std::chrono::steady_clock::time_point last_progress = std::chrono::steady_clock::now();

  void Fail(Status s) {
    {
      std::lock_guard l(mu);
      if (error.ok()) error = std::move(s);
    }
    space.notify_all();
    if (stream) stream->Close();
    wake.cancel();
    tick.cancel();
  }

  bool Failed() {
    std::lock_guard l(mu);
    return !error.ok();
  }

  net::awaitable<void> Run() {
    if (!tls_error.ok()) co_return Fail(tls_error);
    stream.emplace(ioc, tls);
    Status connected = co_await stream->Connect(server, options);
    if (!connected.ok()) co_return Fail(std::move(connected));
    stream->tcp().expires_never();
    auto ex = co_await net::this_coro::executor;
    net::co_spawn(ex, Writer(), net::detached);
    net::co_spawn(ex, Reader(), net::detached);
    co_await Watchdog();
  }

  net::awaitable<void> Writer() {
    http::request<http::empty_body> req{http::verb::post, server.Target(target), 11};
    req.set(http::field::host, server.HostHeader());
    req.set(http::field::user_agent, options.user_agent);
    req.set(http::field::content_type, "application/x-ndjson");
    req.set(http::field::accept, "application/x-ndjson, application/problem+json");
    req.chunked(true);
    http::request_serializer<http::empty_body> sr{req};
    stream->tcp().expires_after(options.io_timeout);
    auto [hec, hn] =
        co_await stream->Visit([&](auto& s) { return http::async_write_header(s, sr, kUse); });
    if (hec) co_return WriterFailed(hec);
    for (;;) {
      std::string batch;
      bool last = false;
      {
        std::unique_lock l(mu);
        if (!error.ok() || reader_done) break;
        if (queue.empty() && !closing) {
          writer_waiting = true;
          l.unlock();
          wake.expires_after(options.ndjson_keepalive);
          auto [tec] = co_await wake.async_wait(kUse);
          if (tec == net::error::operation_aborted) continue;  // woken: new lines or the end
          std::unique_lock l2(mu);
          if (!error.ok() || reader_done || !queue.empty() || closing) continue;
          writer_waiting = false;
          l2.unlock();
          stream->tcp().expires_after(options.io_timeout);
          auto [kec, kn] = co_await stream->Visit([&](auto& s) {
            return net::async_write(s, http::make_chunk(net::buffer("\n", 1)), kUse);
          });
          if (kec) co_return WriterFailed(kec);
          continue;
        }
        // Coalesce queued lines into one chunk of up to 256 KiB.
        while (!queue.empty() && batch.size() < (256u << 10)) {
          batch += queue.front();
          batch += '\n';
          queued_bytes -= queue.front().size();
          queue.pop_front();
        }
        last = closing && queue.empty();
      }
      space.notify_all();
      if (!batch.empty()) {
        stream->tcp().expires_after(options.io_timeout);
        auto [wec, wn] = co_await stream->Visit([&](auto& s) {
          return net::async_write(s, http::make_chunk(net::buffer(batch)), kUse);
        });
        if (wec) co_return WriterFailed(wec);
        last_progress = std::chrono::steady_clock::now();
      }
      if (last) {
        stream->tcp().expires_after(options.io_timeout);
        auto [lec, ln] = co_await stream->Visit(
            [&](auto& s) { return net::async_write(s, http::make_chunk_last(), kUse); });
        if (lec) co_return WriterFailed(lec);
        break;
      }
    }
    writer_done = true;
  }

  // A failed write usually means the server answered early (an error) and
  // stopped reading: leave the socket open so the reader can get that answer.
  void WriterFailed(const error_code& ec) {
    writer_done = true;
    {
      std::lock_guard l(mu);
      if (write_error.ok()) write_error = TransportError(server, "cannot send to", ec);
      // Unblock the producer: nothing more will be written.
      if (error.ok()) error = write_error;
    }
    space.notify_all();
  }

  net::awaitable<void> Reader() {
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    auto [hec, hn] = co_await stream->Visit(
        [&](auto& s) { return http::async_read_header(s, buffer, parser, kUse); });
    if (hec) co_return ReaderFailed(hec);
    last_progress = std::chrono::steady_clock::now();
    const int status = parser.get().result_int();
    const bool ok = status >= 200 && status < 300;
    std::string pending;  // a partial line, or the whole body of an error answer
    char chunk[64 * 1024];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof(chunk);
      auto [ec, n] = co_await stream->Visit(
          [&](auto& s) { return http::async_read(s, buffer, parser, kUse); });
      if (ec && ec != http::error::need_buffer) co_return ReaderFailed(ec);
      last_progress = std::chrono::steady_clock::now();
      const std::size_t got = sizeof(chunk) - parser.get().body().size;
      if (!ok) {
        if (pending.size() < (1u << 20)) pending.append(chunk, got);
        continue;
      }
      pending.append(chunk, got);
      std::size_t start = 0;
      for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
        std::string_view line(pending.data() + start, nl - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        Status s = on_line(line);
        if (!s.ok()) {
          reader_done = true;
          co_return Fail(std::move(s));
        }
      }
      pending.erase(0, start);
    }
    reader_done = true;
    if (!ok) {
      Response r;
      r.status = status;
      r.content_type = std::string(parser.get()[http::field::content_type]);
      r.body = std::move(pending);
      {
        std::lock_guard l(mu);
        error = StatusFromResponse(r);  // the server's reason beats a broken pipe
      }
      co_return Fail(StatusFromResponse(r));
    }
    if (!pending.empty() && pending != "\r") {
      Status s = on_line(pending);
      if (!s.ok()) co_return Fail(std::move(s));
    }
    if (!writer_done) {
      co_return Fail(
          Status::Internal("the server finished its answer before reading the whole "
                           "request; this is a server bug"));
    }
    // Done: wake the producer in case it still waits, and end the watchdog.
    space.notify_all();
    tick.cancel();
  }

  void ReaderFailed(const error_code& ec) {
    reader_done = true;
    if (ec == net::error::operation_aborted && Failed()) return;  // already failed elsewhere
    Fail(TransportError(server, "no answer from", ec));
  }

  // Fails the call after io_timeout without any byte moving in either direction
  // while the server owes us something. Ends when reader and writer are done.
  net::awaitable<void> Watchdog() {
    while (!(reader_done && (writer_done || Failed()))) {
      tick.expires_after(std::chrono::milliseconds(200));
      co_await tick.async_wait(kUse);
      if (reader_done) {
        // The writer may still sleep on `wake` after a failure: release it.
        wake.cancel();
        continue;
      }
      bool producer_idle;
      {
        std::lock_guard l(mu);
        producer_idle = queue.empty() && !closing;
      }
      // While the producer is still computing fingerprints the server owes
      // nothing, so silence is expected.
      if (producer_idle) {
        last_progress = std::chrono::steady_clock::now();
        continue;
      }
      if (std::chrono::steady_clock::now() - last_progress > options.io_timeout) {
        Fail(Status::Unavailable("no progress from " + server.ToString() + " for " +
                                 std::to_string(options.io_timeout.count() / 1000) +
                                 " s (is the server overloaded?)"));
      }
    }
  }
};

std::unique_ptr<NdjsonCall> HttpClient::OpenNdjson(
    std::string_view path_and_query, std::function<Status(std::string_view line)> on_line) {
  auto state = std::make_unique<NdjsonCall::State>();
  state->server = impl_->server;
  state->options = impl_->options;
  state->target = std::string(path_and_query);
  state->on_line = std::move(on_line);
  state->tls = impl_->tls;
  state->tls_error = impl_->tls_error;
  NdjsonCall::State* s = state.get();
  net::co_spawn(s->ioc, s->Run(), net::detached);
  s->io_thread = std::thread([s] {
    s->ioc.run();
    {
      std::lock_guard l(s->mu);
      s->ended = true;
    }
    s->space.notify_all();
  });
  return std::unique_ptr<NdjsonCall>(new NdjsonCall(std::move(state)));
}

NdjsonCall::NdjsonCall(std::unique_ptr<State> state) : state_(std::move(state)) {}

NdjsonCall::~NdjsonCall() {
  if (state_->io_thread.joinable()) {
    net::post(state_->ioc, [s = state_.get()] { s->Fail(Status::Unavailable("call aborted")); });
    state_->io_thread.join();
  }
}

Status NdjsonCall::Send(std::string line) {
  State& s = *state_;
  bool wake = false;
  {
    std::unique_lock l(s.mu);
    s.space.wait(
        l, [&] { return !s.error.ok() || s.ended || s.queued_bytes < s.options.max_queued_bytes; });
    if (!s.error.ok()) return s.error;
    if (s.ended) return Status::Internal("the streaming call already ended");
    s.queued_bytes += line.size();
    s.queue.push_back(std::move(line));
    wake = std::exchange(s.writer_waiting, false);
  }
  if (wake) net::post(s.ioc, [st = &s] { st->wake.cancel(); });
  return Status::Ok();
}

Status NdjsonCall::Finish() {
  State& s = *state_;
  {
    std::lock_guard l(s.mu);
    s.closing = true;
  }
  net::post(s.ioc, [st = &s] { st->wake.cancel(); });
  if (s.io_thread.joinable()) s.io_thread.join();
  std::lock_guard l(s.mu);
  return s.error;
}

}  // namespace signet::client

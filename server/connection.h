// Internal to the transport (includes Asio and Beast; include only from
// server/*.cc). One accepted TCP connection, the set of open ones (what a
// graceful shutdown closes and waits for), and the writes every part of the
// transport answers with.
//
// Thread safety: a Connection's stream and `idle` are touched only on its
// strand. ConnectionSet may be used from any thread; WaitEmpty runs on the
// set's own strand.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "api/http.h"
#include "server/access_log.h"

namespace signet::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using net::awaitable;
inline constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

struct Connection {
  explicit Connection(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  std::string ip;
  std::string remote;  // ip:port
  bool idle = true;    // waiting for a request; only touched on the strand
  bool counted_per_client = false;
};

// Something that blocks a handler thread on a connection (a streaming
// request's queues) and must be woken when the connection is torn down.
class Abortable {
 public:
  virtual ~Abortable() = default;
  virtual void Abort(const std::string& why) = 0;
};

class ConnectionSet {
 public:
  explicit ConnectionSet(net::io_context& ioc) : strand_(net::make_strand(ioc)), empty_(strand_) {}

  std::size_t size() const { return count_.load(); }
  std::uint64_t Add(std::shared_ptr<Connection> c);
  // Wakes WaitEmpty when the last connection goes.
  void Remove(std::uint64_t id);

  void AddAbortable(std::shared_ptr<Abortable> a);
  void RemoveAbortable(const std::shared_ptr<Abortable>& a);

  // Closes the sockets of connections waiting for a request.
  void CloseIdle();
  // Closes every socket and aborts every registered Abortable.
  void CloseAll(const std::string& why);
  // Aborts every registered Abortable (the I/O threads are gone).
  void AbortAll(const std::string& why);

  // Waits until no connection is left or `timeout` passed; true when none is
  // left. Woken by Remove, not by polling. REQUIRES: runs on strand().
  awaitable<bool> WaitEmpty(std::chrono::milliseconds timeout);
  net::strand<net::io_context::executor_type>& strand() { return strand_; }

 private:
  void Close(bool idle_only);

  net::strand<net::io_context::executor_type> strand_;
  net::steady_timer empty_;  // only touched on strand_
  std::atomic<std::size_t> count_{0};
  std::atomic<std::uint64_t> next_id_{0};
  std::mutex mu_;
  std::map<std::uint64_t, std::shared_ptr<Connection>> conns_;
  std::set<std::shared_ptr<Abortable>> abortables_;
};

// Copies the handler's headers and names the server.
void CopyHeaders(const api::Headers& from, http::fields& to);

// Writes an ordinary response within `timeout` and records it in the access
// log (`refusal`: why the transport refused the request, if it did). The
// answer to a HEAD request is the head alone. False when the write failed.
awaitable<bool> WriteResponse(Connection& c, std::chrono::milliseconds timeout, AccessLog& log,
                              const Exchange& exchange, api::Response res, bool keep,
                              std::string_view refusal = {});

// Shuts our side, then reads and discards what the client is still sending,
// up to `max_bytes` for at most `max_time` (each read waits 5 s at most), so
// the kernel does not answer it with a RST that would destroy the response
// before the client reads it (nginx's lingering close); then closes.
awaitable<void> LingeringClose(Connection& c, std::uint64_t max_bytes,
                               std::chrono::milliseconds max_time);

}  // namespace signet::server

// Internal to the transport. Accepts connections and applies the limits that
// are decided before any byte is read: the total number of connections (503)
// and connections per client address (429), each refusal with Retry-After.
// Admitted connections are handed to an HTTP session (server/http_session.h).
//
// Thread safety: Listen before the io_context runs; Start and Close on any
// thread (Close posts to the acceptor's executor).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "server/transport.h"

namespace signet::server {

class Listener {
 public:
  explicit Listener(Transport& transport) : t_(transport), acceptor_(transport.ioc) {}
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Binds and listens. `host` is an IP address; port 0 picks a free port.
  Status Listen(const std::string& host, std::uint16_t port);
  std::uint16_t port() const { return port_; }
  // Starts the accept loop on the io_context.
  void Start();
  // Stops accepting. REQUIRES: called on the io_context's threads.
  void Close();

 private:
  awaitable<void> Accept();
  // Coroutine parameters are owned: a view would dangle once the caller moves on.
  awaitable<void> Reject(std::shared_ptr<Connection> c, int status, std::string title,
                         std::string detail, std::string refusal);

  Transport& t_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
};

}  // namespace signet::server

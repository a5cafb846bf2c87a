#include "server/listener.h"

#include "server/http_session.h"

namespace signet::server {

Status Listener::Listen(const std::string& host, std::uint16_t port) {
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

void Listener::Start() { net::co_spawn(t_.ioc, Accept(), net::detached); }

void Listener::Close() {
  beast::error_code ec;
  acceptor_.close(ec);
}

awaitable<void> Listener::Accept() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(net::make_strand(t_.ioc), kNoThrow);
    if (ec) {
      if (t_.stopping || ec == net::error::operation_aborted) co_return;
      // Out of descriptors and the like: back off instead of spinning.
      net::steady_timer backoff(t_.ioc, std::chrono::milliseconds(50));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    auto c = std::make_shared<Connection>(std::move(socket));
    beast::error_code rec;
    auto ep = c->stream.socket().remote_endpoint(rec);
    if (rec) continue;
    c->ip = ep.address().to_string();
    c->remote = c->ip + ":" + std::to_string(ep.port());
    auto ex = c->stream.get_executor();
    if (t_.connections.size() >= t_.opts.max_connections) {
      net::co_spawn(
          ex,
          Reject(c, 503, "server busy",
                 "the server has reached its connection limit; retry shortly", "connections"),
          net::detached);
      continue;
    }
    // A trusted proxy carries many clients' connections: not limited per address.
    if (!t_.opts.trusted_proxies.Contains(c->ip)) {
      if (!t_.limiter.OpenConnection(c->ip)) {
        net::co_spawn(ex,
                      Reject(c, 429, "too many connections",
                             "this client has more than " +
                                 std::to_string(t_.opts.rate.max_connections_per_client) +
                                 " open connections; close some or reuse them with keep-alive",
                             "connections_per_client"),
                      net::detached);
        continue;
      }
      c->counted_per_client = true;
    }
    const std::uint64_t id = t_.connections.Add(c);
    net::co_spawn(ex, RunHttpSession(t_, std::move(c), id), net::detached);
  }
}

awaitable<void> Listener::Reject(std::shared_ptr<Connection> c, int status, std::string title,
                                 std::string detail, std::string refusal) {
  api::Response res = api::Response::Problem(status, title, detail);
  res.headers.Set("Retry-After", "1");
  const Exchange none;  // a named local: GCC 12 mishandles temporaries bound in co_await
  co_await WriteResponse(*c, t_.opts.write_timeout, t_.access_log, none, std::move(res), false,
                         refusal);
  co_await LingeringClose(*c, t_.opts.linger_bytes, t_.opts.linger_time);
}

}  // namespace signet::server

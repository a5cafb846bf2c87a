#include "tests/cli/tls_proxy.h"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <thread>

namespace signet::testing {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
constexpr auto kUse = net::as_tuple(net::use_awaitable);

// Copies bytes from `from` to `to` until either side ends, then closes both.
template <class From, class To>
net::awaitable<void> Pump(From& from, To& to, tcp::socket& a, tcp::socket& b) {
  char buf[16 * 1024];
  for (;;) {
    auto [rec, n] = co_await from.async_read_some(net::buffer(buf), kUse);
    if (rec) break;
    auto [wec, w] = co_await net::async_write(to, net::buffer(buf, n), kUse);
    if (wec) break;
  }
  boost::system::error_code ignored;
  a.close(ignored);
  b.close(ignored);
}

}  // namespace

struct TlsProxy::Impl {
  net::io_context ioc;
  ssl::context ctx{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  std::uint16_t backend_port = 0;
  std::atomic<int> failed_handshakes{0};
  std::thread thread;

  net::awaitable<void> Serve(tcp::socket client) {
    auto tls = std::make_shared<ssl::stream<tcp::socket>>(std::move(client), ctx);
    auto [hec] = co_await tls->async_handshake(ssl::stream_base::server, kUse);
    if (hec) {
      ++failed_handshakes;
      co_return;
    }
    auto backend = std::make_shared<tcp::socket>(ioc);
    auto [cec] = co_await backend->async_connect(
        tcp::endpoint(net::ip::address_v4::loopback(), backend_port), kUse);
    if (cec) co_return;
    tcp::socket& front = tls->next_layer();
    net::co_spawn(
        ioc,
        [tls, backend, &front]() -> net::awaitable<void> {
          co_await Pump(*tls, *backend, front, *backend);
        },
        net::detached);
    co_await Pump(*backend, *tls, front, *backend);
  }

  net::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kUse);
      if (ec) co_return;
      net::co_spawn(ioc, Serve(std::move(socket)), net::detached);
    }
  }
};

TlsProxy::TlsProxy(const std::string& cert_file, const std::string& key_file,
                   std::uint16_t backend_port)
    : impl_(new Impl) {
  impl_->backend_port = backend_port;
  impl_->ctx.use_certificate_chain_file(cert_file);
  impl_->ctx.use_private_key_file(key_file, ssl::context::pem);
  const tcp::endpoint local(net::ip::address_v4::loopback(), 0);
  impl_->acceptor.open(local.protocol());
  impl_->acceptor.bind(local);
  impl_->acceptor.listen();
  net::co_spawn(impl_->ioc, impl_->Accept(), net::detached);
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

TlsProxy::~TlsProxy() {
  impl_->ioc.stop();
  impl_->thread.join();
}

std::uint16_t TlsProxy::port() const { return impl_->acceptor.local_endpoint().port(); }

int TlsProxy::failed_handshakes() const { return impl_->failed_handshakes.load(); }

}  // namespace signet::testing

// HttpServer wires the parts of the transport together, as Beast's advanced
// server does: the shared Transport state (server/transport.h), the Listener
// (server/listener.h) that hands connections to HTTP sessions
// (server/http_session.h, server/stream_session.h), the signal watcher and the
// graceful shutdown.
#include "server/http_server.h"

#include <csignal>
#include <thread>
#include <vector>

#include "server/listener.h"
#include "server/transport.h"

namespace signet::server {

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, api::Handler& handler)
      : t_(std::move(options), handler), listener_(t_), signals_(t_.ioc) {}

  Status Listen(const std::string& host, std::uint16_t port) {
    return listener_.Listen(host, port);
  }
  std::uint16_t port() const { return listener_.port(); }

  void HandleSignals() {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    watch_signals_ = true;
  }

  void Run() {
    if (watch_signals_) WaitSignal();
    listener_.Start();
    std::vector<std::thread> threads;
    for (int i = 1; i < t_.opts.io_threads; ++i) threads.emplace_back([this] { t_.ioc.run(); });
    t_.ioc.run();
    for (auto& th : threads) th.join();
    // The I/O side is gone: wake any handler still blocked on a stream so the
    // pools can finish.
    t_.connections.AbortAll("the server is shutting down");
    t_.workers.join();
    t_.stream_workers.join();
    t_.commit_workers.join();
  }

  void Shutdown() {
    net::post(t_.ioc, [this] { BeginShutdown(); });
  }

 private:
  void WaitSignal() {
    signals_.async_wait([this](const beast::error_code& ec, int) {
      if (ec) return;
      if (t_.stopping) {
        t_.ioc.stop();  // second signal: stop now
        return;
      }
      BeginShutdown();
      WaitSignal();
    });
  }

  // Stop accepting, close idle connections (a busy one closes after its
  // answer, since keep-alive ends when stopping), wait for the rest.
  void BeginShutdown() {
    if (t_.stopping.exchange(true)) return;
    listener_.Close();
    t_.connections.CloseIdle();
    net::co_spawn(t_.connections.strand(), Drain(), net::detached);
  }

  // Waits for the open connections to finish within the grace period; past
  // it, closes them and gives them a second to unwind; then stops the I/O.
  awaitable<void> Drain() {
    // (co_await is kept out of conditions: GCC 12 miscompiles some of them.)
    const bool drained = co_await t_.connections.WaitEmpty(t_.opts.shutdown_grace);
    if (!drained) {
      t_.connections.CloseAll("the server is shutting down");
      co_await t_.connections.WaitEmpty(std::chrono::seconds(1));
    }
    signals_.cancel();
    t_.ioc.stop();
  }

  Transport t_;
  Listener listener_;
  net::signal_set signals_;
  bool watch_signals_ = false;
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

#include "server/connection.h"

#include <algorithm>
#include <array>
#include <tuple>

namespace signet::server {

std::uint64_t ConnectionSet::Add(std::shared_ptr<Connection> c) {
  const std::uint64_t id = ++next_id_;
  ++count_;
  std::lock_guard lock(mu_);
  conns_[id] = std::move(c);
  return id;
}

void ConnectionSet::Remove(std::uint64_t id) {
  {
    std::lock_guard lock(mu_);
    conns_.erase(id);
  }
  if (--count_ == 0) net::post(strand_, [this] { empty_.cancel(); });
}

void ConnectionSet::AddAbortable(std::shared_ptr<Abortable> a) {
  std::lock_guard lock(mu_);
  abortables_.insert(std::move(a));
}

void ConnectionSet::RemoveAbortable(const std::shared_ptr<Abortable>& a) {
  std::lock_guard lock(mu_);
  abortables_.erase(a);
}

void ConnectionSet::Close(bool idle_only) {
  std::lock_guard lock(mu_);
  for (auto& [id, c] : conns_) {
    net::post(c->stream.get_executor(), [c = c, idle_only] {
      if (idle_only && !c->idle) return;
      beast::error_code ec;
      c->stream.socket().close(ec);
    });
  }
}

void ConnectionSet::CloseIdle() { Close(/*idle_only=*/true); }

void ConnectionSet::CloseAll(const std::string& why) {
  Close(/*idle_only=*/false);
  AbortAll(why);
}

void ConnectionSet::AbortAll(const std::string& why) {
  std::lock_guard lock(mu_);
  for (auto& a : abortables_) a->Abort(why);
}

awaitable<bool> ConnectionSet::WaitEmpty(std::chrono::milliseconds timeout) {
  // On the strand, the check and the start of the wait are one step: a Remove
  // that empties the set after the check posts its cancel behind the wait.
  empty_.expires_after(timeout);
  if (count_ == 0) co_return true;
  co_await empty_.async_wait(kNoThrow);
  co_return count_ == 0;
}

void CopyHeaders(const api::Headers& from, http::fields& to) {
  for (const auto& [k, v] : from.fields()) to.insert(k, v);
  to.set(http::field::server, "signetd");
}

awaitable<bool> WriteResponse(Connection& c, std::chrono::milliseconds timeout, AccessLog& log,
                              const Exchange& exchange, api::Response res, bool keep,
                              std::string_view refusal) {
  http::response<http::string_body> msg;
  msg.version(11);
  msg.result(static_cast<unsigned>(res.status));
  CopyHeaders(res.headers, msg.base());
  const std::size_t bytes = res.body.size();
  msg.body() = std::move(res.body);
  msg.keep_alive(keep);
  msg.prepare_payload();
  c.stream.expires_after(timeout);
  beast::error_code ec;
  if (exchange.method == "HEAD") {
    // The head GET would send, Content-Length included, without the body.
    http::response_serializer<http::string_body> sr{msg};
    std::tie(ec, std::ignore) = co_await http::async_write_header(c.stream, sr, kNoThrow);
    log.Record(c.remote, exchange, res.status, 0, refusal);
    co_return !ec;
  }
  std::tie(ec, std::ignore) = co_await http::async_write(c.stream, msg, kNoThrow);
  log.Record(c.remote, exchange, res.status, bytes, refusal);
  co_return !ec;
}

awaitable<void> LingeringClose(Connection& c, std::uint64_t max_bytes,
                               std::chrono::milliseconds max_time) {
  beast::error_code ec;
  c.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::array<char, 65536> sink;
  std::uint64_t total = 0;
  const auto deadline = std::chrono::steady_clock::now() + max_time;
  while (!ec && total < max_bytes) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) break;
    c.stream.expires_after(
        std::min<std::chrono::steady_clock::duration>(left, std::chrono::seconds(5)));
    auto [rec, n] = co_await c.stream.async_read_some(net::buffer(sink), kNoThrow);
    ec = rec;
    total += n;
  }
  c.stream.socket().close(ec);
}

}  // namespace signet::server

#include "server/connection.h"

#include <array>

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
                              const Exchange& exchange, api::Response res, bool keep) {
  http::response<http::string_body> msg;
  msg.version(11);
  msg.result(static_cast<unsigned>(res.status));
  CopyHeaders(res.headers, msg.base());
  const std::size_t bytes = res.body.size();
  msg.body() = std::move(res.body);
  msg.keep_alive(keep);
  msg.prepare_payload();
  c.stream.expires_after(timeout);
  auto [ec, n] = co_await http::async_write(c.stream, msg, kNoThrow);
  log.Record(c.remote, exchange, res.status, bytes);
  co_return !ec;
}

awaitable<void> LingeringClose(Connection& c) {
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

}  // namespace signet::server

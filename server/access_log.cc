#include "server/access_log.h"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include "protocol/time.h"

namespace signet::server {
namespace {

std::string Quoted(std::string_view s) {
  return boost::json::serialize(boost::json::string(s.begin(), s.end()));
}

}  // namespace

std::string AccessLog::Line(std::chrono::system_clock::time_point time, std::string_view remote,
                            const Exchange& exchange, int status, std::size_t bytes,
                            double duration_ms) {
  // Built field by field rather than as a json::object so the numbers keep
  // their plain form (Boost.JSON writes doubles as 1.234E0).
  return fmt::format(
      "{{\"time\":\"{}\",\"remote\":{},\"method\":{},\"target\":{},\"route\":{},\"status\":{},"
      "\"bytes\":{},\"duration_ms\":{:.3f}}}\n",
      protocol::FormatRfc3339Utc(
          std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count(),
          protocol::TimeFraction::kMillis),
      Quoted(remote), Quoted(exchange.method), Quoted(exchange.target), Quoted(exchange.route),
      status, bytes, duration_ms);
}

void AccessLog::Record(std::string_view remote, const Exchange& exchange, int status,
                       std::size_t bytes, std::string_view refusal) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - exchange.start).count();
  if (!exchange.method.empty() || !refusal.empty()) {
    handler_.Observe({exchange.method, exchange.route, status, seconds, refusal});
  }
  if (!sink_) return;
  sink_(Line(std::chrono::system_clock::now(), remote, exchange, status, bytes, seconds * 1000));
}

}  // namespace signet::server

#include "server/access_log.h"

#include <fmt/format.h>
#include <time.h>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace signet::server {
namespace {

std::string Rfc3339Millis(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

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
      Rfc3339Millis(time), Quoted(remote), Quoted(exchange.method), Quoted(exchange.target),
      Quoted(exchange.route), status, bytes, duration_ms);
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

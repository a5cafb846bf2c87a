#include "api/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace signet::api {
namespace {

// Label values are templates and methods; escape anyway (\, ", newline).
std::string Escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

Metrics::Metrics()
    : bounds_{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10} {}

void Metrics::Observe(std::string_view method, std::string_view route, int status, double seconds) {
  std::string r = route.empty() ? std::string("unmatched") : std::string(route);
  std::lock_guard lock(mu_);
  ++requests_[{std::string(method), r, status}];
  Histogram& h = latency_[{std::string(method), r}];
  if (h.buckets.empty()) h.buckets.assign(bounds_.size(), 0);
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), seconds);
  if (it != bounds_.end()) ++h.buckets[static_cast<std::size_t>(it - bounds_.begin())];
  ++h.count;
  h.sum += seconds;
}

void Metrics::Refused(std::string_view reason) {
  std::lock_guard lock(mu_);
  auto it = refusals_.find(reason);
  if (it == refusals_.end()) it = refusals_.emplace(std::string(reason), 0).first;
  ++it->second;
}

std::string Metrics::Render(const std::vector<std::pair<std::string, double>>& gauges) const {
  std::string out;
  {
    std::lock_guard lock(mu_);
    out +=
        "# HELP signet_http_requests_total HTTP requests answered, by method, route and status.\n";
    out += "# TYPE signet_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      const auto& [method, route, status] = key;
      out +=
          fmt::format("signet_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                      Escape(method), Escape(route), status, n);
    }
    out +=
        "# HELP signet_http_refusals_total Requests and connections the transport refused, by "
        "reason (connections, connections_per_client, rate, streams, streams_per_client, "
        "body_memory).\n";
    out += "# TYPE signet_http_refusals_total counter\n";
    for (const auto& [reason, n] : refusals_) {
      out += fmt::format("signet_http_refusals_total{{reason=\"{}\"}} {}\n", Escape(reason), n);
    }
    out +=
        "# HELP signet_http_request_duration_seconds Time from request head to last byte "
        "written.\n";
    out += "# TYPE signet_http_request_duration_seconds histogram\n";
    for (const auto& [key, h] : latency_) {
      std::string labels =
          fmt::format("method=\"{}\",route=\"{}\"", Escape(key.first), Escape(key.second));
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < bounds_.size(); ++i) {
        cumulative += h.buckets[i];
        out += fmt::format("signet_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n",
                           labels, bounds_[i], cumulative);
      }
      out += fmt::format("signet_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n",
                         labels, h.count);
      out += fmt::format("signet_http_request_duration_seconds_sum{{{}}} {}\n", labels, h.sum);
      out += fmt::format("signet_http_request_duration_seconds_count{{{}}} {}\n", labels, h.count);
    }
  }
  std::string last_type;
  for (const auto& [name, value] : gauges) {
    std::string base = name.substr(0, name.find('{'));
    if (base != last_type) {
      out += fmt::format("# TYPE {} gauge\n", base);
      last_type = base;
    }
    out += fmt::format("{} {}\n", name, value);
  }
  return out;
}

}  // namespace signet::api

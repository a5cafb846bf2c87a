#include "api/metrics.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

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

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            double value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
}

// The process collector's metrics, as Prometheus client libraries name
// them, from /proc/self (proc(5)); a family whose file cannot be read is
// left out rather than reported as 0.
void AppendProcessMetrics(std::string& out) {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // Fields after the parenthesised command name (which may hold spaces).
  std::size_t close = stat.rfind(')');
  if (close != std::string::npos && ticks > 0) {
    std::istringstream fields(stat.substr(close + 2));
    std::vector<std::string> f((std::istream_iterator<std::string>(fields)),
                               std::istream_iterator<std::string>());
    // f[0] is field 3 (state): utime 14, stime 15, starttime 22, vsize 23, rss 24.
    if (f.size() > 21) {
      double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
      Family(out, "process_cpu_seconds_total", "counter",
             "Total user and system CPU time spent in seconds.", cpu);
      std::ifstream uptime_file("/proc/uptime");
      double uptime = 0;
      if (uptime_file >> uptime) {
        double since_boot = std::stod(f[19]) / ticks;
        double now =
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        Family(out, "process_start_time_seconds", "gauge",
               "Start time of the process since unix epoch in seconds.",
               std::floor(now - uptime + since_boot));
      }
      Family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
             std::stod(f[20]));
      Family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
             std::stod(f[21]) * page);
    }
  }
  std::error_code ec;
  std::size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  if (!ec) Family(out, "process_open_fds", "gauge", "Number of open file descriptors.", fds);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    Family(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
           static_cast<double>(limit.rlim_cur));
  }
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

std::string Metrics::Render(const std::vector<Gauge>& gauges) const {
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
  std::string last_family;
  for (const Gauge& g : gauges) {
    std::string family = g.name.substr(0, g.name.find('{'));
    if (family != last_family) {
      out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", family, g.help, family);
      last_family = family;
    }
    out += fmt::format("{} {}\n", g.name, g.value);
  }
  AppendProcessMetrics(out);
  out += "# HELP signet_build_info The running signetd's version.\n";
  out += "# TYPE signet_build_info gauge\n";
  out += fmt::format("signet_build_info{{version=\"{}\"}} 1\n", Escape(SIGNET_VERSION));
  return out;
}

}  // namespace signet::api

// Request metrics in the Prometheus text exposition format (version 0.0.4):
// a counter of requests by method, route template and status, and a latency
// histogram by method and route. Routes are templates ("/v1/works/{id}"), never
// raw paths, so the number of series stays bounded.
//
// Thread safety: Observe and Render may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace signet::api {

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void Observe(std::string_view method, std::string_view route, int status, double seconds);
  // Counts a request the transport refused (api::Completed::refusal), as
  // signet_http_refusals_total{reason}.
  void Refused(std::string_view reason);

  struct Gauge {
    std::string name;  // may carry {labels}; HELP/TYPE use the name up to '{'
    std::string help;  // of the metric family; the first series' help is used
    double value = 0;
  };
  // The request series, then `gauges` (each family with # HELP and # TYPE
  // gauge; series of one family must be adjacent), then the process metrics
  // Prometheus clients export (process_cpu_seconds_total,
  // process_resident_memory_bytes, process_virtual_memory_bytes,
  // process_open_fds, process_max_fds, process_start_time_seconds, from
  // /proc/self) and signet_build_info{version} 1. Every family has HELP and
  // TYPE, as `promtool check metrics` requires.
  std::string Render(const std::vector<Gauge>& gauges) const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;  // cumulative counts are computed on render
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> latency_;
  std::map<std::string, std::uint64_t, std::less<>> refusals_;
};

}  // namespace signet::api

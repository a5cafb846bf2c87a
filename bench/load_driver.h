// The benchmarks' load loop: C client threads, each sending one request
// after the other for a bounded time, every request timed; what came back is
// summed up as requests, ok answers, found answers, the first answer that was
// not ok, and the latency percentiles. Shared by signet_bench and
// signet_cluster_bench; how a client sends (one port, several nodes) is theirs.
//
// Thread safety: RunClients runs its own threads and returns after joining them.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace signet::bench {

// p in [0, 1] of the values (sorted in place).
inline double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

struct Rate {
  std::size_t requests = 0, ok = 0, found = 0;
  std::string other;  // the first answer that was not ok, for the report
  double seconds = 0, p50_ms = 0, p99_ms = 0, max_ms = 0;
  double per_second() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
};

// What one request of a client gave.
struct Outcome {
  bool ok = false;
  bool found = false;
  std::string other;  // !ok: what came back instead
};

// `make_client(c)` returns client c's step: step(n) sends request n and says
// what it gave, or nullopt when the client has nothing more to send. Clients
// stop after `seconds`; each waits `pause` (untimed) between its requests (a
// paced probe rather than a load).
template <typename MakeClient>
Rate RunClients(int clients, double seconds, MakeClient make_client,
                std::chrono::microseconds pause = {}) {
  using Clock = std::chrono::steady_clock;
  std::mutex mu;
  std::vector<double> latencies;
  Rate rate;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> pool;
  for (int c = 0; c < clients; ++c) {
    pool.emplace_back([&, c] {
      auto step = make_client(c);
      std::vector<double> mine;
      Rate part;
      for (std::size_t n = 0; Clock::now() < end; ++n) {
        if (n > 0 && pause.count() > 0) std::this_thread::sleep_for(pause);
        const auto t0 = Clock::now();
        std::optional<Outcome> o = step(n);
        if (!o) break;
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        part.ok += o->ok;
        part.found += o->found;
        if (!o->ok && part.other.empty()) part.other = o->other;
      }
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      rate.ok += part.ok;
      rate.found += part.found;
      if (rate.other.empty()) rate.other = part.other;
    });
  }
  for (auto& t : pool) t.join();
  rate.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  rate.requests = latencies.size();
  rate.p50_ms = Percentile(latencies, 0.50);
  rate.p99_ms = Percentile(latencies, 0.99);
  rate.max_ms = latencies.empty() ? 0 : latencies.back();  // sorted by Percentile
  return rate;
}

}  // namespace signet::bench

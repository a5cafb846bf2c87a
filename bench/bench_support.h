// signet_bench's parts that are not phases: the pre-signed registrations it
// sends (generated once per size and cached on disk, since signing a million
// 3.5-minute prints takes minutes), closed-loop HTTP clients with latency
// percentiles, and readings of signetd's memory and /metrics. Bench-only.
//
// Thread safety: a StatementReader belongs to one thread; Hammer runs its own.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bench/load_driver.h"
#include "tests/server/test_client.h"

namespace signet::bench {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t);

// Recording i: synthetic seed 0x5167 + i, `positions` sub-fingerprints,
// titled "synthetic i", registered by client i % clients (artist seed byte =
// client). Its 10 s query excerpt starts at QueryOffset(i).
std::vector<std::uint32_t> Recording(std::size_t i, std::size_t positions);
std::size_t QueryOffset(std::size_t i, std::size_t positions);
std::vector<std::uint32_t> Excerpt(std::size_t i, std::size_t positions, std::size_t length);
std::string MatchBody(const std::vector<std::uint32_t>& values);
std::string Title(std::size_t i);

// Per registration client c, the file DIR/client-<c>.bin of [u32 length]
// [envelope] records: artist c's artist.register, then the work.register of
// every recording i with i % clients == c, in seq order. DIR/meta.txt names
// the parameters; a cache of other parameters is replaced.
struct StatementCache {
  std::filesystem::path dir;
  std::size_t recordings = 0, positions = 0, clients = 0;
  bool reused = false;
  double seconds = 0;  // generation time (0 when reused)
};
StatementCache PrepareStatements(const std::filesystem::path& dir, std::size_t recordings,
                                 std::size_t positions, std::size_t clients, int threads);

class StatementReader {
 public:
  StatementReader(const StatementCache& cache, std::size_t client);
  ~StatementReader();
  StatementReader(const StatementReader&) = delete;
  StatementReader& operator=(const StatementReader&) = delete;
  // The next envelope; false at the end.
  bool Next(std::string& out);

 private:
  std::FILE* f_ = nullptr;
};

// `clients` keep-alive connections POSTing body(client, n) to `target` until
// `seconds` pass or body() returns empty; a reply counts as ok when its
// status is `ok_status`, as found when found(reply, client, n). `pause`
// between requests of a client (a paced probe rather than a load).
Rate Hammer(std::uint16_t port, int clients, double seconds, const std::string& target,
            int ok_status, const std::function<std::string(int, std::size_t)>& body,
            const std::function<bool(const testing::HttpReply&, int, std::size_t)>& found,
            std::chrono::microseconds pause = {});

// signetd's /proc/PID/status field in kB ("VmHWM", "VmRSS"), 0 if unreadable.
std::uint64_t ProcStatusKb(pid_t pid, const std::string& field);
// CPU time (user + system) of process `pid` so far, in seconds; 0 if unreadable.
double ProcCpuSeconds(pid_t pid);
// A gauge of /metrics, nullopt when absent.
std::optional<double> Metric(std::uint16_t port, const std::string& name);
// Bytes under `dir`.
std::uint64_t DiskBytes(const std::filesystem::path& dir);

}  // namespace signet::bench

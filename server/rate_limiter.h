// Per-client limits: a token bucket of requests per client, a count of open
// connections per client IP and a count of streaming requests per client.
// Answers how long to wait (for Retry-After) instead of a bare no. The
// defaults protect the service from one address (10,000 idle sockets, a
// request flood, every stream slot) while staying far above what a heavy
// legitimate client uses: the CLI's parallel `check` holds one stream and a
// few connections; a load balancer is named in trusted_proxies and counted
// per client behind it (server/trusted_proxies.h).
//
// Memory is bounded: buckets that have refilled completely carry no state and
// are dropped when the table grows past max_clients; if every tracked client is
// active, the least recently seen is dropped.
//
// Thread safety: all methods may be called from any thread (one mutex).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace signet::server {

struct RateLimitOptions {
  double requests_per_second = 1000;             // 0: no request rate limit
  double burst = 0;                              // bucket size; defaults to 2 s worth
  std::size_t max_connections_per_client = 256;  // 0: no per-client connection limit
  std::size_t max_streams_per_client = 2;        // 0: no per-client stream limit
  std::size_t max_clients = 100000;
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(RateLimitOptions options);

  // Takes one token for `client`. nullopt when allowed, else the whole
  // number of seconds (>= 1) after which a token will be there.
  std::optional<int> Acquire(const std::string& client, Clock::time_point now = Clock::now());

  // Counts a connection; false (and nothing counted) when the client is at its limit.
  bool OpenConnection(const std::string& client);
  // REQUIRES: a matching successful OpenConnection.
  void CloseConnection(const std::string& client);

  // Counts a streaming request; false (and nothing counted) when the client
  // already runs max_streams_per_client.
  bool OpenStream(const std::string& client);
  // REQUIRES: a matching successful OpenStream.
  void CloseStream(const std::string& client);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
  };
  void Prune(Clock::time_point now);

  RateLimitOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::unordered_map<std::string, std::size_t> connections_;
  std::unordered_map<std::string, std::size_t> streams_;
};

}  // namespace signet::server

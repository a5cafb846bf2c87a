#include "server/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace signet::server {

RateLimiter::RateLimiter(RateLimitOptions options) : options_(options) {
  if (options_.burst <= 0) options_.burst = std::max(1.0, 2 * options_.requests_per_second);
}

void RateLimiter::Prune(Clock::time_point now) {
  const double rate = options_.requests_per_second;
  std::erase_if(buckets_, [&](const auto& kv) {
    double refilled =
        kv.second.tokens + rate * std::chrono::duration<double>(now - kv.second.last).count();
    return refilled >= options_.burst;
  });
  if (buckets_.size() < options_.max_clients) return;
  auto oldest =
      std::min_element(buckets_.begin(), buckets_.end(),
                       [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
  buckets_.erase(oldest);
}

std::optional<int> RateLimiter::Acquire(const std::string& client, Clock::time_point now) {
  const double rate = options_.requests_per_second;
  if (rate <= 0) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.max_clients) Prune(now);
    it = buckets_.emplace(client, Bucket{options_.burst, now}).first;
  }
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(options_.burst, b.tokens + rate * std::max(0.0, elapsed));
  b.last = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / rate)));
}

namespace {

bool Open(std::unordered_map<std::string, std::size_t>& counts, const std::string& client,
          std::size_t limit) {
  std::size_t& n = counts[client];
  if (limit > 0 && n >= limit) {
    if (n == 0) counts.erase(client);
    return false;
  }
  ++n;
  return true;
}

void Close(std::unordered_map<std::string, std::size_t>& counts, const std::string& client) {
  auto it = counts.find(client);
  if (it == counts.end()) return;
  if (--it->second == 0) counts.erase(it);
}

}  // namespace

bool RateLimiter::OpenConnection(const std::string& client) {
  std::lock_guard lock(mu_);
  return Open(connections_, client, options_.max_connections_per_client);
}

void RateLimiter::CloseConnection(const std::string& client) {
  std::lock_guard lock(mu_);
  Close(connections_, client);
}

bool RateLimiter::OpenStream(const std::string& client) {
  std::lock_guard lock(mu_);
  return Open(streams_, client, options_.max_streams_per_client);
}

void RateLimiter::CloseStream(const std::string& client) {
  std::lock_guard lock(mu_);
  Close(streams_, client);
}

}  // namespace signet::server

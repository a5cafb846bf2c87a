// The sequencer lease (docs/CLUSTER.md "One sequencer at a time"): one key in
// a JetStream key-value bucket, {"node": ID, "expires_ms": T} (T in Unix ms),
// taken and renewed only by compare-and-set on the entry's revision. A node
// takes it when it is absent or its holder let it expire, renews it every
// ttl / 3 while it holds it, and considers it lost when someone else wrote
// the key or when it could not renew for a whole ttl (it cannot reach a
// quorum). The lease decides who tries to append; the stream's expected
// last sequence check is what keeps two holders from both appending.
//
// Thread safety: Tick and Release are called by one thread (the node's
// control loop); held() and holder() may be read from any thread.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace signet::cluster {

class Lease {
 public:
  struct Options {
    std::string node_id;
    std::chrono::milliseconds ttl{3000};
    // Unix time in ms: expiry times are compared across nodes.
    std::function<std::int64_t()> wall_ms;
  };
  // REQUIRES: `kv` outlives the lease.
  Lease(kvStore* kv, std::string key, Options options);

  // One step: renews the lease if held and due, else takes it if free.
  // Call it every ttl / 12 or so.
  void Tick();
  // Gives the lease up (writes it expired, if still ours) so that another
  // node takes over at once: a clean shutdown.
  void Release();

  // Held, and renewed less than 5/6 of a ttl ago (counted from when the
  // renewal was sent).
  bool held() const;
  // The node holding the lease as last read ("" when nobody holds it).
  std::string holder() const;

 private:
  std::string Value(std::int64_t now_ms) const;
  void Take(std::uint64_t revision, std::int64_t now_ms);
  void Renewed(std::uint64_t revision, std::chrono::steady_clock::time_point sent);

  kvStore* kv_;
  const std::string key_;
  const Options options_;
  using Steady = std::chrono::steady_clock;

  // Touched by the Tick thread only.
  std::uint64_t revision_ = 0;
  Steady::time_point renewed_{};

  std::atomic<bool> held_{false};
  std::atomic<std::int64_t> held_until_{0};  // steady ns: renewed_ + 5/6 ttl
  mutable std::mutex holder_mu_;
  std::string holder_;
};

}  // namespace signet::cluster

// StreamFollower: every node's side of the replicated log. A thread reads the
// stream with an ordered JetStream consumer starting after the registry's
// log size (stream sequence s holds log index s - 1, cluster/wire.h), decodes
// the records and hands them in batches to Registry::ApplyReplicated, which
// applies them in the same synced batch as the new log size: a restarted node
// resumes exactly where it stopped. Its own messages come back to the
// sequencer and are skipped there. A broken subscription (NATS lost its
// quorum, a leader moved, a record did not apply) is dropped and made again
// from the registry's size half a second later.
//
// Thread safety: Start/Stop from one thread; the readers from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/nats_client.h"
#include "registry/registry.h"

namespace signet::cluster {

class StreamFollower {
 public:
  struct Options {
    std::string stream;
    std::string subject;
    std::size_t max_batch = 1024;  // records per ApplyReplicated
  };
  // REQUIRES: `nats` and `registry` outlive the follower.
  StreamFollower(const NatsClient& nats, registry::Registry& registry, Options options);
  ~StreamFollower();  // Stop()
  StreamFollower(const StreamFollower&) = delete;
  StreamFollower& operator=(const StreamFollower&) = delete;

  Status Start();
  void Stop();

  // The stream's last sequence as last seen (from a delivered message or
  // note_head), i.e. the log size this node is heading for.
  std::uint64_t head() const { return head_; }
  void note_head(std::uint64_t head);
  // The last error that broke the subscription ("" when none since).
  std::string last_error() const;

 private:
  void Run();
  Status Subscribe(SubPtr& sub);
  // Reads what is queued (waiting up to `wait` for the first) and applies it.
  Status Pump(natsSubscription* sub, std::chrono::milliseconds wait);
  void set_error(const Status& st);

  const NatsClient& nats_;
  registry::Registry& registry_;
  const Options options_;
  JsPtr js_;
  std::atomic<std::uint64_t> head_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace signet::cluster

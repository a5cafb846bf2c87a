// StreamWriter: the sequencer's side of the replicated log, the registry's
// Replicator (registry/replication.h) over a JetStream stream. It publishes a
// commit group's statements asynchronously, each message expecting the one
// before it (Nats-Expected-Last-Sequence = its log index, since stream
// sequence s holds log index s - 1), and reports success only when JetStream
// acknowledged every one of them, i.e. a quorum stored them. A stale
// sequencer's publish fails that check: the stream itself fences it.
//
// The node's control loop tells it whether this node holds the lease
// (set_leader) and, after checking the stream's last sequence against the
// local log, that it is caught up (set_caught_up). Any failed group clears
// caught-up again: some of its messages may be stored.
//
// Thread safety: MayDecide and Replicate run on the registry's writer thread;
// the setters and state readers from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cluster/nats_client.h"
#include "registry/replication.h"

namespace signet::cluster {

class StreamWriter : public registry::Replicator {
 public:
  struct Options {
    std::string stream;   // JetStream stream name
    std::string subject;  // its subject
    std::chrono::milliseconds ack_timeout{std::chrono::seconds(5)};
  };
  // REQUIRES: `nats` outlives the writer.
  static Result<std::unique_ptr<StreamWriter>> Create(const NatsClient& nats, Options options);
  ~StreamWriter() override;

  Status MayDecide(std::uint64_t log_size) override;
  Status Replicate(std::span<const registry::Replicated> group) override;

  // Losing the lease also forgets being caught up: another sequencer may
  // append before this node holds it again.
  void set_leader(bool leader) {
    leader_ = leader;
    if (!leader) caught_up_ = false;
  }
  // The stream ends at `position` and the local log holds as many statements.
  void set_caught_up(std::uint64_t position);
  bool caught_up() const { return caught_up_; }
  // Statements the writer has stored in the stream (its expected position).
  std::uint64_t position() const { return position_; }

 private:
  struct Group;
  StreamWriter(const NatsClient& nats, Options options);
  static void OnAck(jsCtx* js, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure);

  const NatsClient& nats_;
  const Options options_;
  JsPtr js_;
  std::atomic<bool> leader_{false};
  std::atomic<bool> caught_up_{false};
  std::atomic<std::uint64_t> position_{0};

  std::mutex mu_;  // guards groups_ and each group's state
  std::condition_variable cv_;
  std::uint64_t next_group_ = 1;
  std::map<std::uint64_t, std::shared_ptr<Group>> groups_;
};

}  // namespace signet::cluster

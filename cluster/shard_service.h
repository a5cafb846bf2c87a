// The fan-out of fingerprint searches across the cluster (docs/CLUSTER.md):
//
//   ShardClient  sends one request per shard to <prefix>.<k>.search, where
//                the replicas of shard k form the queue group "shard-<k>" so
//                that NATS hands it to one live replica; waits for all of them
//                up to a timeout, asks once more for the shards that did not
//                answer, and says per shard what came back. A shard with no
//                live replica answers "no responders" at once. Requests share
//                one inbox subscription (one wildcard, a token per request).
//   ShardServer  answers for the shards this node indexes, on a small pool of
//                search threads. A dispute search first waits (bounded) until
//                this node has applied the log size the sequencer asked for.
//
// Formats: cluster/wire.h "Shard search". Thread safety: both are
// thread-safe; Search may be called from many threads at once.
#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/nats_client.h"
#include "cluster/wire.h"

namespace signet::cluster {

class ShardClient {
 public:
  // REQUIRES: `nats` outlives the client.
  static Result<std::unique_ptr<ShardClient>> Create(const NatsClient& nats,
                                                     std::string subject_prefix,
                                                     std::chrono::milliseconds timeout);
  ~ShardClient();
  ShardClient(const ShardClient&) = delete;
  ShardClient& operator=(const ShardClient&) = delete;

  // One request per shard of `shards`; the answers in the same order. A shard
  // whose replicas are all gone is Unavailable ("no live replica").
  // `meanwhile` (optional) runs on this thread once the requests are out,
  // while the replicas search: the caller's own shards.
  std::vector<Result<SearchReply>> Search(SearchKind kind, std::uint64_t as_of,
                                          std::span<const fp::QueryVariant> variants,
                                          std::span<const std::uint32_t> shards,
                                          const std::function<void()>& meanwhile = {});

  static std::string Subject(const std::string& prefix, std::uint32_t shard) {
    return prefix + "." + std::to_string(shard) + ".search";
  }

 private:
  struct Call;
  ShardClient(const NatsClient& nats, std::string prefix, std::chrono::milliseconds timeout)
      : nats_(nats), prefix_(std::move(prefix)), timeout_(timeout) {}
  static void OnReply(natsConnection*, natsSubscription*, natsMsg* msg, void* closure);

  const NatsClient& nats_;
  const std::string prefix_;
  const std::chrono::milliseconds timeout_;
  std::string inbox_;  // replies come to inbox_.<token>
  SubPtr sub_;
  std::mutex mu_;
  std::uint64_t next_token_ = 1;
  std::map<std::uint64_t, std::pair<Call*, std::size_t>> waiting_;  // token -> (call, slot)
};

class ShardServer {
 public:
  // Answers a request for one of this node's shards (the caller checked it).
  using Searcher = std::function<Result<SearchReply>(const SearchRequest&)>;
  struct Options {
    std::string subject_prefix;
    int threads = 2;
    // How long a dispute search waits for this node to catch up.
    std::chrono::milliseconds catch_up_wait{std::chrono::seconds(2)};
  };
  // REQUIRES: `nats` outlives the server.
  ShardServer(const NatsClient& nats, Options options, Searcher searcher,
              std::function<std::uint64_t()> log_size);
  ~ShardServer();  // Stop()
  ShardServer(const ShardServer&) = delete;
  ShardServer& operator=(const ShardServer&) = delete;

  // Joins the queue group of each shard.
  Status Start(std::span<const std::uint32_t> shards);
  // Leaves them; requests in flight are answered first.
  void Stop();
  bool serving() const { return !subs_.empty(); }

 private:
  static void OnRequest(natsConnection*, natsSubscription*, natsMsg* msg, void* closure);
  void Answer(MsgPtr msg);

  const NatsClient& nats_;
  const Options options_;
  const Searcher searcher_;
  const std::function<std::uint64_t()> log_size_;
  std::mutex pool_mu_;  // NATS delivers on its threads while Stop runs
  std::unique_ptr<boost::asio::thread_pool> pool_;
  std::vector<SubPtr> subs_;
};

}  // namespace signet::cluster

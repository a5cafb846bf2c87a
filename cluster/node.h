// ClusterNode: one signetd in a cluster (docs/CLUSTER.md). It owns the NATS
// connection, the node's Registry (opened with the sharded index and the
// stream writer as its hooks), and the parts that run beside it:
//
//   StreamFollower   applies the stream to the registry, on every node;
//   Lease            who may decide; the control loop (a thread, every 100 ms)
//                    takes or renews it, and when this node holds it and has
//                    applied the stream up to its last sequence, makes it the
//                    sequencer: the stream writer may decide, the sharded
//                    index keeps recent works, and it serves forwarded writes;
//   ShardServer      answers searches for this node's shards once it has
//                    caught up with the stream after starting;
//   WriteForwarder   sends writes that reach a follower to the sequencer.
//
// Start order: Open (connect, create or check the stream and buckets, join the
// shard map, check the log key, open the registry), then Serve once the API
// exists (it answers forwarded writes), then Stop (gives the lease up at once).
//
// Thread safety: Open/Serve/Stop from one thread; everything else from any.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/http.h"
#include "cluster/shard_map.h"
#include "common/status.h"
#include "registry/registry.h"

namespace signet::cluster {

class NatsClient;
class Lease;
class ShardClient;
class ShardServer;
class ShardedIndex;
class StreamFollower;
class StreamWriter;
class WriteForwarder;
class WriteService;
struct Resources;

struct ClusterOptions {
  std::vector<std::string> nats_urls;
  std::string node_id;
  std::string name = "signet";        // prefix of the stream, buckets and subjects
  std::uint32_t shards = 2;           // when the shard map is created
  std::uint32_t shards_per_node = 1;  // how many this node indexes
  int stream_replicas = 3;
  std::chrono::milliseconds lease_ttl{3000};
  std::chrono::milliseconds search_timeout{1000};
  std::chrono::milliseconds forward_timeout{10000};
  int write_threads = 64;  // forwarded writes served at once (they wait on commits)
  int search_threads = 2;  // shard searches answered at once
  // Waiting for JetStream (a fresh NATS cluster elects its leaders first).
  std::chrono::milliseconds startup_timeout{std::chrono::seconds(60)};
};

// What /healthz says about the node.
struct NodeHealth {
  std::string node_id;
  bool sequencer = false;
  std::string lease_holder;  // "" when nobody holds it
  std::uint64_t log_size = 0;
  std::uint64_t stream_head = 0;
  bool nats_connected = false;
  bool serving_shards = false;
  ShardMap shard_map;
  std::vector<std::uint32_t> indexed;
  std::string last_error;  // of the stream follower
};

class ClusterNode {
 public:
  // `registry_options` has the key, origin and index settings; the node adds
  // its hooks. `registry_dir` is the RocksDB directory.
  static Result<std::unique_ptr<ClusterNode>> Open(ClusterOptions options,
                                                   registry::RegistryOptions registry_options,
                                                   const std::filesystem::path& registry_dir);
  ~ClusterNode();  // Stop()
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  registry::Registry& registry() { return *registry_; }

  // Starts following the stream, the lease and the shard searches; forwarded
  // writes are answered by `api`, which must outlive Stop().
  Status Serve(api::Handler& api);
  // Gives the lease up, stops serving, stops following. Idempotent.
  void Stop();

  bool sequencer() const;
  // A follower's write, sent to the sequencer.
  api::Response Forward(const api::Request& request) const;
  NodeHealth health() const;
  std::uint64_t stream_head() const;
  std::int64_t max_payload() const;

 private:
  explicit ClusterNode(ClusterOptions options);
  Status Connect(registry::RegistryOptions registry_options,
                 const std::filesystem::path& registry_dir);
  Status UntilDone(const std::function<Result<bool>()>& step, std::string_view what);
  Status JoinShardMap();
  Status CheckLogKey(const std::string& verifier_key);
  void ControlLoop();
  void Step();

  const ClusterOptions options_;
  std::unique_ptr<NatsClient> nats_;
  std::unique_ptr<Resources> res_;  // JetStream context and buckets
  mutable std::mutex map_mu_;       // map_ is read again every few seconds
  ShardMap map_;
  std::vector<std::uint32_t> mine_;
  std::unique_ptr<ShardClient> shard_client_;
  std::unique_ptr<ShardedIndex> index_;
  std::unique_ptr<StreamWriter> writer_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<StreamFollower> follower_;
  std::unique_ptr<Lease> lease_;
  std::unique_ptr<ShardServer> shard_server_;
  std::unique_ptr<WriteForwarder> forwarder_;
  std::unique_ptr<WriteService> write_service_;

  std::uint64_t start_head_ = 0;  // the stream's last sequence at Serve
  std::chrono::steady_clock::time_point served_at_{};
  std::atomic<bool> sequencer_{false};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread control_;
};

}  // namespace signet::cluster

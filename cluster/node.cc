#include "cluster/node.h"

#include <fmt/core.h>

#include <algorithm>
#include <functional>

#include "cluster/lease.h"
#include "cluster/nats_client.h"
#include "cluster/shard_service.h"
#include "cluster/sharded_index.h"
#include "cluster/stream_follower.h"
#include "cluster/stream_writer.h"
#include "cluster/write_forwarder.h"
#include "registry/log_signer.h"

namespace signet::cluster {

// The NATS resources, named from ClusterOptions::name (docs/CLUSTER.md).
struct Resources {
  std::string stream, subject, submit, shard_prefix, lease_bucket, cluster_bucket;
  JsPtr js;
  KvPtr lease, cluster;
};

namespace {

using Steady = std::chrono::steady_clock;

std::int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ClusterNode::ClusterNode(ClusterOptions options) : options_(std::move(options)) {}

ClusterNode::~ClusterNode() { Stop(); }

Result<std::unique_ptr<ClusterNode>> ClusterNode::Open(ClusterOptions options,
                                                       registry::RegistryOptions registry_options,
                                                       const std::filesystem::path& registry_dir) {
  if (options.node_id.empty()) {
    return Status::InvalidArgument("cluster.node_id is required in cluster mode");
  }
  std::unique_ptr<ClusterNode> node(new ClusterNode(std::move(options)));
  SIGNET_RETURN_IF_ERROR(node->Connect(std::move(registry_options), registry_dir));
  return node;
}

Status ClusterNode::Connect(registry::RegistryOptions ropts,
                            const std::filesystem::path& registry_dir) {
  const ClusterOptions& o = options_;
  SIGNET_ASSIGN_OR_RETURN(nats_, NatsClient::Connect({o.nats_urls, o.node_id, o.startup_timeout}));
  res_ = std::make_unique<Resources>();
  res_->stream = o.name + "_log";
  res_->subject = o.name + ".log";
  res_->submit = o.name + ".submit";
  res_->shard_prefix = o.name + ".shard";
  res_->lease_bucket = o.name + "_lease";
  res_->cluster_bucket = o.name + "_cluster";
  SIGNET_ASSIGN_OR_RETURN(res_->js, nats_->JetStream());
  SIGNET_RETURN_IF_ERROR(nats_->EnsureStream(res_->js.get(), res_->stream, res_->subject,
                                             o.stream_replicas, o.startup_timeout));
  SIGNET_ASSIGN_OR_RETURN(res_->lease,
                          nats_->EnsureBucket(res_->js.get(), res_->lease_bucket, o.stream_replicas,
                                              3 * o.lease_ttl, o.startup_timeout));
  SIGNET_ASSIGN_OR_RETURN(
      res_->cluster, nats_->EnsureBucket(res_->js.get(), res_->cluster_bucket, o.stream_replicas,
                                         std::chrono::milliseconds(0), o.startup_timeout));
  SIGNET_RETURN_IF_ERROR(JoinShardMap());
  {
    const std::string key_name =
        ropts.note_key_name.empty() ? ropts.log_origin : ropts.note_key_name;
    SIGNET_ASSIGN_OR_RETURN(
        auto signer, registry::LogSigner::Create(ropts.log_origin, key_name, *ropts.server_key));
    SIGNET_RETURN_IF_ERROR(CheckLogKey(signer.VerifierKey()));
  }

  SIGNET_ASSIGN_OR_RETURN(shard_client_,
                          ShardClient::Create(*nats_, res_->shard_prefix, o.search_timeout));
  ShardedIndex::Options io;
  io.shards = map_.shards;
  io.mine = mine_;
  io.index = ropts.index;
  io.matcher = ropts.matcher;
  index_ = std::make_unique<ShardedIndex>(std::move(io));
  index_->Connect(shard_client_.get(),
                  [this] { return registry_ ? registry_->LogSize() : std::uint64_t{0}; });
  SIGNET_ASSIGN_OR_RETURN(writer_, StreamWriter::Create(*nats_, {res_->stream, res_->subject}));
  ropts.index_backend = index_.get();
  ropts.replicator = writer_.get();
  SIGNET_ASSIGN_OR_RETURN(registry_, registry::Registry::Open(registry_dir, std::move(ropts)));
  follower_ = std::make_unique<StreamFollower>(
      *nats_, *registry_, StreamFollower::Options{res_->stream, res_->subject});
  lease_ = std::make_unique<Lease>(res_->lease.get(), "sequencer",
                                   Lease::Options{o.node_id, o.lease_ttl, WallMs});
  shard_server_ = std::make_unique<ShardServer>(
      *nats_, ShardServer::Options{res_->shard_prefix, o.search_threads},
      [this](const SearchRequest& r) { return index_->SearchShard(r); },
      [this] { return registry_->LogSize(); });
  forwarder_ = std::make_unique<WriteForwarder>(
      *nats_, WriteForwarder::Options{res_->submit, o.forward_timeout});
  return Status::Ok();
}

// Runs `step` until it is done (true) or fails with something other than
// Unavailable: a NATS cluster that has just started answers with timeouts
// until its JetStream leaders are elected.
Status ClusterNode::UntilDone(const std::function<Result<bool>()>& step, std::string_view what) {
  const auto deadline = Steady::now() + options_.startup_timeout;
  for (;;) {
    Result<bool> r = step();
    if (r.ok() && *r) return Status::Ok();
    if (!r.ok() && r.status().code() != Status::Code::kUnavailable) return r.status();
    if (Steady::now() >= deadline) {
      return r.ok() ? Status::Unavailable(std::string(what) + ": too many concurrent changes")
                    : r.status().WithContext(what);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(r.ok() ? 10 : 250));
  }
}

Status ClusterNode::JoinShardMap() {
  const std::string key = "shards";
  return UntilDone(
      [&]() -> Result<bool> {
        SIGNET_ASSIGN_OR_RETURN(auto current, KvGet(res_->cluster.get(), key));
        ShardMap m;
        std::uint64_t revision = 0;
        if (current) {
          SIGNET_ASSIGN_OR_RETURN(m, ShardMap::Decode(current->value));
          revision = current->revision;
        } else {
          m.shards = std::max<std::uint32_t>(1, options_.shards);
        }
        if (auto it = m.nodes.find(options_.node_id); it != m.nodes.end()) {
          mine_ = it->second;
          map_ = std::move(m);
          return true;
        }
        m.nodes[options_.node_id] = m.LeastReplicated(options_.shards_per_node);
        auto rev = KvSwap(res_->cluster.get(), key, m.Encode(), revision);
        // Written: read it back, the map as stored. Someone else was first: again.
        if (rev.ok() || rev.status().code() == Status::Code::kFailedPrecondition) return false;
        return rev.status();
      },
      "joining the shard map");
}

Status ClusterNode::CheckLogKey(const std::string& verifier_key) {
  const std::string key = "log_key";
  return UntilDone(
      [&]() -> Result<bool> {
        SIGNET_ASSIGN_OR_RETURN(auto current, KvGet(res_->cluster.get(), key));
        if (current) {
          if (current->value == verifier_key) return true;
          return Status::FailedPrecondition("this node's log key (" + verifier_key +
                                            ") is not the cluster's (" + current->value +
                                            "); every node must hold the same server.key");
        }
        auto rev = KvSwap(res_->cluster.get(), key, verifier_key, 0);
        if (rev.ok() || rev.status().code() == Status::Code::kFailedPrecondition) return false;
        return rev.status();
      },
      "recording the log key");
}

Status ClusterNode::Serve(api::Handler& api) {
  write_service_ =
      std::make_unique<WriteService>(*nats_, res_->submit, api, options_.write_threads);
  auto head = nats_->LastSequence(res_->js.get(), res_->stream);
  start_head_ = head.ok() ? *head : 0;
  follower_->note_head(start_head_);
  served_at_ = Steady::now();
  SIGNET_RETURN_IF_ERROR(follower_->Start());
  control_ = std::thread([this] { ControlLoop(); });
  return Status::Ok();
}

void ClusterNode::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (control_.joinable()) control_.join();
  sequencer_ = false;
  if (writer_) writer_->set_leader(false);
  if (lease_) lease_->Release();
  if (write_service_) write_service_->Stop();
  if (shard_server_) shard_server_->Stop();
  if (follower_) follower_->Stop();
  registry_.reset();  // flushes RocksDB before the NATS parts go
}

void ClusterNode::ControlLoop() {
  auto last_tick = Steady::time_point{};
  auto last_second = Steady::time_point{};
  while (!stop_) {
    const auto now = Steady::now();
    if (now - last_tick >= options_.lease_ttl / 12) {
      lease_->Tick();
      last_tick = now;
    }
    if (now - last_second >= std::chrono::seconds(1)) {
      // Followers learn the head from messages; an idle stream says it here.
      if (auto head = nats_->LastSequence(res_->js.get(), res_->stream); head.ok()) {
        follower_->note_head(*head);
      }
      index_->TrimRecent();
      // For /healthz: which nodes the map gives each shard now.
      if (auto m = KvGet(res_->cluster.get(), "shards"); m.ok() && *m) {
        if (auto decoded = ShardMap::Decode((*m)->value); decoded.ok()) {
          std::lock_guard lock(map_mu_);
          map_ = std::move(*decoded);
        }
      }
      last_second = now;
    }
    Step();
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_.load(); });
  }
}

void ClusterNode::Step() {
  const bool leader = lease_->held();
  writer_->set_leader(leader);
  if (leader && !writer_->caught_up()) {
    // Deciding needs the whole stream applied: its last sequence now, and
    // the local log at that size.
    auto head = nats_->LastSequence(res_->js.get(), res_->stream);
    if (head.ok()) {
      follower_->note_head(*head);
      if (registry_->LogSize() == *head) {
        index_->set_sequencer(true);
        writer_->set_caught_up(*head);
        if (Status st = write_service_->Start(); !st.ok()) {
          fmt::print(stderr, "signetd: cluster: {}\n", st.message());
        }
        if (!sequencer_) {
          fmt::print("signetd: cluster: {} is the sequencer at log size {}\n", options_.node_id,
                     *head);
          std::fflush(stdout);
        }
      }
    }
  }
  if (!leader && write_service_->serving()) {
    write_service_->Stop();
    index_->set_sequencer(false);
    fmt::print("signetd: cluster: {} is no longer the sequencer\n", options_.node_id);
    std::fflush(stdout);
  }
  sequencer_ = leader && writer_->caught_up();
  // Shard searches from a node that is far behind would miss recent works:
  // it serves once it has applied what the stream held when it started.
  if (!shard_server_->serving() && !mine_.empty() &&
      (registry_->LogSize() >= start_head_ ||
       Steady::now() - served_at_ > std::chrono::seconds(30))) {
    if (Status st = shard_server_->Start(mine_); !st.ok()) {
      fmt::print(stderr, "signetd: cluster: {}\n", st.message());
    }
  }
}

bool ClusterNode::sequencer() const { return sequencer_; }

api::Response ClusterNode::Forward(const api::Request& request) const {
  return forwarder_->Forward(request);
}

std::uint64_t ClusterNode::stream_head() const {
  return std::max(follower_->head(), registry_ ? registry_->LogSize() : 0);
}

std::int64_t ClusterNode::max_payload() const { return nats_->max_payload(); }

NodeHealth ClusterNode::health() const {
  NodeHealth h;
  h.node_id = options_.node_id;
  h.sequencer = sequencer_;
  h.lease_holder = lease_->holder();
  h.log_size = registry_ ? registry_->LogSize() : 0;
  h.stream_head = stream_head();
  h.nats_connected = nats_->connected();
  h.serving_shards = shard_server_->serving();
  {
    std::lock_guard lock(map_mu_);
    h.shard_map = map_;
  }
  h.indexed = mine_;
  h.last_error = follower_->last_error();
  return h;
}

}  // namespace signet::cluster

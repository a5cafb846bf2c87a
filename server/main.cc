// signetd: the Signet registry server. Wires the configuration, the server's
// log key (created in the data directory on first start, mode 0600), the
// registry (or, with cluster.nats_urls, a cluster node around it:
// docs/CLUSTER.md), the witness publisher (when witnesses are configured), the
// API, the web app in front of it and the HTTP transport; runs until
// SIGINT/SIGTERM, then drains in-flight requests, stops the publisher and closes
// the registry before exiting 0.
#include <fmt/core.h>
#include <fmt/ranges.h>
#include <nats/nats.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "api/api.h"
#include "cluster/cluster_handler.h"
#include "cluster/node.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "registry/registry.h"
#include "server/checkpoint_publisher.h"
#include "server/config.h"
#include "server/http_server.h"
#include "server/line_writer.h"
#include "web/web_app.h"

namespace {

using signet::Result;
using signet::Status;

// The server's Ed25519 log key: read it, or create it on first start.
Result<signet::crypto::SecretKey> LoadOrCreateKey(const std::filesystem::path& path,
                                                  bool& created) {
  created = false;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return signet::crypto::ReadSecretKeyFile(path);
  auto key = signet::crypto::SecretKey::Generate();
  if (!key.ok()) return key.status();
  SIGNET_RETURN_IF_ERROR(signet::crypto::WriteSecretKeyFile(path, *key));
  created = true;
  return key;
}

int Run(int argc, char** argv) {
  // A reader of stdout/stderr that goes away must not kill the server: writes
  // fail with EPIPE instead (sockets already send with MSG_NOSIGNAL).
  std::signal(SIGPIPE, SIG_IGN);
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--version") {
      fmt::print("signetd {}\n", SIGNET_VERSION);
      return 0;
    }
  }
  auto loaded =
      signet::server::LoadConfig(argc, argv, [](const char* n) { return std::getenv(n); });
  if (!loaded.ok()) {
    fmt::print(stderr, "signetd: {}\n", loaded.status().message());
    return 2;
  }
  if (!loaded->help.empty()) {
    fmt::print("{}", loaded->help);
    return 0;
  }
  signet::server::Config& config = loaded->config;

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    fmt::print(stderr, "signetd: cannot create data directory {}: {}\n", config.data_dir.string(),
               ec.message());
    return 1;
  }
  ::chmod(config.data_dir.c_str(), 0700);
  bool created = false;
  auto key = LoadOrCreateKey(config.data_dir / "server.key", created);
  if (!key.ok()) {
    fmt::print(stderr, "signetd: server key: {}\n", key.status().message());
    return 1;
  }
  auto signer_key = signet::crypto::SecretKey::FromSeed(key->seed());
  if (!signer_key.ok()) {
    fmt::print(stderr, "signetd: server key: {}\n", signer_key.status().message());
    return 1;
  }
  auto signer = signet::crypto::note::Signer::Create(config.log_origin, std::move(*signer_key));
  if (!signer.ok()) {
    fmt::print(stderr, "signetd: log_origin: {}\n", signer.status().message());
    return 1;
  }

  signet::registry::RegistryOptions ropts;
  ropts.log_origin = config.log_origin;
  ropts.server_key = std::make_shared<const signet::crypto::SecretKey>(std::move(*key));
  ropts.storage = config.storage;
  ropts.index = config.index;
  // A rebuild of the fingerprint index runs while the server answers (matches
  // say they are partial until it is done).
  ropts.wait_for_index = false;
  ropts.log = [](std::string_view line) {
    fmt::print(stderr, "signetd: {}\n", line);
    std::fflush(stderr);
  };
  // One machine, or one node of a cluster (docs/CLUSTER.md), which opens the
  // registry with its replication and sharding hooks.
  std::unique_ptr<signet::registry::Registry> standalone;
  std::unique_ptr<signet::cluster::ClusterNode> node;
  const std::filesystem::path registry_dir = config.data_dir / "registry";
  if (config.clustered()) {
    auto opened =
        signet::cluster::ClusterNode::Open(config.cluster, std::move(ropts), registry_dir);
    if (!opened.ok()) {
      fmt::print(stderr, "signetd: cannot join the cluster as {}: {}\n", config.cluster.node_id,
                 opened.status().ToString());
      return 1;
    }
    node = std::move(*opened);
  } else {
    auto opened = signet::registry::Registry::Open(registry_dir, std::move(ropts));
    if (!opened.ok()) {
      fmt::print(stderr, "signetd: cannot open the registry in {}: {}\n", registry_dir.string(),
                 opened.status().ToString());
      return 1;
    }
    standalone = std::move(*opened);
  }
  signet::registry::Registry& registry = node ? node->registry() : *standalone;

  // Witnesses cosign a checkpoint every checkpoint_interval_ms (crypto/LOG.md).
  // One machine only for now: a cluster node's registry is written by the
  // stream alone, and which node publishes the witnessed checkpoint (and how it
  // reaches the others) is not designed yet (docs/CLUSTER.md).
  if (node && !config.witnessing.witnesses.empty()) {
    fmt::print(stderr,
               "signetd: witnesses are not supported in cluster mode yet; unset the witness "
               "settings or cluster.nats_urls\n");
    return 1;
  }
  std::unique_ptr<signet::server::CheckpointPublisher> publisher;
  if (!config.witnessing.witnesses.empty()) {
    signet::registry::Registry& r = registry;
    signet::server::PublisherLog log;
    log.latest_checkpoint = [&r] { return r.Checkpoint(); };
    log.consistency_proof = [&r](std::uint64_t o, std::uint64_t n) {
      return r.ConsistencyProof(o, n);
    };
    log.published_checkpoint = [&r] { return r.WitnessedCheckpoint(); };
    log.publish = [&r](const std::string& note) { return r.PublishWitnessedCheckpoint(note); };
    config.witnessing.report = [](const std::string& m) { fmt::print(stderr, "signetd: {}\n", m); };
    publisher = std::make_unique<signet::server::CheckpointPublisher>(
        std::move(log), signer->verifier(), config.witnessing);
    config.api.witnessed_checkpoint = true;
    config.api.extra_gauges = [p = publisher.get()] { return p->Gauges(); };
  }

  signet::api::Api api(registry, &*signer, config.api);
  std::optional<signet::cluster::ClusterHandler> cluster_handler;
  if (node) cluster_handler.emplace(api, *node);
  signet::api::Handler& handler =
      cluster_handler ? static_cast<signet::api::Handler&>(*cluster_handler) : api;
  signet::web::WebApp app(handler);  // GET / and the app's files; everything else is the API's
  // The access log is written by a thread of its own: a slow reader of stderr
  // must not stall the I/O threads (server/line_writer.h).
  std::optional<signet::server::LineWriter> access_log;
  if (config.access_log) {
    access_log.emplace(STDERR_FILENO);
    config.server.access_log = [&access_log](std::string_view line) { access_log->Write(line); };
  }
  signet::server::HttpServer server(config.server, app);
  if (Status st = server.Listen(config.listen_host, config.listen_port); !st.ok()) {
    fmt::print(stderr, "signetd: {}\n", st.message());
    return 1;
  }
  server.HandleSignals();
  if (node) {
    if (Status st = node->Serve(api); !st.ok()) {
      fmt::print(stderr, "signetd: cluster: {}\n", st.message());
      return 1;
    }
  }
  auto stats = registry.GetStats();
  std::string host = config.listen_host.find(':') != std::string::npos
                         ? "[" + config.listen_host + "]"
                         : config.listen_host;
  fmt::print("signetd: listening on http://{}:{}\n", host, server.port());
  fmt::print("signetd: data in {} ({} key {}; log {} with {} statements, {} works indexed)\n",
             std::filesystem::absolute(config.data_dir).string(), created ? "created" : "loaded",
             (config.data_dir / "server.key").string(), config.log_origin, stats.statements,
             stats.indexed_works);
  if (node) {
    fmt::print("signetd: cluster node {} of {} ({} shards, indexing {})\n", config.cluster.node_id,
               config.cluster.name, node->health().shard_map.shards,
               fmt::join(node->health().indexed, ","));
  }
  if (publisher) {
    fmt::print("signetd: {} witnesses, {} cosignatures required, a checkpoint every {} ms\n",
               config.witnessing.witnesses.size(), config.witnessing.quorum,
               config.witnessing.interval.count());
    publisher->Start();
  }
  if (stats.search_index_backfilled_works > 0) {
    fmt::print("signetd: search index built for the {} works already stored ({:.1f} s)\n",
               stats.search_index_backfilled_works, stats.search_index_backfill_seconds);
  }
  std::fflush(stdout);

  server.Run();
  if (publisher) publisher->Stop();
  // Flushes and closes RocksDB after every handler returned; a cluster node
  // first gives its lease up and stops following the stream.
  if (node) node->Stop();
  node.reset();
  standalone.reset();
  if (config.clustered()) nats_Close();
  if (access_log) access_log->Close();
  if (access_log && access_log->dropped() > 0) {
    fmt::print(stderr, "signetd: {} access log lines dropped: stderr did not keep up\n",
               access_log->dropped());
  }
  fmt::print("signetd: stopped\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }

// signetd's configuration: where it listens, where its data is, and every
// limit of the transport and the API.
//
// Sources, later ones winning: built-in defaults; the config file given with
// --config (lines "key = value", '#' comments); environment variables
// SIGNET_<KEY> (upper case, '.' as '_', e.g. SIGNET_IO_THREADS,
// SIGNET_CLUSTER_NODE_ID); command-line flags
// (--data, --listen, --set key=value). The keys, their meaning and defaults
// are listed by `signetd --help` (kKeys in config.cc).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "api/api.h"
#include "cluster/node.h"
#include "common/status.h"
#include "fingerprint/index.h"
#include "registry/rocksdb_store.h"
#include "server/checkpoint_publisher.h"
#include "server/http_server.h"

namespace signet::server {

struct Config {
  std::filesystem::path data_dir = "./data";
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  // C2SP checkpoint origin (and signed-note key name) of the log.
  std::string log_origin = "signet.localhost/log";
  bool access_log = true;
  // Witnesses (`witness` lines) and the cadence of witnessed checkpoints.
  PublisherOptions witnessing;
  ServerOptions server;
  api::ApiOptions api;
  // RocksDB and the fingerprint index (the index's directory is DATA/registry/index).
  registry::RocksDbStoreOptions storage;
  fp::IndexOptions index;
  // Cluster mode (docs/CLUSTER.md) when cluster.nats_urls is set.
  cluster::ClusterOptions cluster;
  bool clustered() const { return !cluster.nats_urls.empty(); }
};

// Result of parsing the command line: either a config to run with, or a text
// to print (help) and exit 0.
struct LoadedConfig {
  Config config;
  std::string help;  // non-empty: print it and exit
};

using GetEnv = std::function<const char*(const char*)>;

// InvalidArgument naming the flag, variable or file line that is wrong.
Result<LoadedConfig> LoadConfig(int argc, const char* const* argv, const GetEnv& getenv);

// "HOST:PORT" or "[V6]:PORT".
Status ParseListen(std::string_view text, std::string& host, std::uint16_t& port);

}  // namespace signet::server

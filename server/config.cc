#include "server/config.h"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <vector>

namespace signet::server {
namespace {

struct Key {
  const char* name;
  const char* help;
  std::function<Status(Config&, std::string_view)> set;
};

template <typename T>
Result<T> Number(std::string_view key, std::string_view v, T min, T max) {
  T out{};
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || out < min || out > max) {
    return Status::InvalidArgument(
        fmt::format("{} must be a number between {} and {}, got \"{}\"", key, min, max, v));
  }
  return out;
}

template <typename T, typename Field>
std::function<Status(Config&, std::string_view)> NumberKey(const char* key, Field field, T min,
                                                           T max) {
  return [=](Config& c, std::string_view v) -> Status {
    auto n = Number<T>(key, v, min, max);
    if (!n.ok()) return n.status();
    field(c) = *n;
    return Status::Ok();
  };
}

Status SetName(std::string& field, std::string_view key, std::string_view v) {
  const bool ok =
      !v.empty() && v.size() <= 64 &&
      v.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
          std::string_view::npos;
  if (!ok) {
    return Status::InvalidArgument(
        fmt::format("{} must be 1-64 characters of A-Z, a-z, 0-9, _ and -, got \"{}\"", key, v));
  }
  field = std::string(v);
  return Status::Ok();
}

template <typename Field>
std::function<Status(Config&, std::string_view)> MebibytesKey(const char* key, Field field,
                                                              std::size_t min) {
  return [=](Config& c, std::string_view v) -> Status {
    auto n = Number<std::size_t>(key, v, min, std::size_t{1} << 20);
    if (!n.ok()) return n.status();
    field(c) = *n << 20;
    return Status::Ok();
  };
}

template <typename Field>
std::function<Status(Config&, std::string_view)> MillisKey(const char* key, Field field) {
  return [=](Config& c, std::string_view v) -> Status {
    auto n = Number<std::int64_t>(key, v, 1, 24LL * 3600 * 1000);
    if (!n.ok()) return n.status();
    field(c) = std::chrono::milliseconds(*n);
    return Status::Ok();
  };
}

const std::vector<Key>& Keys() {
  static const std::vector<Key> keys = {
      {"data", "data directory (default ./data)",
       [](Config& c, std::string_view v) {
         if (v.empty()) return Status::InvalidArgument("data must not be empty");
         c.data_dir = std::string(v);
         return Status::Ok();
       }},
      {"listen", "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks one)",
       [](Config& c, std::string_view v) { return ParseListen(v, c.listen_host, c.listen_port); }},
      {"log_origin", "checkpoint origin and key name of the log (default signet.localhost/log)",
       [](Config& c, std::string_view v) {
         if (v.empty() || v.find_first_of(" +\n") != std::string_view::npos) {
           return Status::InvalidArgument("log_origin must be non-empty without spaces or '+'");
         }
         c.log_origin = std::string(v);
         return Status::Ok();
       }},
      {"witness",
       "a witness that cosigns the log's checkpoints: \"NAME VKEY URL\" (its cosignature/v1 "
       "verifier key, its tlog-witness submission URL); repeat the setting for each witness "
       "(crypto/LOG.md)",
       [](Config& c, std::string_view v) -> Status {
         SIGNET_ASSIGN_OR_RETURN(WitnessConfig w, ParseWitnessSetting(v));
         for (const WitnessConfig& other : c.witnessing.witnesses) {
           if (other.name == w.name || other.key.ToText() == w.key.ToText()) {
             return Status::InvalidArgument("witness " + w.name + " is configured twice");
           }
         }
         c.witnessing.witnesses.push_back(std::move(w));
         return Status::Ok();
       }},
      {"witness_quorum",
       "cosignatures a checkpoint needs before /v1/log/checkpoint serves it (default 1; at "
       "most the number of witnesses)",
       NumberKey<std::size_t>(
           "witness_quorum", [](Config& c) -> std::size_t& { return c.witnessing.quorum; }, 1,
           100)},
      {"checkpoint_interval_ms",
       "how often a new checkpoint is sent to the witnesses, when the log grew (default 10000)",
       MillisKey(
           "checkpoint_interval_ms", [](Config & c) -> auto& { return c.witnessing.interval; })},
      {"witness_timeout_ms", "connect and answer time allowed to a witness (default 10000)",
       MillisKey(
           "witness_timeout_ms", [](Config & c) -> auto& { return c.witnessing.request_timeout; })},
      {"access_log", "1: one JSON line per request on stderr (default), 0: none",
       [](Config& c, std::string_view v) {
         if (v != "0" && v != "1") return Status::InvalidArgument("access_log must be 0 or 1");
         c.access_log = v == "1";
         return Status::Ok();
       }},
      {"io_threads", "threads running sockets (default 2)",
       NumberKey<int>(
           "io_threads", [](Config& c) -> int& { return c.server.io_threads; }, 1, 256)},
      {"worker_threads", "threads running handlers (default 2)",
       NumberKey<int>(
           "worker_threads", [](Config& c) -> int& { return c.server.worker_threads; }, 1, 1024)},
      {"commit_threads",
       "threads running signed writes, which wait for the group commit; each is one more "
       "statement per synced batch (default 64)",
       NumberKey<int>(
           "commit_threads", [](Config& c) -> int& { return c.server.commit_threads; }, 1, 4096)},
      {"stream_threads",
       "threads running streaming requests (/v1/check); also their limit (default 8)",
       NumberKey<int>(
           "stream_threads", [](Config& c) -> int& { return c.server.stream_threads; }, 1, 4096)},
      {"max_connections", "open connections in total (default 10000; beyond: 503)",
       NumberKey<std::size_t>(
           "max_connections", [](Config& c) -> std::size_t& { return c.server.max_connections; }, 1,
           1000000)},
      {"max_connections_per_client",
       "open connections per client IP, trusted proxies exempt (default 256, 0: no limit; "
       "beyond: 429)",
       NumberKey<std::size_t>(
           "max_connections_per_client",
           [](Config& c) -> std::size_t& { return c.server.rate.max_connections_per_client; }, 0,
           1000000)},
      {"max_streams_per_client",
       "streaming requests (/v1/check) at once per client (default 2, 0: no limit; beyond: 429)",
       NumberKey<std::size_t>(
           "max_streams_per_client",
           [](Config& c) -> std::size_t& { return c.server.rate.max_streams_per_client; }, 0,
           1000000)},
      {"trusted_proxies",
       "comma-separated addresses or networks of load balancers (e.g. 10.0.0.0/8,::1): exempt "
       "from the per-address connection limit, and their X-Forwarded-For names the client that "
       "the request limits count (default none; X-Forwarded-For from others is ignored)",
       [](Config& c, std::string_view v) -> Status {
         auto parsed = TrustedProxies::Parse(v);
         if (!parsed.ok()) return parsed.status();
         c.server.trusted_proxies = std::move(*parsed);
         return Status::Ok();
       }},
      {"max_body_memory",
       "bytes of request bodies held in memory at once, all requests together (default 256 "
       "MiB; beyond: 503 + Retry-After, told from Content-Length before reading)",
       NumberKey<std::uint64_t>(
           "max_body_memory", [](Config& c) -> std::uint64_t& { return c.server.max_body_memory; },
           1u << 20, 1ull << 40)},
      {"linger_bytes",
       "after an early answer (413, 400, a refusal), bytes still read and dropped so the client "
       "reads the answer instead of a reset (default 128 MiB)",
       NumberKey<std::uint64_t>(
           "linger_bytes", [](Config& c) -> std::uint64_t& { return c.server.linger_bytes; }, 0,
           1ull << 40)},
      {"linger_time_ms", "the longest such a lingering close lasts (default 30000)",
       MillisKey(
           "linger_time_ms", [](Config & c) -> auto& { return c.server.linger_time; })},
      {"rate_limit",
       "requests per second per client (default 1000, 0: no limit; beyond: 429 + Retry-After)",
       NumberKey<double>(
           "rate_limit", [](Config& c) -> double& { return c.server.rate.requests_per_second; },
           0.0, 1e9)},
      {"rate_burst", "token bucket size per client IP (default 2 s worth)",
       NumberKey<double>(
           "rate_burst", [](Config& c) -> double& { return c.server.rate.burst; }, 0.0, 1e9)},
      {"header_limit", "bytes of request line and headers (default 16384; beyond: 431)",
       NumberKey<std::uint32_t>(
           "header_limit", [](Config& c) -> std::uint32_t& { return c.server.header_limit; }, 1024,
           1u << 20)},
      {"idle_timeout_ms", "keep-alive idle time before closing (default 30000)",
       MillisKey(
           "idle_timeout_ms", [](Config & c) -> auto& { return c.server.idle_timeout; })},
      {"header_timeout_ms", "time to send the request head (default 10000)",
       MillisKey(
           "header_timeout_ms", [](Config & c) -> auto& { return c.server.header_timeout; })},
      {"body_timeout_ms", "time for each body read (default 30000)",
       MillisKey(
           "body_timeout_ms", [](Config & c) -> auto& { return c.server.body_timeout; })},
      {"write_timeout_ms", "time for each write (default 30000)",
       MillisKey(
           "write_timeout_ms", [](Config & c) -> auto& { return c.server.write_timeout; })},
      {"shutdown_grace_ms", "time in-flight requests get on SIGTERM/SIGINT (default 10000)",
       MillisKey(
           "shutdown_grace_ms", [](Config & c) -> auto& { return c.server.shutdown_grace; })},
      {"max_statement_bytes", "POST /v1/statements body (default 4 MiB)",
       NumberKey<std::uint64_t>(
           "max_statement_bytes",
           [](Config& c) -> std::uint64_t& { return c.api.max_statement_bytes; }, 1024,
           1ull << 30)},
      {"max_audio_bytes", "POST /v1/match audio body (default 64 MiB)",
       NumberKey<std::uint64_t>(
           "max_audio_bytes", [](Config& c) -> std::uint64_t& { return c.api.max_audio_bytes; },
           1024, 1ull << 32)},
      {"max_audio_seconds", "decoded duration of match audio (default 1800)",
       NumberKey<double>(
           "max_audio_seconds", [](Config& c) -> double& { return c.api.max_audio_seconds; }, 1.0,
           6 * 3600.0)},
      {"speed_variants",
       "speeds at which POST /v1/match also hears audio queries, comma-separated, each in "
       "(0.5, 2) and not 1, or \"off\" (default 0.94,0.95,...,0.99,1.01,...,1.06)",
       [](Config& c, std::string_view v) -> Status {
         std::vector<double> speeds;
         if (v != "off") {
           for (std::size_t at = 0; at <= v.size();) {
             const std::size_t comma = std::min(v.find(',', at), v.size());
             auto s = Number<double>("each of speed_variants", v.substr(at, comma - at), 0.5, 2.0);
             if (!s.ok()) return s.status();
             if (*s == 0.5 || *s == 2.0 || *s == 1.0) {
               return Status::InvalidArgument(
                   "each of speed_variants must lie in (0.5, 2) and not be 1 (the query itself "
                   "is always matched)");
             }
             speeds.push_back(*s);
             at = comma + 1;
           }
         }
         c.api.speed_variants = std::move(speeds);
         return Status::Ok();
       }},
      {"speed_variant_seconds",
       "audio (from its start) that the speed variants cover; each variant costs one more "
       "fingerprinting run (default 120)",
       NumberKey<double>(
           "speed_variant_seconds",
           [](Config& c) -> double& { return c.api.speed_variant_seconds; }, 5.0, 6 * 3600.0)},
      {"rocksdb_block_cache_mb", "RocksDB block cache, MiB (default 128)",
       MebibytesKey(
           "rocksdb_block_cache_mb",
           [](Config& c) -> std::size_t& { return c.storage.block_cache_bytes; }, 1)},
      {"rocksdb_write_buffer_mb", "RocksDB memtables of all column families, MiB (default 128)",
       MebibytesKey(
           "rocksdb_write_buffer_mb",
           [](Config& c) -> std::size_t& { return c.storage.write_buffer_bytes; }, 8)},
      {"rocksdb_max_open_files", "RocksDB table files kept open; -1: all (default 512)",
       NumberKey<int>(
           "rocksdb_max_open_files", [](Config& c) -> int& { return c.storage.max_open_files; }, -1,
           1 << 20)},
      {"index_delta_positions",
       "sub-fingerprints the fingerprint index holds in memory before it writes a segment "
       "(default 8388608)",
       NumberKey<std::size_t>(
           "index_delta_positions",
           [](Config& c) -> std::size_t& { return c.index.delta_max_positions; }, 1024,
           (1u << 24) - (1u << 17))},
      {"index_compact_idle_ms",
       "merge every index segment into one after this long without new segments; 0: never "
       "(default 20000)",
       [](Config& c, std::string_view v) -> Status {
         auto n = Number<std::int64_t>("index_compact_idle_ms", v, 0, 24LL * 3600 * 1000);
         if (!n.ok()) return n.status();
         c.index.compact_when_idle = std::chrono::milliseconds(*n);
         return Status::Ok();
       }},
      {"max_check_line_bytes", "one NDJSON item of POST /v1/check (default 1 MiB)",
       NumberKey<std::size_t>(
           "max_check_line_bytes",
           [](Config& c) -> std::size_t& { return c.api.max_check_line_bytes; }, 1024, 1u << 30)},
      {"check_item_timeout_ms",
       "a POST /v1/check stream ends when no item arrived for this long; blank lines do not "
       "count (default 120000)",
       MillisKey(
           "check_item_timeout_ms", [](Config & c) -> auto& { return c.api.check_item_timeout; })},
      {"check_max_duration_ms",
       "the longest one POST /v1/check stream runs; send the rest in a new request (default "
       "21600000: 6 h)",
       MillisKey(
           "check_max_duration_ms", [](Config & c) -> auto& { return c.api.check_max_duration; })},
      // Cluster mode (docs/CLUSTER.md).
      {"cluster.nats_urls",
       "comma-separated NATS server URLs (nats://HOST:PORT); set: cluster mode, replicated "
       "on NATS JetStream (default empty: one machine)",
       [](Config& c, std::string_view v) -> Status {
         std::vector<std::string> urls;
         for (std::size_t at = 0; at <= v.size() && !v.empty();) {
           const std::size_t comma = std::min(v.find(',', at), v.size());
           std::string_view u = v.substr(at, comma - at);
           if (!u.starts_with("nats://") || u.size() <= 7) {
             return Status::InvalidArgument(
                 fmt::format("cluster.nats_urls: \"{}\" is not a nats://HOST:PORT URL", u));
           }
           urls.emplace_back(u);
           at = comma + 1;
         }
         c.cluster.nats_urls = std::move(urls);
         return Status::Ok();
       }},
      {"cluster.node_id", "this node's name in the cluster, unique, [A-Za-z0-9_-] (required)",
       [](Config& c, std::string_view v) {
         return SetName(c.cluster.node_id, "cluster.node_id", v);
       }},
      {"cluster.name",
       "prefix of the cluster's JetStream stream, buckets and subjects (default signet)",
       [](Config& c, std::string_view v) { return SetName(c.cluster.name, "cluster.name", v); }},
      {"cluster.shards", "fingerprint index shards, when the shard map is created (default 2)",
       NumberKey<std::uint32_t>(
           "cluster.shards", [](Config& c) -> std::uint32_t& { return c.cluster.shards; }, 1,
           4096)},
      {"cluster.shards_per_node", "shards this node indexes (default 1)",
       NumberKey<std::uint32_t>(
           "cluster.shards_per_node",
           [](Config& c) -> std::uint32_t& { return c.cluster.shards_per_node; }, 1, 4096)},
      {"cluster.stream_replicas",
       "JetStream replicas of the stream and buckets: 3 survives one NATS server (default 3)",
       NumberKey<int>(
           "cluster.stream_replicas", [](Config& c) -> int& { return c.cluster.stream_replicas; },
           1, 5)},
      {"cluster.lease_ttl_ms",
       "sequencer lease lifetime without renewal; renewed every third of it (default 3000)",
       MillisKey(
           "cluster.lease_ttl_ms", [](Config & c) -> auto& { return c.cluster.lease_ttl; })},
      {"cluster.search_timeout_ms", "per shard request of a match fan-out (default 1000)",
       MillisKey(
           "cluster.search_timeout_ms",
           [](Config & c) -> auto& { return c.cluster.search_timeout; })},
      {"cluster.forward_timeout_ms",
       "how long a write sent to a follower keeps trying to reach the sequencer (default 10000)",
       MillisKey(
           "cluster.forward_timeout_ms",
           [](Config & c) -> auto& { return c.cluster.forward_timeout; })},
  };
  return keys;
}

Status Set(Config& c, std::string_view key, std::string_view value, std::string_view where) {
  for (const Key& k : Keys()) {
    if (key == k.name) {
      Status st = k.set(c, value);
      return st.ok() ? st : st.WithContext(where);
    }
  }
  return Status::InvalidArgument(
      fmt::format("{}: unknown setting \"{}\"; see signetd --help", where, key));
}

std::string Trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::string Help() {
  std::string h =
      "usage: signetd [--data DIR] [--listen HOST:PORT] [--config FILE] [--set KEY=VALUE]...\n"
      "       signetd --version\n\n"
      "The Signet registry server. Settings (config file \"key = value\", environment\n"
      "SIGNET_<KEY> with '.' as '_', or --set key=value; later sources win: file <\n"
      "environment < flags). The cluster.* keys run signetd as one node of a replicated,\n"
      "sharded registry on NATS JetStream (docs/CLUSTER.md; scripts/cluster.sh up DIR\n"
      "starts one on loopback):\n";
  for (const Key& k : Keys()) h += fmt::format("  {:<28} {}\n", k.name, k.help);
  return h;
}

}  // namespace

Status ParseListen(std::string_view text, std::string& host, std::uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument(
        fmt::format("listen address \"{}\" must be HOST:PORT, e.g. 127.0.0.1:8080", text));
  }
  std::string_view h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  auto p = Number<int>("listen port", text.substr(colon + 1), 0, 65535);
  if (!p.ok()) return p.status();
  host = std::string(h);
  port = static_cast<std::uint16_t>(*p);
  return Status::Ok();
}

Result<LoadedConfig> LoadConfig(int argc, const char* const* argv, const GetEnv& getenv) {
  LoadedConfig out;
  Config& c = out.config;
  std::vector<std::pair<std::string, std::string>> flags;
  std::string config_file;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view name) -> Result<std::string> {
      if (i + 1 >= argc) return Status::InvalidArgument(fmt::format("{} needs a value", name));
      return std::string(argv[++i]);
    };
    if (a == "--help" || a == "-h") {
      out.help = Help();
      return out;
    }
    if (a == "--data" || a == "--listen" || a == "--config" || a == "--set") {
      auto v = value(a);
      if (!v.ok()) return v.status();
      if (a == "--config") {
        config_file = *v;
      } else if (a == "--set") {
        auto eq = v->find('=');
        if (eq == std::string::npos) return Status::InvalidArgument("--set needs KEY=VALUE");
        flags.emplace_back(v->substr(0, eq), v->substr(eq + 1));
      } else {
        flags.emplace_back(std::string(a.substr(2)), *v);
      }
      continue;
    }
    return Status::InvalidArgument(fmt::format("unknown argument \"{}\"; see signetd --help", a));
  }
  if (config_file.empty()) {
    if (const char* f = getenv("SIGNET_CONFIG")) config_file = f;
  }
  if (!config_file.empty()) {
    std::ifstream in(config_file);
    if (!in) {
      return Status::InvalidArgument(fmt::format("cannot read config file \"{}\"", config_file));
    }
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      std::string t = Trim(line.substr(0, line.find('#')));
      if (t.empty()) continue;
      auto eq = t.find('=');
      if (eq == std::string::npos) {
        return Status::InvalidArgument(
            fmt::format("{}:{}: expected \"key = value\"", config_file, n));
      }
      SIGNET_RETURN_IF_ERROR(Set(c, Trim(t.substr(0, eq)), Trim(t.substr(eq + 1)),
                                 fmt::format("{}:{}", config_file, n)));
    }
  }
  for (const Key& k : Keys()) {
    std::string env = "SIGNET_";
    for (const char* p = k.name; *p; ++p) {
      env += *p == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
    }
    if (const char* v = getenv(env.c_str())) SIGNET_RETURN_IF_ERROR(Set(c, k.name, v, env));
  }
  for (const auto& [k, v] : flags) SIGNET_RETURN_IF_ERROR(Set(c, k, v, "--" + k));
  if (c.clustered() && c.cluster.node_id.empty()) {
    return Status::InvalidArgument(
        "cluster.nats_urls is set but cluster.node_id is not; name this node (e.g. --set "
        "cluster.node_id=n1)");
  }
  if (!c.witnessing.witnesses.empty() && c.witnessing.quorum > c.witnessing.witnesses.size()) {
    return Status::InvalidArgument(
        fmt::format("witness_quorum is {} but only {} witnesses are configured",
                    c.witnessing.quorum, c.witnessing.witnesses.size()));
  }
  return out;
}

}  // namespace signet::server

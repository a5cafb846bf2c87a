// signet_cluster_bench: the cluster (docs/CLUSTER.md) against one embedded
// signetd on the same machine, in one run, and match latency against the
// shard count. Not a test: it prints one table.
//
// Setups, each fresh: one signetd (embedded RocksDB, what `make run` starts);
// scripts/cluster.sh clusters of 3 nats-server (JetStream, replicas 3) and 4
// signetd with 2 shards x 2 replicas, 1 shard x 4 replicas and 4 shards x 2
// replicas. On each:
//  1. writes: --clients artists register --works works between them (signed
//     before the clock starts; --values synthetic sub-fingerprints each, 160
//     = 20 s), each client over keep-alive connections to the nodes in turn
//     (a follower forwards to the sequencer): accepted/s, p50/p99;
//  2. matches: --clients clients POST /v1/match with 10 s excerpts (81
//     sub-fingerprints) of registered works at random nodes for --seconds:
//     requests/s, p50/p99, share found;
//  3. one client, --single queries one after the other: the latency of a
//     match without queueing, where the fan-out's cost shows.
//
// Usage: signet_cluster_bench [--works N] [--values V] [--clients C]
//   [--seconds S] [--single Q] [--setups single,2x2,1x4,4x2]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/load_driver.h"
#include "fingerprint/testing/synthetic.h"
#include "registry/testing/statements.h"
#include "tests/cluster/loopback_cluster.h"
#include "tests/e2e/signetd_process.h"
#include "tests/server/test_client.h"

namespace {

namespace fs = std::filesystem;
using namespace signet;
using registry::testing::TestArtist;
using registry::testing::WorkSpec;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kQueryValues = 81;  // 10 s

struct Args {
  std::size_t works = 4000;
  std::size_t values = 160;
  int clients = 16;
  double seconds = 8;
  std::size_t single = 300;
  std::string setups = "single,2x2,1x4,4x2";
};

std::vector<std::uint32_t> Recording(std::size_t i, std::size_t values) {
  return fp::SyntheticFingerprints(0xC1u + i).Recording(values);
}

std::string MatchBody(const std::vector<std::uint32_t>& q) {
  std::string s = "{\"fingerprint\":[";
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(q[i]);
  }
  return s + "]}";
}

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};

Endpoint Parse(const std::string& url) {
  std::string hp = url.substr(url.find("://") + 3);
  return {hp.substr(0, hp.rfind(':')),
          static_cast<std::uint16_t>(std::stoi(hp.substr(hp.rfind(':') + 1)))};
}

// Keep-alive connections, one per node, used in turn.
class Client {
 public:
  explicit Client(std::vector<Endpoint> nodes, std::size_t first)
      : nodes_(std::move(nodes)), next_(first) {}
  std::optional<testing::HttpReply> Post(const std::string& target, const std::string& body) {
    const std::size_t i = next_++ % nodes_.size();
    if (conns_.size() < nodes_.size()) conns_.resize(nodes_.size());
    if (!conns_[i]) {
      conns_[i] = std::make_unique<testing::TestConnection>(nodes_[i].host, nodes_[i].port);
    }
    std::optional<testing::HttpReply> r;
    if (conns_[i]->Send(
            testing::BuildRequest("POST", target, body, {{"Content-Type", "application/json"}}))) {
      r = conns_[i]->Read(std::chrono::seconds(30));
    }
    if (!r || !r->keep_alive) conns_[i].reset();
    return r;
  }

 private:
  std::vector<Endpoint> nodes_;
  std::size_t next_;
  std::vector<std::unique_ptr<testing::TestConnection>> conns_;
};

using bench::Rate;

// `work(client, n)` returns the body to send or "" to stop; `judge(reply,
// client, n)` says (ok, found).
template <typename Work, typename Judge>
Rate Drive(const std::vector<Endpoint>& nodes, int clients, double seconds,
           const std::string& target, Work work, Judge judge) {
  return bench::RunClients(clients, seconds, [&](int c) {
    auto client = std::make_shared<Client>(nodes, static_cast<std::size_t>(c));
    return [&, c, client](std::size_t n) -> std::optional<bench::Outcome> {
      const std::string body = work(c, n);
      if (body.empty()) return std::nullopt;
      auto r = client->Post(target, body);
      if (!r) return bench::Outcome{false, false, "no answer"};
      auto [ok, found] = judge(*r, c, n);
      return bench::Outcome{ok, found,
                            ok ? "" : std::to_string(r->status) + " " + r->body.substr(0, 200)};
    };
  });
}

struct Row {
  std::string setup;
  Rate writes, matches, single;
};

Row Measure(const std::string& setup, const std::vector<Endpoint>& nodes, const Args& a) {
  Row row;
  row.setup = setup;
  // Signed before the clock starts: signing is the artists' work.
  std::vector<TestArtist> artists;
  std::vector<std::vector<std::string>> statements(static_cast<std::size_t>(a.clients));
  for (int c = 0; c < a.clients; ++c) {
    artists.push_back(
        TestArtist::FromSeedByte(static_cast<std::uint8_t>(100 + c), "Bench " + std::to_string(c)));
    Client client(nodes, 0);
    auto r = client.Post("/v1/statements", artists.back().Register());
    if (!r || r->status != 201) {
      std::fprintf(stderr, "%s: artist registration refused: %s\n", setup.c_str(),
                   r ? r->body.c_str() : "no answer");
    }
  }
  for (std::size_t i = 0; i < a.works; ++i) {
    const std::size_t c = i % static_cast<std::size_t>(a.clients);
    WorkSpec spec;
    spec.title = "bench " + std::to_string(i);
    spec.values = Recording(i, a.values);
    statements[c].push_back(artists[c].RegisterWork(spec));
  }
  row.writes = Drive(
      nodes, a.clients, 600, "/v1/statements",
      [&](int c, std::size_t n) {
        return n < statements[static_cast<std::size_t>(c)].size()
                   ? statements[static_cast<std::size_t>(c)][n]
                   : std::string();
      },
      [](const testing::HttpReply& r, int, std::size_t) {
        return std::pair<bool, bool>{r.status == 201, false};
      });
  // Every node has applied every write before matching starts.
  std::this_thread::sleep_for(std::chrono::seconds(2));

  std::vector<std::string> bodies;
  std::vector<std::size_t> wanted;
  std::mt19937_64 rng(7);
  for (int q = 0; q < 2000; ++q) {
    const std::size_t i = std::uniform_int_distribution<std::size_t>(0, a.works - 1)(rng);
    auto full = Recording(i, a.values);
    const std::size_t off =
        std::uniform_int_distribution<std::size_t>(0, full.size() - kQueryValues)(rng);
    bodies.push_back(MatchBody(std::vector<std::uint32_t>(
        full.begin() + static_cast<std::ptrdiff_t>(off),
        full.begin() + static_cast<std::ptrdiff_t>(off + kQueryValues))));
    wanted.push_back(i);
  }
  auto judge = [&](const testing::HttpReply& r, int, std::size_t n) {
    const bool found =
        r.body.find("\"title\":\"bench " + std::to_string(wanted[n % wanted.size()]) + "\"") !=
        std::string::npos;
    return std::pair<bool, bool>{r.status == 200 && r.body.find("\"partial\"") == std::string::npos,
                                 found};
  };
  auto body = [&](int c, std::size_t n) {
    return bodies[(n * 131 + static_cast<std::size_t>(c) * 17) % bodies.size()];
  };
  row.matches =
      Drive(nodes, a.clients, a.seconds, "/v1/match", body, [&](auto& r, int c, std::size_t n) {
        return judge(r, c, (n * 131 + static_cast<std::size_t>(c) * 17));
      });
  row.single = Drive(
      nodes, 1, 120, "/v1/match",
      [&](int, std::size_t n) { return n < a.single ? bodies[n % bodies.size()] : std::string(); },
      judge);
  return row;
}

std::string Cell(const Rate& f, const char* unit) {
  char b[160];
  std::snprintf(b, sizeof b, "%.0f %s, p50 %.1f ms, p99 %.1f ms", f.per_second(), unit, f.p50_ms,
                f.p99_ms);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--works")
      a.works = std::stoul(v);
    else if (k == "--values")
      a.values = std::stoul(v);
    else if (k == "--clients")
      a.clients = std::stoi(v);
    else if (k == "--seconds")
      a.seconds = std::stod(v);
    else if (k == "--single")
      a.single = std::stoul(v);
    else if (k == "--setups")
      a.setups = v;
    else {
      std::fprintf(stderr, "unknown option %s; see the header of bench/cluster_bench.cc\n",
                   k.c_str());
      return 2;
    }
  }
  std::vector<Row> rows;
  std::stringstream setups(a.setups);
  for (std::string s; std::getline(setups, s, ',');) {
    if (s == "single") {
      const fs::path data =
          fs::temp_directory_path() / ("signet_cluster_bench_" + std::to_string(::getpid()));
      fs::remove_all(data);
      // The per-client limits off, as in the cluster below: all the load
      // comes from one address.
      testing::SignetdProcess server(
          fs::path(SIGNET_BINARY_DIR) / "server" / "signetd", data,
          {"SIGNET_ACCESS_LOG=0", "SIGNET_RATE_LIMIT=0", "SIGNET_MAX_CONNECTIONS_PER_CLIENT=0"});
      if (!server.Start()) {
        std::fprintf(stderr, "signetd did not start: %s\n", server.StderrText().c_str());
        return 1;
      }
      rows.push_back(Measure("one signetd, embedded RocksDB", {{"127.0.0.1", server.port()}}, a));
      server.Stop();
      fs::remove_all(data);
      continue;
    }
    const int shards = s[0] - '0', replicas = s[2] - '0';
    testing::LoopbackCluster::Options o;
    o.nodes = 4;
    o.shards = shards;
    o.shards_per_node = shards * replicas / 4;
    o.settings = {"rate_limit=0", "max_connections_per_client=0"};
    std::string error;
    auto cluster = testing::LoopbackCluster::Up("bench_" + s, o, &error);
    if (!cluster) {
      std::fprintf(stderr, "cluster %s did not come up: %s\n", s.c_str(), error.c_str());
      return 1;
    }
    std::vector<Endpoint> nodes;
    for (const auto& n : cluster->signetd()) nodes.push_back(Parse(n.url));
    char name[96];
    std::snprintf(name, sizeof name, "cluster: %d shard%s x %d replicas, 4 signetd, 3 NATS (R3)",
                  shards, shards == 1 ? "" : "s", replicas);
    rows.push_back(Measure(name, nodes, a));
  }

  std::printf(
      "signet_cluster_bench: %u cores, loopback, %d clients, %zu works of %zu "
      "sub-fingerprints (%.0f s) registered through the setup, 10 s match queries\n",
      std::thread::hardware_concurrency(), a.clients, a.works, a.values,
      static_cast<double>(a.values) / 8.08);
  std::printf(
      "| setup | signed writes (%d clients) | match (%d clients, %.0f s) | found | match, "
      "1 client |\n|---|---|---|---|---|\n",
      a.clients, a.clients, a.seconds);
  for (const Row& r : rows) {
    std::printf("| %s | %s (%zu/%zu ok) | %s | %.1f%% | p50 %.2f ms, p99 %.2f ms |\n",
                r.setup.c_str(), Cell(r.writes, "/s").c_str(), r.writes.ok, r.writes.requests,
                Cell(r.matches, "req/s").c_str(),
                r.matches.requests ? 100.0 * static_cast<double>(r.matches.found) /
                                         static_cast<double>(r.matches.requests)
                                   : 0.0,
                r.single.p50_ms, r.single.p99_ms);
    if (!r.writes.other.empty() || !r.matches.other.empty()) {
      std::printf("|   first refusal: %s %s | | | | |\n", r.writes.other.c_str(),
                  r.matches.other.c_str());
    }
  }
  if (rows.size() > 1) {
    const Row& base = rows.front();
    for (std::size_t i = 1; i < rows.size(); ++i) {
      std::printf("%s vs %s: writes %.2fx, match throughput %.2fx, 1-client match p50 %.2fx\n",
                  rows[i].setup.c_str(), base.setup.c_str(),
                  rows[i].writes.per_second() / std::max(1e-9, base.writes.per_second()),
                  rows[i].matches.per_second() / std::max(1e-9, base.matches.per_second()),
                  rows[i].single.p50_ms / std::max(1e-9, base.single.p50_ms));
    }
  }
  return 0;
}

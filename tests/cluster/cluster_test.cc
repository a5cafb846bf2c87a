// Cluster mode (docs/CLUSTER.md) on real parts: scripts/cluster.sh starts 3
// nats-server and 4 signetd on loopback; the tests kill them with SIGKILL
// while clients write signed statements, and check what a user would notice:
// every acknowledged statement is on every surviving node, one sequencer, the
// same log root everywhere, matches that say when they searched part of the
// index, writes refused (not lost) without a NATS quorum.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "cluster/shard_map.h"
#include "registry/testing/statements.h"
#include "tests/cluster/loopback_cluster.h"

namespace signet {
namespace {

namespace bj = boost::json;
using registry::testing::RandomFingerprint;
using registry::testing::TestArtist;
using registry::testing::WorkSpec;
using testing::FetchUrl;
using testing::HttpReply;
using testing::LoopbackCluster;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const std::vector<std::pair<std::string, std::string>> kJson = {
    {"Content-Type", "application/json"}};

std::optional<bj::object> JsonObject(const HttpReply& r) {
  boost::system::error_code ec;
  bj::value v = bj::parse(r.body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.as_object();
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct Ack {
  std::string envelope;
  std::uint64_t log_index = 0;
  Clock::time_point at;
};

// Writers, each its own artist, registering works with fresh random
// fingerprints at random live nodes as fast as they are answered. A write
// that gets no answer or a 503 is sent once more, to another node, with
// Signet-Retry: 1 (what a client does); only 201 and 200 count as acknowledged.
class WriteLoad {
 public:
  WriteLoad(const LoopbackCluster& cluster, int clients) : cluster_(cluster) {
    for (int i = 0; i < clients; ++i) {
      artists_.push_back(TestArtist::FromSeedByte(static_cast<std::uint8_t>(40 + i),
                                                  "Writer " + std::to_string(i)));
    }
  }
  ~WriteLoad() { Stop(); }

  // Registers the artists (through random nodes). False if one is refused.
  bool RegisterArtists() {
    for (auto& a : artists_) {
      if (!Send(a.Register(), 0)) return false;
    }
    return true;
  }
  void Start() {
    for (std::size_t i = 0; i < artists_.size(); ++i) {
      threads_.emplace_back([this, i] { Client(i); });
    }
  }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  std::vector<Ack> acks() const {
    std::lock_guard lock(mu_);
    return acks_;
  }
  std::size_t acks_after(Clock::time_point t) const {
    std::lock_guard lock(mu_);
    return std::count_if(acks_.begin(), acks_.end(), [&](const Ack& a) { return a.at > t; });
  }
  std::uint64_t refused() const { return refused_; }

 private:
  const std::string& RandomNode(std::mt19937& rng) const {
    const auto& nodes = cluster_.signetd();
    for (int tries = 0; tries < 16; ++tries) {
      const auto& n = nodes[std::uniform_int_distribution<std::size_t>(0, nodes.size() - 1)(rng)];
      if (cluster_.Alive(n.name)) return n.url;
    }
    return nodes.front().url;
  }

  bool Send(const std::string& envelope, std::uint64_t seed) {
    std::mt19937 rng(static_cast<unsigned>(seed * 7919 + 1));
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto headers = kJson;
      if (attempt > 0) headers.emplace_back("Signet-Retry", "1");
      HttpReply r = FetchUrl(RandomNode(rng), "POST", "/v1/statements", envelope, headers);
      if (r.status == 201 || r.status == 200) {
        auto o = JsonObject(r);
        if (!o) return false;
        std::lock_guard lock(mu_);
        acks_.push_back({envelope, o->at("log_index").to_number<std::uint64_t>(), Clock::now()});
        return true;
      }
      if (r.status != 0 && r.status != 503) break;  // refused for good
    }
    ++refused_;
    return false;
  }

  void Client(std::size_t i) {
    std::uint64_t n = 0;
    while (!stop_) {
      WorkSpec spec;
      spec.title = "load " + std::to_string(i) + "/" + std::to_string(n);
      spec.values = RandomFingerprint(1000000 * (i + 1) + n, 160);
      Send(artists_[i].RegisterWork(spec), 1000000 * (i + 1) + n);
      ++n;
    }
  }

  const LoopbackCluster& cluster_;
  std::vector<TestArtist> artists_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> refused_{0};
  mutable std::mutex mu_;
  std::vector<Ack> acks_;
  std::vector<std::thread> threads_;
};

// Every acknowledged statement is the envelope at its log index on every live
// node; every live node has the same checkpoint (same size, same root).
void ExpectEveryAckEverywhere(const LoopbackCluster& cluster, const std::vector<Ack>& acks) {
  auto size = cluster.WaitConverged(60s);
  ASSERT_TRUE(size) << "the live nodes did not reach the same log size";
  std::set<std::uint64_t> indexes;
  for (const Ack& a : acks) {
    EXPECT_TRUE(indexes.insert(a.log_index).second) << "two acks for log index " << a.log_index;
  }
  std::string checkpoint;
  for (const auto& n : cluster.signetd()) {
    if (!cluster.Alive(n.name)) continue;
    HttpReply cp = FetchUrl(n.url, "GET", "/v1/log/checkpoint");
    ASSERT_EQ(cp.status, 200) << n.name;
    if (checkpoint.empty()) checkpoint = cp.body;
    EXPECT_EQ(cp.body, checkpoint) << n.name << " serves another signed checkpoint";
    std::size_t missing = 0;
    for (const Ack& a : acks) {
      HttpReply e = FetchUrl(n.url, "GET", "/v1/log/entries/" + std::to_string(a.log_index));
      if (e.status != 200 || e.body != a.envelope) ++missing;
    }
    EXPECT_EQ(missing, 0u) << n.name << " lacks " << missing << " of " << acks.size()
                           << " acknowledged statements";
  }
  EXPECT_NE(checkpoint.find("\n" + std::to_string(*size) + "\n"), std::string::npos) << checkpoint;
}

TEST(ClusterTest, SequencerKilledUnderLoadLosesNoAcknowledgedStatement) {
  std::string error;
  auto cluster = LoopbackCluster::Up("failover", {}, &error);
  ASSERT_TRUE(cluster) << error;
  auto first = cluster->WaitForOneSequencer(30s);
  ASSERT_TRUE(first) << "no single sequencer";

  WriteLoad load(*cluster, 4);
  ASSERT_TRUE(load.RegisterArtists());
  const auto load_started = Clock::now();
  load.Start();
  for (auto end = Clock::now() + 30s; load.acks().size() < 100 && Clock::now() < end;) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_GE(load.acks().size(), 100u) << "the cluster did not take writes";
  const double before_rate =
      static_cast<double>(load.acks().size()) / Seconds(Clock::now() - load_started);

  const std::string victim = cluster->signetd()[*first].name;
  const auto killed_at = Clock::now();
  cluster->Kill(victim);
  auto next = cluster->WaitForOneSequencer(30s);
  const auto new_sequencer_at = Clock::now();
  ASSERT_TRUE(next) << "no new sequencer after the old one died";
  EXPECT_NE(*next, *first);
  for (auto end = Clock::now() + 30s; load.acks_after(killed_at) < 100 && Clock::now() < end;) {
    std::this_thread::sleep_for(50ms);
  }
  load.Stop();
  const std::vector<Ack> acks = load.acks();
  Clock::time_point first_after = Clock::time_point::max();
  for (const Ack& a : acks) {
    if (a.at > new_sequencer_at - 1s && a.at > killed_at) first_after = std::min(first_after, a.at);
  }
  ASSERT_GE(load.acks_after(killed_at), 100u) << "writes did not resume";

  EXPECT_EQ(cluster->Sequencers().size(), 1u);
  ExpectEveryAckEverywhere(*cluster, acks);
  std::printf(
      "failover: kill -9 of the sequencer %s -> new sequencer %s after %.2f s; first write "
      "acknowledged by it %.2f s after the kill; %zu acknowledged (%zu after the kill; %.0f/s "
      "before it), %llu not acknowledged, all on every surviving node\n",
      victim.c_str(), cluster->signetd()[*next].name.c_str(), Seconds(new_sequencer_at - killed_at),
      Seconds(first_after - killed_at), acks.size(), load.acks_after(killed_at), before_rate,
      static_cast<unsigned long long>(load.refused()));
}

// Registers works until both shards hold some; returns (work id, values).
std::vector<std::pair<std::string, std::vector<std::uint32_t>>> RegisterWorks(
    const LoopbackCluster& cluster, TestArtist& artist, int count) {
  std::vector<std::pair<std::string, std::vector<std::uint32_t>>> works;
  for (int i = 0; i < count; ++i) {
    WorkSpec spec;
    spec.title = "shard test " + std::to_string(i);
    spec.values = RandomFingerprint(5000 + i, 200);
    HttpReply r = FetchUrl(cluster.signetd()[i % cluster.signetd().size()].url, "POST",
                           "/v1/statements", artist.RegisterWork(spec), kJson);
    EXPECT_EQ(r.status, 201) << r.body;
    auto o = JsonObject(r);
    if (!o) continue;
    works.emplace_back(std::string(o->at("work_id").as_string()), spec.values);
  }
  return works;
}

struct MatchAnswer {
  int status = 0;
  std::set<std::string> works;
  bool partial = false;
  double fraction = 1;
};

MatchAnswer Match(const std::string& url, const std::vector<std::uint32_t>& values) {
  bj::array fp;
  for (auto v : values) fp.emplace_back(v);
  HttpReply r =
      FetchUrl(url, "POST", "/v1/match", bj::serialize(bj::object{{"fingerprint", fp}}), kJson);
  MatchAnswer a;
  a.status = r.status;
  if (auto o = JsonObject(r)) {
    for (const auto& m : o->at("matches").as_array()) {
      a.works.insert(std::string(m.at("work").at("id").as_string()));
    }
    if (auto* p = o->if_contains("partial")) a.partial = p->as_bool();
    if (auto* f = o->if_contains("searched_fraction")) a.fraction = f->to_number<double>();
  }
  return a;
}

TEST(ClusterTest, MatchesStayCompleteWithOneReplicaPerShardAndSayPartialWithNone) {
  std::string error;
  auto cluster =
      LoopbackCluster::Up("shards", {.settings = {"cluster.forward_timeout_ms=3000"}}, &error);
  ASSERT_TRUE(cluster) << error;
  auto seq = cluster->WaitForOneSequencer(30s);
  ASSERT_TRUE(seq);
  TestArtist ada = TestArtist::FromSeedByte(60, "Ada");
  ASSERT_EQ(
      FetchUrl(cluster->signetd()[0].url, "POST", "/v1/statements", ada.Register(), kJson).status,
      201);
  auto works = RegisterWorks(*cluster, ada, 10);
  ASSERT_EQ(works.size(), 10u);
  std::map<std::uint32_t, int> per_shard;
  for (const auto& [id, v] : works) ++per_shard[cluster::ShardOf(id, 2)];
  ASSERT_EQ(per_shard.size(), 2u) << "all ten works in one shard";
  ASSERT_TRUE(cluster->WaitConverged(30s));

  // Which nodes hold which shard, from the shard map (/healthz; a node reads
  // the map again every second, so it may not know of the last joiner yet).
  std::map<std::uint32_t, std::vector<std::size_t>> replicas;
  for (auto end = Clock::now() + 10s; Clock::now() < end;) {
    auto health = cluster->Health(0);
    ASSERT_TRUE(health);
    replicas.clear();
    for (const auto& [k, nodes] : health->at("shards").at("replicas").as_object()) {
      for (const auto& n : nodes.as_array()) {
        // Node "nI" is signetd-I.
        replicas[static_cast<std::uint32_t>(std::stoul(std::string(k)))].push_back(
            std::stoul(std::string(n.as_string()).substr(1)) - 1);
      }
    }
    if (replicas[0].size() == 2 && replicas[1].size() == 2) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(replicas[0].size(), 2u);
  ASSERT_EQ(replicas[1].size(), 2u);
  // One replica of each shard goes, the sequencer spared if it can be.
  auto pick = [&](std::uint32_t k) {
    return replicas[k][0] == *seq ? replicas[k][1] : replicas[k][0];
  };
  const std::size_t gone0 = pick(0), gone1 = pick(1);
  cluster->Kill(cluster->signetd()[gone0].name);
  cluster->Kill(cluster->signetd()[gone1].name);
  for (std::size_t i = 0; i < cluster->signetd().size(); ++i) {
    if (i == gone0 || i == gone1) continue;
    for (const auto& [id, values] : works) {
      MatchAnswer a = Match(cluster->signetd()[i].url, values);
      EXPECT_EQ(a.status, 200);
      EXPECT_FALSE(a.partial) << "one replica of each shard is still up; asked "
                              << cluster->signetd()[i].name << ":\n"
                              << cluster->LogTail(cluster->signetd()[i].name);
      EXPECT_EQ(a.works.count(id), 1u) << cluster->signetd()[i].name << " did not find " << id;
    }
  }

  // The other replica of shard 0 too: shard 0 cannot be searched.
  const std::size_t last0 = replicas[0][0] == gone0 ? replicas[0][1] : replicas[0][0];
  cluster->Kill(cluster->signetd()[last0].name);
  const std::size_t asker = replicas[1][0] == gone1 ? replicas[1][1] : replicas[1][0];
  for (const auto& [id, values] : works) {
    MatchAnswer a = Match(cluster->signetd()[asker].url, values);
    EXPECT_EQ(a.status, 200);
    EXPECT_TRUE(a.partial) << "shard 0 has no live replica";
    EXPECT_DOUBLE_EQ(a.fraction, 0.5);
    EXPECT_EQ(a.works.count(id), cluster::ShardOf(id, 2) == 1 ? 1u : 0u) << id;
  }
  // A check cannot clear an item from half the index: every item whose
  // verdict is not already the strictest is an error line, to be sent again.
  {
    std::string lines;
    for (const auto& [id, values] : works) {
      bj::array fp;
      for (auto v : values) fp.emplace_back(v);
      lines += bj::serialize(bj::object{{"id", id}, {"fingerprint", fp}}) + "\n";
    }
    HttpReply r = FetchUrl(cluster->signetd()[asker].url, "POST", "/v1/check?purpose=ai_training",
                           lines, {{"Content-Type", "application/x-ndjson"}});
    ASSERT_EQ(r.status, 200) << r.body;
    std::size_t errors = 0;
    std::istringstream in(r.body);
    for (std::string line; std::getline(in, line);) {
      bj::value v = bj::parse(line);
      if (!v.as_object().contains("id")) continue;  // the summary
      EXPECT_FALSE(v.as_object().contains("verdict")) << line;
      if (auto* e = v.as_object().if_contains("error")) {
        EXPECT_EQ(e->at("status").to_number<int>(), 503) << line;
        ++errors;
      }
    }
    EXPECT_EQ(errors, works.size()) << r.body;
  }
  // A registration needs a complete dispute search: refused, not accepted blind.
  if (cluster->Alive(cluster->signetd()[*seq].name)) {
    WorkSpec spec;
    spec.values = RandomFingerprint(9999, 200);
    HttpReply r = FetchUrl(cluster->signetd()[asker].url, "POST", "/v1/statements",
                           ada.RegisterWork(spec), kJson);
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_FALSE(r.Header("Retry-After").empty());
  }
  // Back: complete again.
  ASSERT_TRUE(cluster->Start(cluster->signetd()[last0].name));
  for (auto end = Clock::now() + 30s; Clock::now() < end;) {
    if (!Match(cluster->signetd()[asker].url, works[0].second).partial) break;
    std::this_thread::sleep_for(100ms);
  }
  MatchAnswer again = Match(cluster->signetd()[asker].url, works[0].second);
  EXPECT_FALSE(again.partial);
  EXPECT_EQ(again.works.count(works[0].first), 1u);
}

TEST(ClusterTest, WithoutNatsQuorumWritesAreRefusedReadsGoOnAndNothingIsLost) {
  std::string error;
  auto cluster =
      LoopbackCluster::Up("quorum", {.settings = {"cluster.forward_timeout_ms=3000"}}, &error);
  ASSERT_TRUE(cluster) << error;
  ASSERT_TRUE(cluster->WaitForOneSequencer(30s));
  WriteLoad load(*cluster, 2);
  ASSERT_TRUE(load.RegisterArtists());
  load.Start();
  for (auto end = Clock::now() + 30s; load.acks().size() < 20 && Clock::now() < end;) {
    std::this_thread::sleep_for(50ms);
  }
  load.Stop();
  ASSERT_GE(load.acks().size(), 20u);
  auto before = cluster->WaitConverged(30s);
  ASSERT_TRUE(before);
  const Ack sample = load.acks().front();

  cluster->Kill("nats-2");
  cluster->Kill("nats-3");
  TestArtist late = TestArtist::FromSeedByte(70, "Late");
  const std::string refused = late.Register();
  for (const auto& n : cluster->signetd()) {
    HttpReply w = FetchUrl(n.url, "POST", "/v1/statements", refused, kJson);
    EXPECT_EQ(w.status, 503) << n.name << ": " << w.body;
    EXPECT_FALSE(w.Header("Retry-After").empty()) << n.name;
    HttpReply e = FetchUrl(n.url, "GET", "/v1/log/entries/" + std::to_string(sample.log_index));
    EXPECT_EQ(e.status, 200) << n.name << " stopped serving reads";
    EXPECT_EQ(e.body, sample.envelope);
    EXPECT_EQ(FetchUrl(n.url, "GET", "/v1/log/checkpoint").status, 200);
  }

  ASSERT_TRUE(cluster->Start("nats-2"));
  ASSERT_TRUE(cluster->Start("nats-3"));
  // Writes resume; the refused statement may be sent again and is new.
  HttpReply w;
  for (auto end = Clock::now() + 60s; Clock::now() < end;) {
    w = FetchUrl(cluster->signetd()[0].url, "POST", "/v1/statements", refused,
                 {{"Content-Type", "application/json"}, {"Signet-Retry", "1"}});
    if (w.status == 201 || w.status == 200) break;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(w.status == 201 || w.status == 200) << w.status << " " << w.body;
  auto o = JsonObject(w);
  ASSERT_TRUE(o);
  std::vector<Ack> acks = load.acks();
  acks.push_back({refused, o->at("log_index").to_number<std::uint64_t>(), Clock::now()});
  EXPECT_EQ(acks.back().log_index, *before) << "the refused write was not stored then";
  ExpectEveryAckEverywhere(*cluster, acks);
}

}  // namespace
}  // namespace signet

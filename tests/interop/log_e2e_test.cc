// The log, end to end, against independent implementations: a real signetd
// on loopback serving tlog-tiles, Go's golang.org/x/mod/sumdb/tlog reading
// them (tiles_interop.go), Go TEST witnesses (test_witness.go) cosigning its
// checkpoints, the real `signet verify` requiring k of n of them, `signet
// mirror` copying the log, and a witness refusing a forked signetd.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "crypto/checkpoint.h"
#include "crypto/cosignature.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "registry/testing/statements.h"
#include "tests/e2e/signetd_process.h"
#include "tests/interop/witness_process.h"
#include "tests/server/test_client.h"

namespace signet {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using registry::testing::RandomFingerprint;
using registry::testing::TestArtist;
using registry::testing::WorkSpec;
using testing::HttpReply;
using testing::SignetdProcess;
using testing::TestConnection;
using testing::WitnessProcess;

constexpr std::string_view kOrigin = "signet.test/log";

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("signet_log_e2e_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void WriteFile(const fs::path& p, std::string_view s) { std::ofstream(p, std::ios::binary) << s; }

HttpReply Call(std::uint16_t port, std::string_view method, std::string_view target,
               std::string_view body = {}) {
  TestConnection c(port);
  EXPECT_TRUE(c.Send(
      testing::BuildRequest(method, target, body, {{"Content-Type", "application/json"}}, false)));
  auto r = c.Read();
  EXPECT_TRUE(r.has_value()) << method << " " << target;
  return r.value_or(HttpReply{});
}

struct CommandRun {
  int status = -1;
  std::string output;
};

CommandRun Command(const std::string& cmd) {
  CommandRun r;
  FILE* f = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.output.append(buf, n);
  const int st = ::pclose(f);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string Q(const std::string& s) { return "'" + s + "'"; }

// A signetd data directory with a server key made here, so that the log's
// verifier key is known before signetd (and the witnesses) start.
struct LogSetup {
  explicit LogSetup(const fs::path& dir, std::uint8_t key_byte = 42) : data(dir) {
    fs::create_directories(data);
    crypto::SecretKey key = crypto::SecretKey::FromSeed(crypto::Bytes(32, key_byte)).value();
    EXPECT_TRUE(crypto::WriteSecretKeyFile(data / "server.key", key).ok());
    vkey = crypto::note::Verifier::Create(kOrigin, key.public_key()).value().ToText();
    WriteFile(data.string() + ".vkey", vkey + "\n");
  }
  fs::path vkey_file() const { return data.string() + ".vkey"; }
  // The config file for signetd with these witnesses.
  std::vector<std::string> Env(const std::vector<const WitnessProcess*>& witnesses,
                               std::size_t quorum) const {
    std::string cfg = "log_origin = " + std::string(kOrigin) + "\n";
    for (const WitnessProcess* w : witnesses) {
      cfg += "witness = " + w->name() + " " + w->vkey() + " " + w->url() + "\n";
    }
    if (!witnesses.empty()) {
      cfg += "witness_quorum = " + std::to_string(quorum) + "\ncheckpoint_interval_ms = 150\n";
    }
    WriteFile(data.string() + ".conf", cfg);
    return {"SIGNET_CONFIG=" + data.string() + ".conf", "SIGNET_IO_THREADS=1",
            "SIGNET_WORKER_THREADS=2"};
  }
  fs::path data;
  std::string vkey;
};

// Submits an artist and `works` small work registrations; returns the log size.
void Populate(std::uint16_t port, TestArtist& artist, int works, std::uint64_t seed = 1) {
  if (artist.last_seq() == 0) {
    HttpReply r = Call(port, "POST", "/v1/statements", artist.Register());
    ASSERT_EQ(r.status, 201) << r.body;
  }
  for (int i = 0; i < works; ++i) {
    WorkSpec spec;
    spec.title = "Work " + std::to_string(i);
    spec.values = RandomFingerprint(seed * 100000 + static_cast<std::uint64_t>(i), 24);
    HttpReply r = Call(port, "POST", "/v1/statements", artist.RegisterWork(spec));
    ASSERT_EQ(r.status, 201) << r.body;
  }
}

std::uint64_t LogSize(std::uint16_t port) {
  return bj::parse(Call(port, "GET", "/healthz").body).at("log_size").to_number<std::uint64_t>();
}

// Waits until /v1/log/checkpoint serves a checkpoint of `size`; returns it.
std::string WaitWitnessed(std::uint16_t port, std::uint64_t size) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    HttpReply r = Call(port, "GET", "/v1/log/checkpoint");
    if (r.status == 200) {
      const std::string body = r.body;
      const std::size_t nl = body.find('\n');
      if (body.substr(nl + 1, body.find('\n', nl + 1) - nl - 1) == std::to_string(size)) {
        return body;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "no witnessed checkpoint of size " << size;
  return "";
}

TEST(LogE2E, GoTlogReadsTheTilesOfARealSignetdAndRecomputesItsRoot) {
  TempDir dir;
  LogSetup setup(dir.path() / "log");
  SignetdProcess signetd(SIGNETD_BIN, setup.data, setup.Env({}, 0));
  ASSERT_TRUE(signetd.Start()) << signetd.StderrText();
  const std::uint16_t port = signetd.port();
  TestArtist ada = TestArtist::FromSeedByte(1, "Ada");
  Populate(port, ada, 140);
  // An earlier checkpoint, for Go to check consistency from.
  HttpReply old = Call(port, "GET", "/v1/log/checkpoint");
  ASSERT_EQ(old.status, 200);
  EXPECT_EQ(old.Header("cache-control"), "no-store");
  WriteFile(dir.path() / "old.checkpoint", old.body);
  Populate(port, ada, 159, 2);
  ASSERT_EQ(LogSize(port), 300u);

  const std::string prefix = "http://127.0.0.1:" + std::to_string(port) + "/v1/log";
  CommandRun go = Command(Q(TILES_INTEROP_BIN) + " -prefix " + prefix + " -vkey " +
                          Q(setup.vkey_file().string()) + " -old-checkpoint " +
                          Q((dir.path() / "old.checkpoint").string()));
  EXPECT_EQ(go.status, 0) << go.output;
  std::printf("%s", go.output.c_str());  // what Go checked, for the log
  EXPECT_NE(go.output.find("size 300: TreeHash over"), std::string::npos) << go.output;
  EXPECT_NE(go.output.find("300 entries hash to their leaves, consistent with size 141"),
            std::string::npos)
      << go.output;

  // What a static tlog-tiles server would answer, and problem+json otherwise.
  HttpReply full = Call(port, "GET", "/v1/log/tile/0/000");
  EXPECT_EQ(full.status, 200);
  EXPECT_EQ(full.body.size(), 8192u);
  EXPECT_EQ(full.ContentType(), "application/octet-stream");
  EXPECT_EQ(full.Header("cache-control"), "public, max-age=31536000, immutable");
  HttpReply partial = Call(port, "GET", "/v1/log/tile/0/001.p/44");
  EXPECT_EQ(partial.status, 200);
  EXPECT_EQ(partial.body.size(), 44u * 32);
  EXPECT_EQ(partial.Header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Call(port, "GET", "/v1/log/tile/0/001.p/12").status, 200)
      << "a narrower partial tile of an earlier size";
  EXPECT_EQ(Call(port, "GET", "/v1/log/tile/1/000.p/1").body.size(), 32u);
  EXPECT_EQ(Call(port, "GET", "/v1/log/tile/entries/001.p/44").status, 200);
  HttpReply beyond = Call(port, "GET", "/v1/log/tile/0/001");
  EXPECT_EQ(beyond.status, 404);
  EXPECT_EQ(beyond.ContentType(), "application/problem+json");
  EXPECT_NE(beyond.body.find("size 300"), std::string::npos) << beyond.body;
  EXPECT_EQ(Call(port, "GET", "/v1/log/tile/0/001.p/45").status, 404);
  for (const char* bad :
       {"/v1/log/tile/0/01", "/v1/log/tile/0/000.p/256", "/v1/log/tile/00/000",
        "/v1/log/tile/0/x000/001", "/v1/log/tile/entries/001.p/044", "/v1/log/tile/64/000"}) {
    HttpReply r = Call(port, "GET", bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.ContentType(), "application/problem+json") << bad;
    EXPECT_NE(r.body.find("malformed tile path"), std::string::npos) << r.body;
  }

  // A statement too large for an entry bundle is refused, naming the limit.
  WorkSpec whole;
  whole.values = RandomFingerprint(7, 20000);
  const std::string big = ada.RegisterWork(whole);
  HttpReply refused = Call(port, "POST", "/v1/statements", big);
  EXPECT_EQ(refused.status, 413) << refused.body;
  EXPECT_EQ(refused.ContentType(), "application/problem+json");
  bj::object problem = bj::parse(refused.body).as_object();
  EXPECT_EQ(problem.at("max_bytes").to_number<std::uint64_t>(), 65535u);
  EXPECT_EQ(problem.at("bytes").to_number<std::uint64_t>(), big.size());
  EXPECT_EQ(LogSize(port), 300u);
  EXPECT_EQ(signetd.Stop(), 0);
}

TEST(LogE2E, WitnessesCosignAndVerifiersRequireKOfN) {
  TempDir dir;
  LogSetup setup(dir.path() / "log");
  WitnessProcess w1(TEST_WITNESS_BIN, dir.path() / "w1", "w1.test", {setup.vkey});
  WitnessProcess w2(TEST_WITNESS_BIN, dir.path() / "w2", "w2.test", {setup.vkey});
  // w3 trusts another key for this origin, so it never cosigns (403).
  LogSetup other(dir.path() / "other", 43);
  WitnessProcess w3(TEST_WITNESS_BIN, dir.path() / "w3", "w3.test", {other.vkey});
  for (WitnessProcess* w : {&w1, &w2, &w3}) ASSERT_TRUE(w->Start());
  for (WitnessProcess* w : {&w1, &w2, &w3})
    WriteFile(dir.path() / (w->name() + ".vkey"), w->vkey());
  SignetdProcess signetd(SIGNETD_BIN, setup.data, setup.Env({&w1, &w2, &w3}, 2));
  ASSERT_TRUE(signetd.Start()) << signetd.StderrText();
  const std::uint16_t port = signetd.port();
  TestArtist ada = TestArtist::FromSeedByte(1, "Ada");
  Populate(port, ada, 20);
  const std::string cp = WaitWitnessed(port, 21);
  ASSERT_FALSE(cp.empty());
  WriteFile(dir.path() / "now.checkpoint", cp);

  const std::string signet = Q(SIGNET_CLI_BIN);
  const std::string key = " --key " + Q(setup.vkey_file().string());
  std::string witnesses;
  for (const char* w : {"w1.test", "w2.test", "w3.test"}) {
    witnesses += " --witness " + Q((dir.path() / (std::string(w) + ".vkey")).string());
  }
  CommandRun ok =
      Command(signet + " verify checkpoint" + key + " " +
              Q((dir.path() / "now.checkpoint").string()) + witnesses + " --witnesses-required 2");
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("cosigned by 2 of 3 named witnesses (2 required): w1.test, w2.test"),
            std::string::npos)
      << ok.output;
  CommandRun too_few =
      Command(signet + " verify checkpoint" + key + " " +
              Q((dir.path() / "now.checkpoint").string()) + witnesses + " --witnesses-required 3");
  EXPECT_EQ(too_few.status, 1) << too_few.output;
  EXPECT_NE(too_few.output.find("cosigned by 2 of the 3 required witnesses"), std::string::npos)
      << too_few.output;
  EXPECT_NE(too_few.output.find("missing: w3.test"), std::string::npos) << too_few.output;

  // A receipt against the witnessed checkpoint.
  HttpReply receipt = Call(port, "GET", "/v1/log/receipt?index=5");
  ASSERT_EQ(receipt.status, 200) << receipt.body;
  WriteFile(dir.path() / "receipt.json", receipt.body);
  CommandRun r =
      Command(signet + " verify receipt" + key + " " + Q((dir.path() / "receipt.json").string()) +
              witnesses + " --witnesses-required 2");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("is leaf 5 of log signet.test/log at tree size 21"), std::string::npos)
      << r.output;

  // The refusing witness shows in /metrics and in signetd's report.
  HttpReply metrics = Call(port, "GET", "/metrics");
  EXPECT_NE(metrics.body.find("signet_log_witnessed_size 21"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("signet_log_witness_cosignatures{witness=\"w1.test\"}"),
            std::string::npos);
  EXPECT_NE(w3.LogText().find("add-checkpoint: 403"), std::string::npos) << w3.LogText();

  // A mirror requiring both trusted witnesses copies and then resumes.
  const std::string mirror = signet + " mirror --server http://127.0.0.1:" + std::to_string(port) +
                             " --out " + Q((dir.path() / "mirror").string()) + " --witness " +
                             Q((dir.path() / "w1.test.vkey").string()) + " --witness " +
                             Q((dir.path() / "w2.test.vkey").string());
  CommandRun m1 = Command(mirror + key);
  EXPECT_EQ(m1.status, 0) << m1.output;
  EXPECT_NE(m1.output.find("from size 0 to 21"), std::string::npos) << m1.output;
  Populate(port, ada, 10, 2);
  ASSERT_FALSE(WaitWitnessed(port, 31).empty());
  CommandRun m2 = Command(mirror);
  EXPECT_EQ(m2.status, 0) << m2.output;
  std::printf("%s", m2.output.c_str());
  EXPECT_NE(m2.output.find("from size 21 to 31"), std::string::npos) << m2.output;
  EXPECT_NE(m2.output.find("10 entries verified"), std::string::npos) << m2.output;
  EXPECT_NE(m2.output.find("2 cosignatures"), std::string::npos) << m2.output;
  EXPECT_EQ(signetd.Stop(), 0);
}

TEST(LogE2E, AWitnessRefusesAForkedSignetd) {
  TempDir dir;
  LogSetup honest(dir.path() / "honest");
  WitnessProcess w1(TEST_WITNESS_BIN, dir.path() / "w1", "w1.test", {honest.vkey});
  ASSERT_TRUE(w1.Start());
  std::string witnessed;
  {
    SignetdProcess a(SIGNETD_BIN, honest.data, honest.Env({&w1}, 1));
    ASSERT_TRUE(a.Start()) << a.StderrText();
    TestArtist ada = TestArtist::FromSeedByte(1, "Ada");
    Populate(a.port(), ada, 9);
    witnessed = WaitWitnessed(a.port(), 10);
    ASSERT_FALSE(witnessed.empty());
    CommandRun m =
        Command(Q(SIGNET_CLI_BIN) +
                " mirror -q --server http://127.0.0.1:" + std::to_string(a.port()) + " --out " +
                Q((dir.path() / "mirror").string()) + " --key " + Q(honest.vkey_file().string()));
    EXPECT_EQ(m.status, 0) << m.output;
    EXPECT_EQ(a.Stop(), 0);
  }
  // The same server key (LogSetup's default seed), another history: a split
  // view of "the" log.
  LogSetup forked(dir.path() / "forked");
  ASSERT_EQ(forked.vkey, honest.vkey);
  SignetdProcess b(SIGNETD_BIN, forked.data, forked.Env({&w1}, 1));
  ASSERT_TRUE(b.Start()) << b.StderrText();
  TestArtist bo = TestArtist::FromSeedByte(2, "Bo");
  Populate(b.port(), bo, 14, 9);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // several publication rounds
  HttpReply cp = Call(b.port(), "GET", "/v1/log/checkpoint");
  EXPECT_EQ(cp.status, 503) << "no witness vouches for the fork: " << cp.body;
  EXPECT_EQ(cp.Header("retry-after"), "5");
  EXPECT_NE(w1.LogText().find("add-checkpoint: 422"), std::string::npos) << w1.LogText();
  EXPECT_EQ(b.Stop(), 0);
  EXPECT_NE(b.StderrText().find("not consistent with what it cosigned"), std::string::npos)
      << b.StderrText();
  {
    // The fork served without witnesses: a mirror of the honest log finds it
    // out, exits 1 and keeps its copy.
    SignetdProcess unwitnessed(SIGNETD_BIN, forked.data, forked.Env({}, 0));
    ASSERT_TRUE(unwitnessed.Start()) << unwitnessed.StderrText();
    const std::string before = [&] {
      std::ifstream in(dir.path() / "mirror" / "checkpoint");
      return std::string(std::istreambuf_iterator<char>(in), {});
    }();
    CommandRun m = Command(Q(SIGNET_CLI_BIN) + " mirror -q --server http://127.0.0.1:" +
                           std::to_string(unwitnessed.port()) + " --out " +
                           Q((dir.path() / "mirror").string()));
    EXPECT_EQ(m.status, 1) << m.output;
    EXPECT_NE(m.output.find("INCONSISTENT"), std::string::npos) << m.output;
    std::printf("%s", m.output.c_str());
    std::ifstream after(dir.path() / "mirror" / "checkpoint");
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(after), {}), before);
    EXPECT_EQ(unwitnessed.Stop(), 0);
  }
  // The witness still holds the honest checkpoint (its monitoring endpoint).
  const crypto::Digest origin_hash = crypto::Sha256(kOrigin);
  const std::string hash_hex = crypto::HexEncode(crypto::ByteView(origin_hash));
  const std::uint16_t wport =
      static_cast<std::uint16_t>(std::stoi(w1.url().substr(w1.url().rfind(':') + 1)));
  HttpReply held = Call(wport, "GET", "/" + hash_hex + "/checkpoint");
  ASSERT_EQ(held.status, 200);
  EXPECT_EQ(held.body.substr(0, held.body.find("\n\n")),
            witnessed.substr(0, witnessed.find("\n\n")));
}

}  // namespace
}  // namespace signet

// Faults against the real signetd binary on 127.0.0.1 with a temp data dir:
//  - SIGKILL at random moments under concurrent signed registrations, then
//    restart: every acknowledged statement is in the log verbatim, the root
//    recomputed from the leaves matches the signed checkpoint, the matcher
//    finds every registered work;
//  - an unwritable data directory is refused at start with a clear message;
//  - a full disk (a small tmpfs) answers writes 503 with a clear problem,
//    commits nothing half-way, and the service recovers when space returns;
//  - audio bombs posted to /v1/match are refused within the limits of size,
//    duration and decode time with a problem+json that says what to do.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <random>
#include <thread>

#include "registry/testing/statements.h"
#include "tests/e2e/signetd_process.h"
#include "tests/faults/fault_support.h"
#include "tests/faults/fault_test_util.h"
#include "tests/server/test_client.h"

namespace signet {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using faults::ExpectProblemMentioning;
using faults::Explain;
using faults::RegistrationLoad;
using faults::TempDir;
using faults::TmpfsMount;
using faults::VerifyAcknowledged;
using faults::WavHeader;
using registry::testing::TestArtist;
using registry::testing::WorkSpec;
using testing::HttpReply;
using testing::SignetdProcess;
using Clock = std::chrono::steady_clock;

const fs::path kSignetd = fs::path(SIGNET_BINARY_DIR) / "server" / "signetd";
const std::vector<std::string> kEnv = {"SIGNET_ACCESS_LOG=0", "SIGNET_IO_THREADS=2",
                                       "SIGNET_WORKER_THREADS=2"};
// The crash test's clients and its verifier all come from 127.0.0.1, faster
// than the default per-client request rate: it tests durability, not limits.
std::vector<std::string> Unlimited(std::vector<std::string> env) {
  env.push_back("SIGNET_RATE_LIMIT=0");
  return env;
}

TEST(CrashTest, KilledUnderLoadLosesNoAcknowledgedStatement) {
  fs::path data = TempDir("crash");
  std::mt19937 rng(static_cast<unsigned>(::getpid()));
  RegistrationLoad load(4, 10, 120);
  load.set_pause(std::chrono::milliseconds(10));
  auto server = std::make_unique<SignetdProcess>(kSignetd, data, Unlimited(kEnv));
  ASSERT_TRUE(server->Start()) << server->StderrText();
  load.set_port(server->port());
  load.Start();
  int kills = 0;
  for (int round = 0; round < 4; ++round) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 1500)(rng)));
    load.set_port(0);  // requests already sent stay in flight and die with it
    server.reset();    // SIGKILL and reap
    ++kills;
    server = std::make_unique<SignetdProcess>(kSignetd, data, Unlimited(kEnv));
    ASSERT_TRUE(server->Start()) << "restart " << round << ": " << server->StderrText();
    load.set_port(server->port());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  load.Stop();
  auto figures = load.figures();
  // Registrations went through before, between and after the kills.
  ASSERT_GT(figures.acknowledged, 20u);

  // One more restart, to read only what was made durable.
  server.reset();
  server = std::make_unique<SignetdProcess>(kSignetd, data, Unlimited(kEnv));
  ASSERT_TRUE(server->Start()) << server->StderrText();
  auto acked = load.acknowledged();
  auto v = VerifyAcknowledged(server->port(), acked);
  EXPECT_TRUE(v.ok) << Explain(v);
  EXPECT_EQ(v.statements_checked, acked.size());
  EXPECT_GE(v.log_size, acked.size());
  EXPECT_GT(v.works_matched, 0u);
  std::printf(
      "crash test: %llu acknowledged, %llu refused, %llu unanswered, %d kills, log size %llu\n",
      static_cast<unsigned long long>(figures.acknowledged),
      static_cast<unsigned long long>(figures.refused),
      static_cast<unsigned long long>(figures.no_answer), kills,
      static_cast<unsigned long long>(v.log_size));
  EXPECT_EQ(server->Stop(), 0);
  server.reset();
  fs::remove_all(data);
  fs::remove(data.string() + ".stderr");
}

// kill -9 while the index writes segments. With a delta of 1,024 positions
// every 3-minute registration flushes a segment, and merges follow, so the
// kills land in segment and manifest writes. A torn write may leave only a
// *.tmp or a file no durable manifest names, never a damaged listed one: each
// restart opens the persisted index (or finds none yet) instead of discarding
// it, replays only the log's tail, and every acknowledged work is found.
TEST(CrashTest, KilledDuringSegmentWritesLeavesAConsistentIndex) {
  fs::path data = TempDir("segkill");
  const fs::path index_dir = data / "registry" / "index";
  std::mt19937 rng(static_cast<unsigned>(::getpid()) + 1);
  std::vector<std::string> env = Unlimited(kEnv);
  env.push_back("SIGNET_INDEX_DELTA_POSITIONS=1024");
  env.push_back("SIGNET_INDEX_COMPACT_IDLE_MS=50");
  RegistrationLoad load(4, 40, 1450);  // 3-minute prints
  auto server = std::make_unique<SignetdProcess>(kSignetd, data, env);
  ASSERT_TRUE(server->Start()) << server->StderrText();
  load.set_port(server->port());
  load.Start();
  int kills = 0, opened = 0, torn = 0;
  for (int round = 0; round < 5; ++round) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 1200)(rng)));
    load.set_port(0);
    server.reset();  // SIGKILL and reap
    ++kills;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(index_dir, ec)) {
      if (e.path().extension() == ".tmp") ++torn;  // a write the kill cut short
    }
    const auto before =
        static_cast<std::size_t>(fs::file_size(data.string() + ".stderr", ec));  // appended to
    server = std::make_unique<SignetdProcess>(kSignetd, data, env);
    ASSERT_TRUE(server->Start()) << "restart " << round << ": " << server->StderrText();
    const std::string startup = server->StderrText().substr(before);
    EXPECT_EQ(startup.find("unusable"), std::string::npos) << startup;
    EXPECT_EQ(startup.find("another log"), std::string::npos) << startup;
    if (startup.find("fingerprint index: opened") != std::string::npos) ++opened;
    load.set_port(server->port());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  load.Stop();
  ASSERT_GT(load.figures().acknowledged, 20u);
  // Segments were persisted before the later kills, so restarts opened them.
  EXPECT_GE(opened, 3);

  server.reset();
  server = std::make_unique<SignetdProcess>(kSignetd, data, env);
  ASSERT_TRUE(server->Start()) << server->StderrText();
  auto acked = load.acknowledged();
  auto v = VerifyAcknowledged(server->port(), acked);
  EXPECT_TRUE(v.ok) << Explain(v);
  EXPECT_EQ(v.statements_checked, acked.size());
  EXPECT_GT(v.works_matched, 0u);
  std::printf(
      "segment-write crash test: %llu acknowledged, %d kills, %d restarts opened the persisted "
      "index, %d kills cut a file write short\n",
      static_cast<unsigned long long>(load.figures().acknowledged), kills, opened, torn);
  EXPECT_EQ(server->Stop(), 0);
  server.reset();
  fs::remove_all(data);
  fs::remove(data.string() + ".stderr");
}

TEST(DataDirTest, UnwritableDataDirIsRefusedAtStartWithAClearMessage) {
  // A data dir that is a regular file.
  fs::path base = TempDir("notadir");
  fs::create_directories(base);
  std::ofstream(base / "file") << "x";
  {
    SignetdProcess s(kSignetd, base / "file", kEnv);
    EXPECT_FALSE(s.Start());
    EXPECT_NE(s.StderrText().find("cannot create data directory"), std::string::npos)
        << s.StderrText();
  }
  // A read-only file system (root ignores permission bits, so mount one).
  TmpfsMount ro(TempDir("readonly"), "size=1m");
  if (ro.mounted()) {
    ro.Remount(MS_RDONLY, "size=1m");
    SignetdProcess s(kSignetd, ro.dir(), kEnv);
    EXPECT_FALSE(s.Start());
    std::string err = s.StderrText();
    EXPECT_NE(err.find("signetd: "), std::string::npos) << err;
    EXPECT_NE(err.find("Read-only file system"), std::string::npos) << err;
    fs::remove(ro.dir().string() + ".stderr");
  } else if (::geteuid() != 0) {
    fs::path dir = TempDir("readonly_perm");
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    SignetdProcess s(kSignetd, dir, kEnv);
    EXPECT_FALSE(s.Start());
    EXPECT_NE(s.StderrText().find("Permission denied"), std::string::npos) << s.StderrText();
    fs::permissions(dir, fs::perms::owner_all);
    fs::remove_all(dir);
  }
  fs::remove_all(base);
}

// ---- hostile clients at the transport, through the real binary ------------
// (tests/server covers the transport against a test handler; these check that
// signetd's configuration wires the same protections in front of the API.)

TEST(HostileClientsTest, OneBytePerSecondAndAThousandIdleConnectionsDoNotStopOthers) {
  fs::path data = TempDir("slow");
  std::vector<std::string> env = kEnv;
  env.push_back("SIGNET_HEADER_TIMEOUT_MS=3000");
  env.push_back("SIGNET_IDLE_TIMEOUT_MS=3000");
  SignetdProcess server(kSignetd, data, env);
  ASSERT_TRUE(server.Start()) << server.StderrText();
  // One byte per second of a request head: cut off by the head timeout.
  testing::TestConnection slow(server.port());
  std::atomic<bool> done{false};
  std::thread dribble([&] {
    std::string req = testing::BuildRequest("GET", "/healthz", "");
    for (char ch : req) {
      if (done || !slow.Send(std::string_view(&ch, 1))) break;
      for (int i = 0; i < 10 && !done; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::vector<std::unique_ptr<testing::TestConnection>> idle;
  for (int i = 0; i < 1000; ++i) {
    // From four other addresses, under the per-address connection limit.
    idle.push_back(std::make_unique<testing::TestConnection>(
        server.port(), "127.0.0." + std::to_string(2 + i % 4)));
    ASSERT_TRUE(idle.back()->connected()) << i;
  }
  // Others are served at once, real routes included, while those hang on.
  auto t0 = Clock::now();
  EXPECT_EQ(testing::Fetch(server.port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(testing::Fetch(server.port(), "GET", "/v1/log/checkpoint").status, 200);
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(1));
  EXPECT_FALSE(slow.WaitClosed(std::chrono::milliseconds(1)));
  EXPECT_TRUE(slow.WaitClosed(std::chrono::seconds(10)));
  for (auto& c : idle) EXPECT_TRUE(c->WaitClosed(std::chrono::seconds(10)));
  done = true;
  dribble.join();
  EXPECT_EQ(testing::Fetch(server.port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(server.Stop(), 0);
  fs::remove_all(data);
  fs::remove(data.string() + ".stderr");
}

TEST(HostileClientsTest, PerClientRateLimitAnswers429WithRetryAfter) {
  fs::path data = TempDir("rate");
  std::vector<std::string> env = kEnv;
  env.push_back("SIGNET_RATE_LIMIT=2");
  env.push_back("SIGNET_RATE_BURST=4");
  SignetdProcess server(kSignetd, data, env);
  ASSERT_TRUE(server.Start()) << server.StderrText();
  int ok = 0, limited = 0;
  for (int i = 0; i < 20; ++i) {
    HttpReply r = testing::Fetch(server.port(), "GET", "/healthz");
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      EXPECT_EQ(r.ContentType(), "application/problem+json");
      EXPECT_GE(std::atoi(r.Header("retry-after").c_str()), 1) << r.Header("retry-after");
    }
  }
  EXPECT_GE(ok, 4);
  EXPECT_LE(ok, 6);  // the burst, plus what refilled meanwhile
  EXPECT_EQ(ok + limited, 20);
  EXPECT_EQ(server.Stop(), 0);
  fs::remove_all(data);
  fs::remove(data.string() + ".stderr");
}

// ---- audio bombs ------------------------------------------------------------

class AudioBombTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new fs::path(TempDir("bombs"));
    std::vector<std::string> env = kEnv;
    env.push_back("SIGNET_MAX_AUDIO_SECONDS=600");
    server_ = new SignetdProcess(kSignetd, *data_, env);
    ASSERT_TRUE(server_->Start()) << server_->StderrText();
  }
  static void TearDownTestSuite() {
    if (server_) {
      EXPECT_EQ(server_->Stop(), 0);
    }
    delete server_;
    if (data_) {
      fs::remove_all(*data_);
      fs::remove(data_->string() + ".stderr");
    }
    delete data_;
  }
  // Posts and checks the bomb is refused with a problem, quickly: 413 when a
  // limit (duration, sample rate) refused it, 400 when it does not decode.
  static HttpReply Refused(const std::string& body, const std::string& type,
                           std::initializer_list<int> statuses) {
    auto start = Clock::now();
    HttpReply r =
        testing::Fetch(server_->port(), "POST", "/v1/match", body, {{"Content-Type", type}});
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    EXPECT_NE(std::find(statuses.begin(), statuses.end(), r.status), statuses.end())
        << r.status << " " << r.body;
    EXPECT_EQ(r.ContentType(), "application/problem+json") << r.body;
    EXPECT_LT(seconds, 30.0) << "the decode-time limit did not apply";
    EXPECT_EQ(testing::Fetch(server_->port(), "GET", "/healthz").status, 200);
    return r;
  }
  static fs::path* data_;
  static SignetdProcess* server_;
};
fs::path* AudioBombTest::data_ = nullptr;
SignetdProcess* AudioBombTest::server_ = nullptr;

TEST_F(AudioBombTest, AnHourOfSilenceAsWavIsRefusedForItsDuration) {
  // 8 kHz, 8-bit mono: an hour is 28.8 MB, under the byte limit, over the
  // duration limit (600 s here).
  const std::uint32_t bytes = 8000 * 3600;
  std::string wav = WavHeader(8000, 1, 8, bytes) + std::string(bytes, '\x80');
  HttpReply r = Refused(wav, "audio/wav", {413});
  EXPECT_NE(r.body.find("longer than the 600"), std::string::npos) << r.body;
}

TEST_F(AudioBombTest, AnHourOfSilenceAsFlacIsRefusedForItsDuration) {
  fs::path flac = *data_ / "silence.flac";
  std::string cmd =
      "ffmpeg -loglevel error -y -f lavfi -i anullsrc=r=8000:cl=mono -t 3600 -c:a flac " +
      flac.string() + " 2>&1";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "ffmpeg cannot make the FLAC bomb";
  std::ifstream in(flac, std::ios::binary);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_LT(body.size(), 16u << 20) << "small on the wire, long when decoded";
  HttpReply r = Refused(body, "audio/flac", {413});
  EXPECT_NE(r.body.find("longer than the 600"), std::string::npos) << r.body;
}

TEST_F(AudioBombTest, AHugeSampleRateHeaderIsRefused) {
  std::string pcm(1 << 16, '\0');
  for (std::uint32_t rate : {0xFFFFFFFFu, 0x7FFFFFFFu, 0u, 1u}) {
    SCOPED_TRACE(rate);
    (void)Refused(WavHeader(rate, 2, 16, static_cast<std::uint32_t>(pcm.size())) + pcm, "audio/wav",
                  {400, 413});
  }
  // 65535 channels of 16 bits.
  Refused(WavHeader(44100, 0xFFFF, 16, static_cast<std::uint32_t>(pcm.size())) + pcm, "audio/wav",
          {400, 413});
}

TEST_F(AudioBombTest, MalformedContainersAreRefused) {
  std::mt19937 rng(3);
  std::string junk(1 << 16, '\0');
  for (char& c : junk) c = static_cast<char>(rng());
  // A WAV header that claims 4 GiB of data but carries 64 KiB.
  Refused(WavHeader(44100, 2, 16, 0xFFFFFFF0u) + junk, "audio/wav", {400});
  Refused("OggS" + junk, "audio/ogg", {400});
  Refused("fLaC" + junk, "audio/flac", {400});
  Refused("ID3\x04" + std::string(6, '\x7f') + junk, "audio/mpeg", {400});
  Refused(std::string("RIFF"), "audio/wav", {400});
  Refused(std::string(), "audio/ogg", {400});
}

TEST_F(AudioBombTest, AnOversizedBodyIsRefusedFromItsLength) {
  testing::TestConnection c(server_->port());
  ASSERT_TRUE(
      c.Send("POST /v1/match HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\n"
             "Content-Length: 4294967296\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->ContentType(), "application/problem+json");
}

}  // namespace
}  // namespace signet

// A full disk, against the real signetd on a small tmpfs of its own (needs
// CAP_SYS_ADMIN; skipped otherwise): writes are refused 503 before RocksDB
// sees ENOSPC, reads go on, SIGTERM exits 0 and loses nothing, a start on a
// full disk serves reads and refuses writes, and writes are accepted again
// once space returns, without a restart.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

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
using registry::testing::TestArtist;
using registry::testing::WorkSpec;
using testing::HttpReply;
using testing::SignetdProcess;
using Clock = std::chrono::steady_clock;

const fs::path kSignetd = fs::path(SIGNET_BINARY_DIR) / "server" / "signetd";
const std::vector<std::string> kEnv = {"SIGNET_ACCESS_LOG=0", "SIGNET_IO_THREADS=2",
                                       "SIGNET_WORKER_THREADS=2"};

// One artist's signed writes to whichever signetd is on port(), remembering
// every acknowledged statement.
class Writer {
 public:
  explicit Writer(std::uint8_t seed) : artist_(TestArtist::FromSeedByte(seed, "Disk Full")) {}
  std::uint16_t port = 0;

  HttpReply Post(const std::string& body) {
    return testing::Fetch(port, "POST", "/v1/statements", body,
                          {{"Content-Type", "application/json"}});
  }
  HttpReply RegisterArtist() { return Keep(artist_.Register(), {}); }
  HttpReply RegisterWork() {
    const std::uint64_t n = next_++;
    WorkSpec spec;
    spec.values = registry::testing::RandomFingerprint(4000 + n, 120);
    spec.title = "disk full " + std::to_string(n);
    return Keep(artist_.RegisterWork(spec), spec.values);
  }
  // Registers works until one is refused (at most `tries`); returns that answer.
  HttpReply RegisterUntilRefused(int tries) {
    HttpReply r;
    for (int i = 0; i < tries; ++i) {
      r = RegisterWork();
      if (r.status != 201) break;
    }
    return r;
  }
  // Retries a registration for up to `patience` until it is accepted.
  HttpReply RegisterWithin(std::chrono::seconds patience) {
    HttpReply r;
    const auto deadline = Clock::now() + patience;
    do {
      r = RegisterWork();
      if (r.status == 201) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } while (Clock::now() < deadline);
    return r;
  }
  const std::vector<faults::Acknowledged>& acked() const { return acked_; }

 private:
  HttpReply Keep(std::string envelope, std::vector<std::uint32_t> fingerprint) {
    HttpReply r = Post(envelope);
    if (r.status == 201) {
      faults::Acknowledged a;
      a.envelope = std::move(envelope);
      a.fingerprint = std::move(fingerprint);
      bj::value v = bj::parse(r.body);
      a.log_index = v.at("log_index").to_number<std::uint64_t>();
      if (auto* w = v.as_object().if_contains("work_id")) a.work_id = std::string(w->as_string());
      acked_.push_back(std::move(a));
    }
    return r;
  }

  TestArtist artist_;
  std::uint64_t next_ = 0;
  std::vector<faults::Acknowledged> acked_;
};

// Restarts on `data` and checks every acknowledged statement is there.
void ExpectNothingLost(const fs::path& data, const Writer& writer) {
  SignetdProcess restarted(kSignetd, data, kEnv);
  ASSERT_TRUE(restarted.Start()) << restarted.StderrText();
  auto v = faults::VerifyAcknowledged(restarted.port(), writer.acked());
  EXPECT_TRUE(v.ok) << faults::Explain(v);
  EXPECT_EQ(restarted.Stop(), 0) << restarted.StderrText();
}

TEST(DiskFullTest, WritesAnswer503AndTheServiceRecoversWhenSpaceReturns) {
  faults::TmpfsMount disk(faults::TempDir("diskfull"), "size=24m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs CAP_SYS_ADMIN)";
  // The mount itself is the data dir, so that signetd's stderr file (next to
  // it) is not on the full disk.
  const fs::path& data = disk.dir();
  SignetdProcess server(kSignetd, data, kEnv);
  ASSERT_TRUE(server.Start()) << server.StderrText();
  Writer writer(40);
  writer.port = server.port();
  ASSERT_EQ(writer.RegisterArtist().status, 201);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(writer.RegisterWork().status, 201);

  const fs::path filler = data / "filler";
  faults::FillDisk(filler);
  // At most a few writes fit in what is left; then every write is refused 503, clearly.
  HttpReply refused = writer.RegisterUntilRefused(2000);
  {
    SCOPED_TRACE("signetd stderr: " + server.StderrText());
    ExpectProblemMentioning(refused, 503, "space");
  }
  // Reads keep working while the disk is full.
  EXPECT_EQ(testing::Fetch(server.port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(
      testing::Fetch(server.port(), "GET", "/v1/works/" + writer.acked().back().work_id).status,
      200);

  // Space returns: writes are accepted again without a restart.
  fs::remove(filler);
  HttpReply again = writer.RegisterWithin(std::chrono::seconds(20));
  EXPECT_EQ(again.status, 201) << "no recovery after space returned: " << again.body;

  // Nothing half-written: after a restart every acknowledged statement is
  // there and the log verifies.
  EXPECT_EQ(server.Stop(), 0) << server.StderrText();
  ExpectNothingLost(data, writer);
  fs::remove(data.string() + ".stderr");
}

TEST(DiskFullTest, StopAndStartOnAFullDiskLoseNothingAndServeReads) {
  faults::TmpfsMount disk(faults::TempDir("diskfull_restart"), "size=24m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs CAP_SYS_ADMIN)";
  const fs::path& data = disk.dir();
  Writer writer(41);
  auto server = std::make_unique<SignetdProcess>(kSignetd, data, kEnv);
  ASSERT_TRUE(server->Start()) << server->StderrText();
  writer.port = server->port();
  ASSERT_EQ(writer.RegisterArtist().status, 201);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(writer.RegisterWork().status, 201);

  const fs::path filler = data / "filler";
  faults::FillDisk(filler);
  ExpectProblemMentioning(writer.RegisterUntilRefused(2000), 503, "space");

  // SIGTERM on the full disk: a clean exit, not an abort.
  EXPECT_EQ(server->Stop(), 0) << server->StderrText();

  // A start on the full disk serves reads and refuses writes.
  server = std::make_unique<SignetdProcess>(kSignetd, data, kEnv);
  ASSERT_TRUE(server->Start()) << server->StderrText();
  writer.port = server->port();
  EXPECT_EQ(testing::Fetch(server->port(), "GET", "/healthz").status, 200);
  for (const auto& a : writer.acked()) {
    if (a.work_id.empty()) continue;
    EXPECT_EQ(testing::Fetch(server->port(), "GET", "/v1/works/" + a.work_id).status, 200)
        << a.work_id;
  }
  {
    SCOPED_TRACE("signetd stderr: " + server->StderrText());
    ExpectProblemMentioning(writer.RegisterWork(), 503, "space");
  }
  // A second stop and start while still full.
  EXPECT_EQ(server->Stop(), 0) << server->StderrText();
  server = std::make_unique<SignetdProcess>(kSignetd, data, kEnv);
  ASSERT_TRUE(server->Start()) << server->StderrText();
  writer.port = server->port();
  EXPECT_EQ(testing::Fetch(server->port(), "GET", "/healthz").status, 200);

  // Space returns: the same process accepts writes.
  fs::remove(filler);
  HttpReply again = writer.RegisterWithin(std::chrono::seconds(20));
  EXPECT_EQ(again.status, 201) << "no recovery after space returned: " << again.body;
  EXPECT_EQ(server->Stop(), 0) << server->StderrText();
  server.reset();
  ExpectNothingLost(data, writer);
  fs::remove(data.string() + ".stderr");
}

}  // namespace
}  // namespace signet

// Issue 12's defects, each reproduced against the real signetd binary on
// 127.0.0.1 with default settings unless a test says otherwise: request
// smuggling through framing the server read differently from a front end,
// stream slots held by dripping clients, out-of-range integers, one client
// taking every connection, unbounded request bodies in memory; plus lingering
// close, HEAD, many-channel audio and duplicate JSON keys.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/signetd_process.h"
#include "tests/faults/fault_test_util.h"
#include "tests/server/test_client.h"

namespace signet {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using testing::HttpReply;
using testing::SignetdProcess;
using testing::TestConnection;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

const fs::path kSignetd = fs::path(SIGNET_BINARY_DIR) / "server" / "signetd";
const std::vector<std::string> kEnv = {"SIGNET_ACCESS_LOG=0", "SIGNET_IO_THREADS=2",
                                       "SIGNET_WORKER_THREADS=2"};

// One signetd for a test suite, with `extra` settings on top of kEnv.
class Signetd {
 public:
  explicit Signetd(const std::string& name, std::vector<std::string> extra = {})
      : data_(faults::TempDir(name)) {
    std::vector<std::string> env = kEnv;
    env.insert(env.end(), extra.begin(), extra.end());
    process_ = std::make_unique<SignetdProcess>(kSignetd, data_, env);
    started_ = process_->Start();
  }
  ~Signetd() {
    if (started_) {
      EXPECT_EQ(process_->Stop(), 0) << process_->StderrText();
    }
    process_.reset();
    fs::remove_all(data_);
    fs::remove(data_.string() + ".stderr");
  }
  bool started() const { return started_; }
  std::uint16_t port() const { return process_->port(); }
  std::string stderr_text() const { return process_->StderrText(); }
  SignetdProcess& process() { return *process_; }

 private:
  fs::path data_;
  std::unique_ptr<SignetdProcess> process_;
  bool started_ = false;
};

// ---- 1. request smuggling ---------------------------------------------------

TEST(SmugglingTest, AmbiguousFramingIsRefusedAndTheHiddenRequestNeverRuns) {
  Signetd server("smuggling");
  ASSERT_TRUE(server.started()) << server.stderr_text();
  // A request a front end might forward whole, hiding a second request in
  // what signetd could take for the start of the next one.
  const std::string hidden = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  struct Case {
    std::string name, head;
    int status;
  };
  const std::vector<Case> cases = {
      {"last coding not chunked", "Transfer-Encoding: xchunked\r\n", 400},
      {"chunked then identity", "Transfer-Encoding: chunked, identity\r\n", 400},
      {"chunked then identity, two fields",
       "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", 400},
      {"chunked twice", "Transfer-Encoding: chunked, chunked\r\n", 400},
      {"an unimplemented coding", "Transfer-Encoding: gzip, chunked\r\n", 501},
      {"TE with Content-Length",
       "Content-Length: " + std::to_string(hidden.size()) + "\r\nTransfer-Encoding: chunked\r\n",
       400},
      {"two Content-Length values", "Content-Length: 0\r\nContent-Length: 34\r\n", 400},
      {"a Content-Length list", "Content-Length: 0, 34\r\n", 400},
      {"a signed Content-Length", "Content-Length: +0\r\n", 400},
      {"obs-fold", "X-A: a\r\n Transfer-Encoding: chunked\r\n", 400},
      {"space before the colon", "Transfer-Encoding : chunked\r\n", 400},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TestConnection conn(server.port());
    ASSERT_TRUE(conn.connected());
    ASSERT_TRUE(conn.Send("POST /v1/match HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\n" +
                          c.head + "\r\n" + hidden));
    auto r = conn.Read(5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, c.status) << r->body;
    EXPECT_EQ(r->ContentType(), "application/problem+json");
    EXPECT_FALSE(r->keep_alive);
    // The hidden request is never answered: the connection closes.
    EXPECT_FALSE(conn.Read(2s)) << "the hidden request was served";
  }
  // Line endings other than CRLF, in the head.
  for (std::string head : {std::string("GET /healthz HTTP/1.1\nHost: x\n\n"),
                           std::string("GET /healthz HTTP/1.1\r\nHost: x\rX: y\r\n\r\n"),
                           std::string("GET /healthz HTTP/1.1\r\nHost: x\nX: y\r\n\r\n")}) {
    TestConnection conn(server.port());
    ASSERT_TRUE(conn.Send(head + hidden));
    auto r = conn.Read(5s);
    ASSERT_TRUE(r) << head;
    EXPECT_EQ(r->status, 400) << head;
    EXPECT_FALSE(conn.Read(2s)) << head;
  }
  // Two Host fields, or none in HTTP/1.1.
  EXPECT_EQ(testing::Fetch(server.port(), "GET", "/healthz", "", {{"Host", "y"}}).status, 400);
  {
    TestConnection conn(server.port());
    ASSERT_TRUE(conn.Send("GET /healthz HTTP/1.1\r\n\r\n"));
    auto r = conn.Read(5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
  }
  // Well-framed requests still work, chunked included, and so does keep-alive.
  TestConnection conn(server.port());
  ASSERT_TRUE(
      conn.Send("POST /v2/lookup HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n\r\n5\r\nmeta=\r\n0\r\n\r\n" +
                hidden));
  auto first = conn.Read(5s);
  ASSERT_TRUE(first);
  EXPECT_NE(first->status, 0);
  auto second = conn.Read(5s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
}

}  // namespace
}  // namespace signet

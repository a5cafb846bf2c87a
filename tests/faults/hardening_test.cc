// Issue 12's defects, each reproduced against the real signetd binary on
// 127.0.0.1 with default settings unless a test says otherwise: request
// smuggling through framing the server read differently from a front end,
// stream slots held by dripping clients, out-of-range integers, one client
// taking every connection, unbounded request bodies in memory; plus lingering
// close, HEAD, many-channel audio and duplicate JSON keys.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "registry/testing/statements.h"
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

// The peak resident memory of a process, from /proc (kB).
long PeakRssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

std::string Chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out(size);
  out.append(data).append("\r\n");
  return out;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// ---- 2. /v1/check stream slots ----------------------------------------------

// Opens a /v1/check stream from `source` and keeps it alive with a blank line
// every `drip` until the server ends it or `give_up` passes. Returns how long
// the server held it (give_up when it never let go).
struct Drip {
  Clock::duration held{};
  bool ended_by_server = false;
  std::string last_chunk;  // the server's last line before the end
};
Drip DripBlankLines(std::uint16_t port, const std::string& source, Clock::duration drip,
                    Clock::duration give_up, std::atomic<bool>* started = nullptr) {
  Drip d;
  TestConnection c(port, source);
  const auto t0 = Clock::now();
  if (!c.Send("POST /v1/check?purpose=search HTTP/1.1\r\nHost: x\r\n"
              "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n")) {
    return d;
  }
  std::atomic<bool> done{false};
  std::thread dripper([&] {
    while (!done && Clock::now() - t0 < give_up) {
      if (!c.Send("1\r\n\n\r\n")) break;
      if (started) *started = true;
      std::this_thread::sleep_for(drip);
    }
  });
  // The answer: a 408 problem (no item ever came) or a stream ending in an
  // error line; either way the server ends it.
  auto head = c.ReadHead(std::chrono::duration_cast<std::chrono::milliseconds>(give_up));
  if (head && head->Header("transfer-encoding") == "chunked") {
    while (auto chunk =
               c.ReadChunk(std::chrono::duration_cast<std::chrono::milliseconds>(give_up))) {
      d.last_chunk = *chunk;
    }
  }
  d.ended_by_server = head.has_value() && Clock::now() - t0 < give_up;
  if (head && head->Header("transfer-encoding") != "chunked")
    d.last_chunk = std::to_string(head->status);
  d.held = Clock::now() - t0;
  done = true;
  dripper.join();
  return d;
}

TEST(StreamSlotsTest, ADrippingStreamIsEndedByTheProgressRule) {
  Signetd server("drip", {"SIGNET_CHECK_ITEM_TIMEOUT_MS=2000"});
  ASSERT_TRUE(server.started()) << server.stderr_text();
  // A blank line every 500 ms used to restart the body timeout forever.
  Drip d = DripBlankLines(server.port(), "127.0.0.2", 500ms, 20s);
  std::printf(
      "figure: a stream dripping a blank line every 0.5 s was held %.2f s "
      "(check_item_timeout 2 s here; default 120 s)\n",
      Seconds(d.held));
  EXPECT_TRUE(d.ended_by_server) << "the dripping stream was held for the whole 20 s";
  EXPECT_LT(d.held, 6s);
  EXPECT_EQ(d.last_chunk, "408");  // no item before: an ordinary 408 problem

  // After items, the stream ends with an error line and the summary.
  TestConnection c(server.port());
  ASSERT_TRUE(
      c.Send("POST /v1/check?purpose=search HTTP/1.1\r\nHost: x\r\n"
             "Transfer-Encoding: chunked\r\n\r\n"));
  const std::string item = R"({"id":"a","sha256":")" + std::string(64, 'a') + "\"}\n";
  ASSERT_TRUE(c.Send(Chunk(item)));
  auto head = c.ReadHead(5s);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  std::string body;
  const auto t0 = Clock::now();
  std::atomic<bool> done{false};
  std::thread dripper([&] {
    while (!done && Clock::now() - t0 < 20s) {
      if (!c.Send("1\r\n\n\r\n")) break;
      std::this_thread::sleep_for(500ms);
    }
  });
  while (auto chunk = c.ReadChunk(20s)) body += *chunk;
  done = true;
  dripper.join();
  EXPECT_LT(Clock::now() - t0, 6s);
  EXPECT_NE(body.find("\"verdict\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"status\":408"), std::string::npos) << body;
  EXPECT_NE(body.find("\"summary\""), std::string::npos) << body;
}

TEST(StreamSlotsTest, OneClientCannotTakeEveryStreamSlot) {
  Signetd server("slots", {"SIGNET_CHECK_ITEM_TIMEOUT_MS=6000"});
  ASSERT_TRUE(server.started()) << server.stderr_text();
  // Eight drippers (the default pool) from one address: only two run.
  std::vector<std::future<Drip>> drips;
  std::atomic<bool> started{false};
  for (int i = 0; i < 2; ++i) {
    drips.push_back(std::async(std::launch::async, [&] {
      return DripBlankLines(server.port(), "127.0.0.2", 500ms, 20s, &started);
    }));
  }
  while (!started) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(300ms);
  HttpReply third =
      testing::FetchFrom("127.0.0.2", server.port(), "POST", "/v1/check?purpose=search", "{}\n");
  EXPECT_EQ(third.status, 429) << third.body;
  EXPECT_GE(std::atoi(third.Header("retry-after").c_str()), 1);
  // Another client still gets a slot.
  const std::string item = R"({"id":"b","sha256":")" + std::string(64, 'b') + "\"}\n";
  HttpReply other =
      testing::FetchFrom("127.0.0.1", server.port(), "POST", "/v1/check?purpose=search", item);
  EXPECT_EQ(other.status, 200) << other.body;
  // Fill the pool from three more addresses: then a 503 that says when to retry.
  for (int a = 3; a <= 5; ++a) {
    for (int i = 0; i < 2; ++i) {
      drips.push_back(std::async(std::launch::async, [&, a] {
        return DripBlankLines(server.port(), "127.0.0." + std::to_string(a), 500ms, 20s);
      }));
    }
  }
  std::this_thread::sleep_for(1s);
  HttpReply full =
      testing::FetchFrom("127.0.0.1", server.port(), "POST", "/v1/check?purpose=search", item);
  EXPECT_EQ(full.status, 503) << full.body;
  EXPECT_GE(std::atoi(full.Header("retry-after").c_str()), 1);
  for (auto& d : drips) EXPECT_TRUE(d.get().ended_by_server);
  HttpReply metrics = testing::Fetch(server.port(), "GET", "/metrics");
  EXPECT_NE(metrics.body.find("signet_http_refusals_total{reason=\"streams_per_client\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("signet_http_refusals_total{reason=\"streams\"}"), std::string::npos);
}

// ---- 3. integers beyond 2^53 -------------------------------------------------

TEST(IntegerRangeTest, SeqBeyondTwoToThe53IsRefusedAndTheArtistCanStillWrite) {
  Signetd server("seq");
  ASSERT_TRUE(server.started()) << server.stderr_text();
  auto post = [&](const std::string& body) {
    return testing::Fetch(server.port(), "POST", "/v1/statements", body,
                          {{"Content-Type", "application/json"}});
  };
  auto artist = registry::testing::TestArtist::FromSeedByte(60, "Seq");
  ASSERT_EQ(post(artist.Register()).status, 201);
  for (std::uint64_t last : {(1ULL << 53), (1ULL << 62), (1ULL << 63) - 2}) {
    SCOPED_TRACE(last + 1);
    artist.set_last_seq(last);
    HttpReply r = post(artist.SetDefaultTerms(R"({"ai_training":{"use":"notAllowed"}})"));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find("2^53"), std::string::npos) << r.body;
  }
  artist.set_last_seq(1);
  EXPECT_EQ(post(artist.SetDefaultTerms(R"({"ai_training":{"use":"notAllowed"}})")).status, 201);
}

// ---- 4. one address, every connection ---------------------------------------

TEST(ConnectionFloodTest, TenThousandSocketsFromOneAddressDoNotLockOthersOut) {
  // 10,000 client sockets here and as many accepted in signetd (it inherits
  // the limit): raise the soft descriptor limit as far as the hard one goes.
  rlimit rl{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &rl), 0);
  const rlim_t want = 10000 + 1000;
  if (rl.rlim_cur < want) {
    rl.rlim_cur = std::min(rl.rlim_max, want);
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < want) GTEST_SKIP() << "cannot raise the descriptor limit to " << want;
  Signetd server("flood");
  ASSERT_TRUE(server.started()) << server.stderr_text();
  std::vector<std::unique_ptr<TestConnection>> held;
  held.reserve(10000);
  const auto t0 = Clock::now();
  for (int i = 0; i < 10000 && Clock::now() - t0 < 60s; ++i) {
    held.push_back(std::make_unique<TestConnection>(server.port(), "127.0.0.2"));
  }
  const std::size_t connected = static_cast<std::size_t>(
      std::count_if(held.begin(), held.end(), [](const auto& c) { return c->connected(); }));
  // A second client, while the 10,000 are open (or being refused).
  std::vector<double> ms;
  int ok = 0;
  for (int i = 0; i < 50; ++i) {
    const auto s = Clock::now();
    ok += testing::Fetch(server.port(), "GET", "/healthz").status == 200;
    ms.push_back(Seconds(Clock::now() - s) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  std::printf(
      "figure: /healthz for a second client while one address opened %zu sockets: "
      "%d/50 answered 200, median %.2f ms, max %.2f ms\n",
      connected, ok, ms[ms.size() / 2], ms.back());
  EXPECT_GE(connected, 9000u);
  EXPECT_EQ(ok, 50);
  // Answered while the sockets are held, not after they time out (30 s); the
  // bound is loose because the accept loop is refusing thousands meanwhile
  // (release: max ~10 ms; under ASan on a loaded machine up to ~2 s).
  EXPECT_LT(ms.back(), 5000.0);
  HttpReply metrics = testing::Fetch(server.port(), "GET", "/metrics");
  EXPECT_NE(metrics.body.find("signet_http_refusals_total{reason=\"connections_per_client\"}"),
            std::string::npos)
      << metrics.body.substr(0, 2000);
  held.clear();
}

TEST(ConnectionFloodTest, ALoadBalancerNamedInConfigIsCountedPerClientBehindIt) {
  Signetd server("proxy",
                 {"SIGNET_TRUSTED_PROXIES=127.0.0.3", "SIGNET_MAX_CONNECTIONS_PER_CLIENT=4",
                  "SIGNET_RATE_LIMIT=2", "SIGNET_RATE_BURST=5"});
  ASSERT_TRUE(server.started()) << server.stderr_text();
  // The balancer holds more connections than any one client may.
  std::vector<std::unique_ptr<TestConnection>> lb;
  for (int i = 0; i < 20; ++i) {
    lb.push_back(std::make_unique<TestConnection>(server.port(), "127.0.0.3"));
    ASSERT_TRUE(lb.back()->connected());
  }
  auto via_lb = [&](int conn, const std::string& client) {
    EXPECT_TRUE(lb[conn]->Send(testing::BuildRequest(
        "GET", "/healthz", "", {{"X-Forwarded-For", client + ", 127.0.0.3"}})));
    auto r = lb[conn]->Read(5s);
    return r ? r->status : 0;
  };
  int a_ok = 0, a_limited = 0;
  for (int i = 0; i < 10; ++i) {
    const int st = via_lb(i, "198.51.100.7");
    a_ok += st == 200;
    a_limited += st == 429;
  }
  EXPECT_LE(a_ok, 6);  // the burst, plus what refilled meanwhile
  EXPECT_EQ(a_ok + a_limited, 10);
  EXPECT_EQ(via_lb(19, "198.51.100.8"), 200);  // another client behind the same balancer
  // Not from a trusted proxy, X-Forwarded-For is the client's own claim: ignored.
  int spoof_ok = 0;
  for (int i = 0; i < 10; ++i) {
    spoof_ok += testing::FetchFrom("127.0.0.4", server.port(), "GET", "/healthz", "",
                                   {{"X-Forwarded-For", "203.0.113." + std::to_string(i)}})
                    .status == 200;
  }
  EXPECT_LE(spoof_ok, 6);
  // The per-address connection limit applies to everyone else.
  std::vector<std::unique_ptr<TestConnection>> many;
  for (int i = 0; i < 4; ++i)
    many.push_back(std::make_unique<TestConnection>(server.port(), "127.0.0.5"));
  HttpReply fifth = testing::FetchFrom("127.0.0.5", server.port(), "GET", "/healthz");
  EXPECT_EQ(fifth.status, 429);
  EXPECT_GE(std::atoi(fifth.Header("retry-after").c_str()), 1);
}

// ---- 5. request bodies in memory ----------------------------------------------

TEST(BodyMemoryTest, ThirtyTwoUploadsOf60MiBStayWithinTheBudget) {
  Signetd server("bodies");
  ASSERT_TRUE(server.started()) << server.stderr_text();
  const long rss_before = PeakRssKb(server.process().pid());
  // 60 MiB of 8 kHz 8-bit mono: two hours of audio, refused for its duration
  // once decoded, so the figure is about buffering, not fingerprinting.
  const std::uint32_t bytes = (60u << 20) - 44;
  const std::string wav = faults::WavHeader(8000, 1, 8, bytes) + std::string(bytes, '\x80');
  std::vector<std::future<int>> uploads;
  const auto t0 = Clock::now();
  for (int i = 0; i < 32; ++i) {
    uploads.push_back(std::async(std::launch::async, [&] {
      HttpReply r =
          testing::Fetch(server.port(), "POST", "/v1/match", wav, {{"Content-Type", "audio/wav"}});
      if (r.status == 503 && r.Header("retry-after").empty()) return -503;
      return r.status;
    }));
  }
  std::map<int, int> statuses;
  for (auto& u : uploads) ++statuses[u.get()];
  const long rss_after = PeakRssKb(server.process().pid());
  std::string seen;
  for (const auto& [st, n] : statuses) seen += fmt::format(" {}x{}", n, st);
  std::printf(
      "figure: 32 concurrent 60 MiB uploads to /v1/match in %.1f s: answers%s; signetd "
      "VmHWM %ld kB before, %ld kB after (max_body_memory 256 MiB)\n",
      Seconds(Clock::now() - t0), seen.c_str(), rss_before, rss_after);
  EXPECT_EQ(statuses[0], 0) << "every upload got an answer";
  EXPECT_EQ(statuses[-503], 0) << "every 503 says when to retry";
  EXPECT_GE(statuses[503], 1) << "the budget refused some";
  EXPECT_LT(rss_after, 900L * 1024) << "peak RSS";
}

// ---- also: lingering close, HEAD, channels, duplicate keys ------------------

TEST(LingeringCloseTest, AClientThatSendsItsWholeBodyFirstReadsThe413) {
  Signetd server("linger");
  ASSERT_TRUE(server.started()) << server.stderr_text();
  // Python's http.client and requests send the whole body before reading.
  const std::string body(12u << 20, 'x');  // over the 4 MiB statement limit
  for (int i = 0; i < 3; ++i) {
    TestConnection c(server.port());
    ASSERT_TRUE(c.Send(testing::BuildRequest("POST", "/v1/statements", body,
                                             {{"Content-Type", "application/json"}})))
        << "the server reset the connection while the body was being sent";
    auto r = c.Read(10s);
    ASSERT_TRUE(r) << "no answer: the connection was reset";
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->ContentType(), "application/problem+json");
  }
}

TEST(HeadTest, HeadIsAnsweredWhereGetIs) {
  Signetd server("head");
  ASSERT_TRUE(server.started()) << server.stderr_text();
  HttpReply get = testing::Fetch(server.port(), "GET", "/openapi.json");
  ASSERT_EQ(get.status, 200);
  TestConnection c(server.port());
  ASSERT_TRUE(c.Send(testing::BuildRequest("HEAD", "/openapi.json", "")));
  auto head = c.ReadHead(5s);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-length"), std::to_string(get.body.size()));
  EXPECT_EQ(head->ContentType(), "application/json");
  // No body followed: the next answer on the connection is the next request's.
  ASSERT_TRUE(c.Send(testing::BuildRequest("GET", "/healthz", "")));
  auto next = c.Read(5s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->ContentType(), "application/json");
  // HEAD of an unknown work: the 404's head.
  TestConnection d(server.port());
  ASSERT_TRUE(
      d.Send(testing::BuildRequest("HEAD", "/v1/works/wk_00000000000000000000000000000000", "")));
  auto missing = d.ReadHead(5s);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  // And 405s name HEAD among the methods allowed.
  EXPECT_EQ(testing::Fetch(server.port(), "DELETE", "/healthz").Header("allow"), "GET, HEAD");
}

TEST(ManyChannelsTest, AudioWithUpTo32ChannelsDecodes) {
  Signetd server("channels");
  ASSERT_TRUE(server.started()) << server.stderr_text();
  std::mt19937 rng(12);
  for (int channels : {2, 24, 25, 32, 33}) {
    SCOPED_TRACE(channels);
    const std::uint32_t frames = 11025 * 12;
    std::string pcm(static_cast<std::size_t>(frames) * channels * 2, '\0');
    for (char& b : pcm) b = static_cast<char>(rng());
    HttpReply r = testing::Fetch(server.port(), "POST", "/v1/match?speed_variants=off",
                                 faults::WavHeader(11025, static_cast<std::uint16_t>(channels), 16,
                                                   static_cast<std::uint32_t>(pcm.size())) +
                                     pcm,
                                 {{"Content-Type", "audio/wav"}});
    if (channels <= 32) {
      EXPECT_EQ(r.status, 200) << r.body;
    } else {
      EXPECT_EQ(r.status, 413) << r.body;  // the documented limit, said so
      EXPECT_NE(r.body.find("1..32"), std::string::npos) << r.body;
    }
  }
}

TEST(DuplicateKeysTest, MatchBodiesAndCheckItemsWithADuplicateKeyAreRefused) {
  Signetd server("dupkeys");
  ASSERT_TRUE(server.started()) << server.stderr_text();
  const std::string fp =
      registry::testing::CompressFingerprint(registry::testing::RandomFingerprint(7, 200));
  HttpReply one =
      testing::Fetch(server.port(), "POST", "/v1/match", R"({"fingerprint":")" + fp + "\"}",
                     {{"Content-Type", "application/json"}});
  EXPECT_EQ(one.status, 200) << one.body;
  HttpReply dup = testing::Fetch(server.port(), "POST", "/v1/match",
                                 R"({"fingerprint":")" + fp + R"(","fingerprint":[1,2,3]})",
                                 {{"Content-Type", "application/json"}});
  EXPECT_EQ(dup.status, 400) << dup.body;
  EXPECT_NE(dup.body.find("duplicate"), std::string::npos) << dup.body;
  const std::string sha(64, 'c');
  HttpReply check = testing::Fetch(server.port(), "POST", "/v1/check?purpose=search",
                                   R"({"id":"x","sha256":")" + sha + R"(","id":"y"})" + "\n" +
                                       R"({"id":"z","sha256":")" + sha + "\"}\n");
  ASSERT_EQ(check.status, 200) << check.body;
  const std::string first = check.body.substr(0, check.body.find('\n'));
  EXPECT_NE(first.find("\"error\""), std::string::npos) << first;
  EXPECT_NE(first.find("duplicate"), std::string::npos) << first;
  EXPECT_NE(check.body.find("\"id\":\"z\""), std::string::npos) << check.body;
}

}  // namespace
}  // namespace signet

// Transport tests: a real HttpServer on 127.0.0.1 driving a small test
// Handler, probed with raw sockets (limits, keep-alive, timeouts, rate and
// connection limits, streaming, graceful shutdown).
#include "server/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "api/problem.h"
#include "tests/server/test_client.h"

namespace signet::server {
namespace {

using namespace std::chrono_literals;
using testing::BuildRequest;
using testing::Fetch;
using testing::TestConnection;

class TestHandler : public api::Handler {
 public:
  api::RouteInfo Classify(std::string_view method, std::string_view target) const override {
    api::RouteInfo info;
    info.route = std::string(target.substr(0, target.find('?')));
    info.streaming = method == "POST" && info.route == "/stream";
    info.body_limit = 1024;
    info.waits_for_commit = info.route == "/commit";
    return info;
  }
  api::Response Handle(const api::Request& r) override {
    if (r.target == "/slow") {
      slow_started = true;
      std::this_thread::sleep_for(600ms);
      return api::Response::Text(200, "slow done");
    }
    if (r.target == "/thread") {
      std::ostringstream os;
      os << std::this_thread::get_id();
      return api::Response::Text(200, os.str());
    }
    if (r.target == "/echo") return api::Response::Text(200, r.body);
    if (r.target == "/commit") {
      // Stands for a registry write: waits until `commit_group` writers are in
      // (a commit group forms), or gives up.
      std::unique_lock lock(commit_mu);
      ++commit_arrivals;
      commit_cv.notify_all();
      const bool grouped =
          commit_cv.wait_for(lock, 10s, [&] { return commit_arrivals >= commit_group; });
      return api::Response::Text(grouped ? 200 : 503, grouped ? "grouped" : "alone");
    }
    return api::Response::Text(200, "hello");
  }
  // Echoes each line upper-cased, one chunk per line, as lines arrive.
  api::Response HandleStream(const api::Request&, api::BodyReader& body,
                             api::ResponseStream& out) override {
    std::string pending, piece;
    bool begun = false;
    for (;;) {
      auto more = body.Read(piece);
      if (!more.ok()) return api::Response::Problem(more.status());
      if (!*more) break;
      pending += piece;
      std::size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        std::string line = pending.substr(0, nl + 1);
        pending.erase(0, nl + 1);
        if (line == "bad\n" && !begun) {
          return api::Response::Problem(400, "bad request", "first line was bad");
        }
        if (!begun) {
          api::Headers h;
          h.Set("Content-Type", "application/x-ndjson");
          if (!out.Begin(200, h).ok()) return {};
          begun = true;
        }
        for (char& c : line) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (!out.Write(line).ok()) return {};
      }
    }
    if (!begun) return api::Response::Text(200, "empty");
    return {};
  }
  void Observe(const api::Completed& c) override {
    observed++;
    if (c.status == 413) observed_413++;
  }
  std::atomic<int> observed{0};
  std::atomic<int> observed_413{0};
  std::atomic<bool> slow_started{false};
  std::mutex commit_mu;
  std::condition_variable commit_cv;
  int commit_arrivals = 0;
  int commit_group = 8;
};

class ServerTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = {}) {
    options.io_threads = 2;
    options.worker_threads = 2;
    server_ = std::make_unique<HttpServer>(std::move(options), handler_);
    ASSERT_TRUE(server_->Listen("127.0.0.1", 0).ok());
    port_ = server_->port();
    runner_ = std::thread([this] { server_->Run(); });
  }
  void Stop() {
    if (!server_) return;
    server_->Shutdown();
    runner_.join();
    server_.reset();
  }
  void TearDown() override { Stop(); }

  TestHandler handler_;
  std::unique_ptr<HttpServer> server_;
  std::thread runner_;
  std::uint16_t port_ = 0;
};

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Start();
  TestConnection c(port_);
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(BuildRequest("POST", "/echo", "ping" + std::to_string(i))));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "ping" + std::to_string(i));
    EXPECT_TRUE(r->keep_alive);
  }
  // Connection: close is honoured.
  ASSERT_TRUE(c.Send(BuildRequest("GET", "/hello", "", {}, false)));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_TRUE(c.WaitClosed(2s));
}

TEST_F(ServerTest, HandlersRunOffTheIoThreads) {
  Start();
  auto r = Fetch(port_, "GET", "/thread");
  ASSERT_EQ(r.status, 200);
  std::ostringstream os;
  os << runner_.get_id();
  EXPECT_NE(r.body, os.str());  // not the thread that runs the io_context
}

TEST_F(ServerTest, BodyOverTheRouteLimitGets413) {
  Start();
  auto r = Fetch(port_, "POST", "/echo", std::string(4096, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.ContentType(), "application/problem+json");
  EXPECT_NE(r.body.find("1024"), std::string::npos);

  // Chunked bodies have no Content-Length to check up front: the parser stops them.
  TestConnection c(port_);
  std::string req = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) req += "200\r\n" + std::string(512, 'y') + "\r\n";
  req += "0\r\n\r\n";
  ASSERT_TRUE(c.Send(req));
  auto r2 = c.Read();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 413);
  // The server is still there for others.
  EXPECT_EQ(Fetch(port_, "GET", "/hello").status, 200);
}

TEST_F(ServerTest, HugeHeadersGet431) {
  ServerOptions o;
  o.header_limit = 4096;
  Start(o);
  auto r = Fetch(port_, "GET", "/hello", "", {{"X-Big", std::string(8000, 'a')}});
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.ContentType(), "application/problem+json");
  EXPECT_EQ(Fetch(port_, "GET", "/" + std::string(5000, 'b')).status, 431);
  EXPECT_EQ(Fetch(port_, "GET", "/hello").status, 200);
}

TEST_F(ServerTest, MalformedRequestGets400) {
  Start();
  TestConnection c(port_);
  ASSERT_TRUE(c.Send("GARBAGE\x01 / HTTP/9.9\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->ContentType(), "application/problem+json");
}

// https:// to this plain port: the TLS ClientHello (no CRLF in it) used to
// wait, unanswered, for header_timeout (10 s by default) before the client
// heard anything. It is answered at its first byte.
TEST_F(ServerTest, ATlsHelloIsAnsweredAtOnceNotAtTheHeaderTimeout) {
  ServerOptions o;
  o.header_timeout = 30s;
  Start(o);
  TestConnection c(port_);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.Send(std::string_view("\x16\x03\x01\x00\xf4\x01\x00\x00\xf0\x03\x03", 11)));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->ContentType(), "application/problem+json");
  EXPECT_NE(r->body.find("not TLS"), std::string::npos) << r->body;
}

TEST_F(ServerTest, SlowAndIdleClientsAreCutOffAndDoNotBlockOthers) {
  ServerOptions o;
  o.header_timeout = 1500ms;
  o.idle_timeout = 1500ms;
  Start(o);
  // A slowloris: a byte of the head every 100 ms never completes in time.
  TestConnection slow(port_);
  std::atomic<bool> slow_closed{false};
  std::thread dribble([&] {
    std::string req = BuildRequest("GET", "/hello", "");
    for (char ch : req) {
      if (!slow.Send(std::string_view(&ch, 1))) break;
      std::this_thread::sleep_for(100ms);
      if (slow_closed) break;
    }
  });
  // A thousand idle connections are closed after the idle timeout.
  std::vector<std::unique_ptr<TestConnection>> idle;
  for (int i = 0; i < 1000; ++i) {
    // From four other addresses, under the per-address connection limit.
    idle.push_back(std::make_unique<TestConnection>(port_, "127.0.0." + std::to_string(2 + i % 4)));
    ASSERT_TRUE(idle.back()->connected());
  }
  // Others are served meanwhile: before the slow and idle ones are cut off,
  // so the answer did not wait for them.
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Fetch(port_, "GET", "/hello").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1000ms);
  EXPECT_FALSE(slow.WaitClosed(1ms));
  for (auto& c : idle) EXPECT_TRUE(c->WaitClosed(5s));
  EXPECT_TRUE(slow.WaitClosed(5s));
  slow_closed = true;
  dribble.join();
}

TEST_F(ServerTest, RateLimitAnswers429WithRetryAfter) {
  ServerOptions o;
  o.rate.requests_per_second = 1;
  o.rate.burst = 3;
  Start(o);
  TestConnection c(port_);
  int ok = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(c.Send(BuildRequest("GET", "/hello", "")));
    auto r = c.Read();
    ASSERT_TRUE(r);
    if (r->status == 200) ++ok;
    if (r->status == 429) {
      ++limited;
      retry_after = r->Header("retry-after");
      EXPECT_EQ(r->ContentType(), "application/problem+json");
    }
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(limited, 3);
  EXPECT_GE(std::atoi(retry_after.c_str()), 1);
}

TEST_F(ServerTest, ConnectionLimitsAnswerWithRetryAfter) {
  ServerOptions o;
  o.max_connections = 2;
  Start(o);
  TestConnection a(port_), b(port_);
  ASSERT_TRUE(a.Send(BuildRequest("GET", "/hello", "")));
  ASSERT_TRUE(b.Send(BuildRequest("GET", "/hello", "")));
  ASSERT_TRUE(a.Read());
  ASSERT_TRUE(b.Read());
  auto r = Fetch(port_, "GET", "/hello");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("retry-after"), "1");
}

TEST_F(ServerTest, PerClientConnectionLimitAnswers429) {
  ServerOptions o;
  o.rate.max_connections_per_client = 1;
  Start(o);
  TestConnection a(port_);
  ASSERT_TRUE(a.Send(BuildRequest("GET", "/hello", "")));
  ASSERT_TRUE(a.Read());
  auto r = Fetch(port_, "GET", "/hello");
  EXPECT_EQ(r.status, 429);
  EXPECT_FALSE(r.Header("retry-after").empty());
}

TEST_F(ServerTest, StreamingRouteAnswersEachLineBeforeTheBodyEnds) {
  Start();
  TestConnection c(port_);
  ASSERT_TRUE(c.Send("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  ASSERT_TRUE(c.Send("6\r\nfirst\n\r\n"));
  auto head = c.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("transfer-encoding"), "chunked");
  EXPECT_EQ(c.ReadChunk(), "FIRST\n");  // before the rest of the body was sent
  // A line split over two pieces.
  ASSERT_TRUE(c.Send("3\r\nsec\r\n"));
  ASSERT_TRUE(c.Send("4\r\nond\n\r\n"));
  EXPECT_EQ(c.ReadChunk(), "SECOND\n");
  ASSERT_TRUE(c.Send("0\r\n\r\n"));
  EXPECT_EQ(c.ReadChunk(), std::nullopt);  // last chunk
  // Keep-alive survives a streamed exchange.
  ASSERT_TRUE(c.Send(BuildRequest("GET", "/hello", "")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello");
}

TEST_F(ServerTest, StreamingBodyMuchLargerThanTheQueuesIsProcessed) {
  ServerOptions o;
  o.stream_queue_pieces = 2;
  o.stream_read_piece_bytes = 1024;
  Start(o);
  std::string line = "abcdefghijklmnopqrstuvwxyz0123456789\n";
  std::string body;
  for (int i = 0; i < 20000; ++i) body += line;  // ~740 KB
  TestConnection c(port_);
  // Send from another thread while reading: the client reads while it sends.
  std::thread sender([&] { c.Send(BuildRequest("POST", "/stream", body)); });
  auto r = c.Read(30s);
  sender.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  std::string upper = line;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  ASSERT_EQ(r->body.size(), body.size());
  EXPECT_EQ(r->body.substr(0, upper.size()), upper);
}

TEST_F(ServerTest, StreamsHaveTheirOwnPoolAndLimit) {
  ServerOptions o;
  o.stream_threads = 1;
  Start(o);
  TestConnection first(port_);
  ASSERT_TRUE(first.Send("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  ASSERT_TRUE(first.Send("2\r\na\n\r\n"));
  ASSERT_TRUE(first.ReadHead());  // the stream is running and waits for its client
  // Ordinary requests are not held up by it, even with worker_threads = 2 busy-free.
  EXPECT_EQ(Fetch(port_, "GET", "/hello").status, 200);
  auto second = Fetch(port_, "POST", "/stream", "b\n");
  EXPECT_EQ(second.status, 503);
  EXPECT_GE(std::atoi(second.Header("retry-after").c_str()), 1);
  ASSERT_TRUE(first.Send("0\r\n\r\n"));
  EXPECT_EQ(first.ReadChunk(), "A\n");
  EXPECT_EQ(first.ReadChunk(), std::nullopt);
  // The slot is free again.
  for (int i = 0; i < 100; ++i) {
    auto r = Fetch(port_, "POST", "/stream", "c\n");
    if (r.status == 200) {
      EXPECT_EQ(r.body, "C\n");
      return;
    }
    std::this_thread::sleep_for(10ms);
  }
  ADD_FAILURE() << "the stream slot was never released";
}

TEST_F(ServerTest, WritesThatWaitForACommitDoNotHoldTheWorkers) {
  // Two workers, eight writers that each wait until all eight are in: only a
  // pool of their own lets them meet (and form one commit group), and reads
  // are served meanwhile.
  ServerOptions o;
  o.commit_threads = 8;
  Start(o);
  std::vector<std::future<testing::HttpReply>> writers;
  for (int i = 0; i < 7; ++i) {
    writers.push_back(std::async(std::launch::async,
                                 [&] { return Fetch(port_, "POST", "/commit", "statement"); }));
  }
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock(handler_.commit_mu);
      if (handler_.commit_arrivals == 7) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(Fetch(port_, "GET", "/hello").status, 200);
  EXPECT_EQ(Fetch(port_, "POST", "/commit", "the eighth").body, "grouped");
  for (auto& w : writers) {
    auto r = w.get();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "grouped");
  }
}

TEST_F(ServerTest, StreamingHandlerCanRefuseWithAnOrdinaryResponse) {
  Start();
  auto r = Fetch(port_, "POST", "/stream", "bad\nmore\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.ContentType(), "application/problem+json");
  EXPECT_EQ(Fetch(port_, "GET", "/hello").status, 200);
}

TEST_F(ServerTest, StreamingClientThatVanishesDoesNotWedgeTheServer) {
  Start();
  {
    TestConnection c(port_);
    ASSERT_TRUE(c.Send("POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
    ASSERT_TRUE(c.Send("6\r\nfirst\n\r\n"));
    ASSERT_TRUE(c.ReadHead());
  }  // closed mid-stream
  EXPECT_EQ(Fetch(port_, "GET", "/hello").status, 200);
}

TEST_F(ServerTest, ExpectContinueIsAnswered) {
  Start();
  TestConnection c(port_);
  ASSERT_TRUE(c.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  // The interim 100 arrives before we send the body.
  auto interim = c.ReadHead(5s, /*skip_interim=*/false);
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.Send("hello"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello");
}

TEST_F(ServerTest, GracefulShutdownFinishesInFlightRequests) {
  ServerOptions o;
  o.shutdown_grace = 5s;
  Start(o);
  TestConnection idle(port_);
  auto slow = std::async(std::launch::async, [&] { return Fetch(port_, "GET", "/slow"); });
  while (!handler_.slow_started) std::this_thread::sleep_for(5ms);
  auto t0 = std::chrono::steady_clock::now();
  server_->Shutdown();
  auto r = slow.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "slow done");
  EXPECT_TRUE(idle.WaitClosed(2s));
  runner_.join();
  server_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  TestConnection late(port_);
  EXPECT_FALSE(late.connected() && late.Send(BuildRequest("GET", "/hello", "")) && late.Read(1s));
}

TEST_F(ServerTest, ObservesEveryAnsweredRequest) {
  Start();
  EXPECT_EQ(Fetch(port_, "GET", "/hello").status, 200);
  EXPECT_EQ(Fetch(port_, "POST", "/echo", std::string(4096, 'x')).status, 413);
  for (int i = 0; i < 100 && handler_.observed < 2; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(handler_.observed, 2);
  EXPECT_EQ(handler_.observed_413, 1);  // the order of the two is not defined
}

TEST(RateLimiterTest, RefillsAtTheConfiguredRate) {
  RateLimitOptions o;
  o.requests_per_second = 10;
  o.burst = 2;
  RateLimiter limiter(o);
  auto t = RateLimiter::Clock::now();
  EXPECT_FALSE(limiter.Acquire("a", t));
  EXPECT_FALSE(limiter.Acquire("a", t));
  auto retry = limiter.Acquire("a", t);
  ASSERT_TRUE(retry);
  EXPECT_EQ(*retry, 1);
  EXPECT_FALSE(limiter.Acquire("b", t));  // per client
  EXPECT_FALSE(limiter.Acquire("a", t + std::chrono::milliseconds(100)));
  EXPECT_TRUE(limiter.Acquire("a", t + std::chrono::milliseconds(100)));
}

}  // namespace
}  // namespace signet::server

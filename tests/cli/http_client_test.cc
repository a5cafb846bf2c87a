// Tests of the CLI's HTTP client against a real loopback HTTP server written
// here with Beast (signetd itself is exercised by signet_e2e_test): URL
// parsing, connection errors, problem+json, keep-alive reuse after the server
// closed an idle connection, and the full-duplex NDJSON stream with a server
// that answers each line as it reads it (which deadlocks a half-duplex client
// once the TCP buffers fill).
#include "tools/signet/client/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "tools/signet/client/url.h"

namespace signet::client {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

TEST(ServerUrlTest, ParsesWhatUsersType) {
  auto u = ParseServerUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->Target("/v1/works/x"), "/v1/works/x");
  auto bare = ParseServerUrl("localhost:9000");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->ToString(), "http://localhost:9000");
  auto prefixed = ParseServerUrl("http://registry.example/signet/");
  ASSERT_TRUE(prefixed.ok());
  EXPECT_EQ(prefixed->port, "80");
  EXPECT_EQ(prefixed->Target("/v1/match"), "/signet/v1/match");
  auto v6 = ParseServerUrl("http://[::1]:8080");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->HostHeader(), "[::1]:8080");
  for (const char* bad :
       {"", "ftp://x", "http://u:p@x", "https://u@x", "http://x/?q=1", "http://:80"}) {
    EXPECT_FALSE(ParseServerUrl(bad).ok()) << bad;
  }
  auto tls = ParseServerUrl("https://registry.example/signet/");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->port, "443");
  EXPECT_EQ(tls->HostHeader(), "registry.example");
  EXPECT_EQ(tls->ToString(), "https://registry.example/signet");
  auto tls_port = ParseServerUrl("https://127.0.0.1:8443");
  ASSERT_TRUE(tls_port.ok());
  EXPECT_EQ(tls_port->ToString(), "https://127.0.0.1:8443");
  EXPECT_FALSE(ParseServerUrl("127.0.0.1:8443")->tls);
  EXPECT_EQ(EncodeComponent("a b/ü"), "a%20b%2F%C3%BC");
}

TEST(HttpClientTest, ConnectionRefusedSaysWhatToDo) {
  net::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const auto port = a.local_endpoint().port();
  a.close();
  HttpClient client(*ParseServerUrl("http://127.0.0.1:" + std::to_string(port)));
  auto r = client.Get("/healthz");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(r.status().message(), "cannot connect to http://127.0.0.1:" + std::to_string(port) +
                                      ": connection refused (is signetd running?)");
  auto call = client.OpenNdjson("/x", [](std::string_view) { return Status::Ok(); });
  Status s = call->Finish();
  EXPECT_NE(s.message().find("connection refused"), std::string::npos) << s.ToString();
}

TEST(StatusFromResponseTest, UsesProblemDetail) {
  Response r{409, "application/problem+json",
             R"({"type":"about:blank","title":"Conflict","status":409,"detail":"seq 3 is stale"})"};
  Status s = StatusFromResponse(r);
  EXPECT_EQ(s.code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(s.message(), "seq 3 is stale");
  Status plain = StatusFromResponse({502, "text/html", "<h1>Bad gateway</h1>"});
  EXPECT_EQ(plain.code(), Status::Code::kUnavailable);
  EXPECT_EQ(plain.message(), "the server answered HTTP 502: <h1>Bad gateway</h1>");
  EXPECT_TRUE(StatusFromResponse({201, "application/json", "{}"}).ok());
}

// --server pointing at another web server, or at an API path, gets a clear
// message instead of an HTML page.
TEST(StatusFromResponseTest, AnHtmlPageIsNotASignetAnswer) {
  Status s = StatusFromResponse({404, "text/html; charset=utf-8", "<html><body>Not Found"});
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("not a Signet registry's answer; is --server the registry's base URL"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find("<html>"), std::string::npos) << s.message();
  auto api_path = ParseServerUrl("http://127.0.0.1:8080/v1/works/wk_1");
  ASSERT_FALSE(api_path.ok());
  EXPECT_NE(api_path.status().message().find(
                "names an API path (/v1/works/wk_1); give the registry's base URL, e.g. "
                "http://127.0.0.1:8080"),
            std::string::npos)
      << api_path.status().message();
  auto behind_proxy = ParseServerUrl("http://registry.example/signet/healthz");
  ASSERT_FALSE(behind_proxy.ok());
  EXPECT_NE(behind_proxy.status().message().find("e.g. http://registry.example/signet"),
            std::string::npos)
      << behind_proxy.status().message();
  EXPECT_TRUE(ParseServerUrl("http://registry.example/v1signet").ok());
}

TEST(StatusFromResponseTest, TakesCodeAndFieldFromTheProblemMembers) {
  Status s = StatusFromResponse(
      {409, "application/problem+json",
       R"({"type":"about:blank","title":"failed precondition","status":409,)"
       R"("detail":"seq 3 is not greater than 3","code":"failed_precondition","field":"seq"})"});
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);  // not the 409 fallback
  EXPECT_EQ(s.field(), "seq");
  EXPECT_EQ(s.message(), "seq 3 is not greater than 3");
  // An unknown code falls back to the HTTP status; the field is kept.
  s = StatusFromResponse({400, "application/problem+json",
                          R"({"status":400,"detail":"bad","code":"brand_new","field":"isrc"})"});
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "isrc");
}

// A small synchronous HTTP/1.1 server on 127.0.0.1: one connection at a time.
//   GET  /hello       200 "hello <n>" where n counts requests on this connection;
//                     the connection is closed by the server after 2 requests
//                     without saying so (as an idle timeout would)
//   GET  /problem     400 problem+json
//   POST /echo        chunked NDJSON answer: "{\"n\":k}" for every line read,
//                     written as soon as the line is read
//   POST /reject      reads the header only, answers 413 problem+json, closes
class TestServer {
 public:
  TestServer() : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~TestServer() {
    stop_ = true;
    // Wake accept() with a throwaway connection.
    try {
      net::io_context c;
      tcp::socket s(c);
      s.connect(acceptor_.local_endpoint());
    } catch (...) {
    }
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  int connections() const { return connections_; }

 private:
  void Loop() {
    while (!stop_) {
      tcp::socket sock(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(sock, ec);
      if (ec || stop_) return;
      ++connections_;
      Serve(sock);
    }
  }

  static void Problem(tcp::socket& sock, http::status st, const std::string& detail) {
    http::response<http::string_body> res{st, 11};
    res.set(http::field::content_type, "application/problem+json");
    res.body() = R"({"title":"x","status":)" + std::to_string(static_cast<int>(st)) +
                 R"(,"detail":")" + detail + "\"}";
    res.keep_alive(false);
    res.prepare_payload();
    boost::system::error_code ec;
    http::write(sock, res, ec);
  }

  void Serve(tcp::socket& sock) {
    beast::flat_buffer buf;
    boost::system::error_code ec;
    for (int n = 1;; ++n) {
      http::request_parser<http::buffer_body> p;
      p.body_limit(boost::none);
      http::read_header(sock, buf, p, ec);
      if (ec) return;
      const std::string target(p.get().target());
      if (target == "/reject") {
        Problem(sock, http::status::payload_too_large, "too big: send fewer items");
        return;
      }
      if (target == "/echo") {
        http::response<http::empty_body> res{http::status::ok, 11};
        res.set(http::field::content_type, "application/x-ndjson");
        res.chunked(true);
        http::response_serializer<http::empty_body> sr{res};
        http::write_header(sock, sr, ec);
        std::string pending;
        long count = 0;
        char chunk[8192];
        while (!p.is_done()) {
          p.get().body().data = chunk;
          p.get().body().size = sizeof chunk;
          http::read(sock, buf, p, ec);
          if (ec == http::error::need_buffer) ec = {};
          if (ec) return;
          pending.append(chunk, sizeof chunk - p.get().body().size);
          std::string out;
          for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
            pending.erase(0, nl + 1);
            out += "{\"n\":" + std::to_string(++count) + "}\n";
          }
          if (!out.empty()) net::write(sock, http::make_chunk(net::buffer(out)), ec);
          if (ec) return;
        }
        net::write(sock, http::make_chunk_last(), ec);
        return;
      }
      // Drain any body.
      char sink[512];
      while (!p.is_done()) {
        p.get().body().data = sink;
        p.get().body().size = sizeof sink;
        http::read(sock, buf, p, ec);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) return;
      }
      if (target == "/problem") {
        Problem(sock, http::status::bad_request, "field \\\"title\\\" is missing");
        return;
      }
      http::response<http::string_body> res{http::status::ok, 11};
      res.set(http::field::content_type, "text/plain");
      res.body() = "hello " + std::to_string(n);
      res.keep_alive(true);
      res.prepare_payload();
      http::write(sock, res, ec);
      if (ec || n == 2) return;  // silently drop the kept-alive connection
    }
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
};

TEST(HttpClientTest, ReusesConnectionsAndRecoversWhenTheServerDroppedOne) {
  TestServer server;
  HttpClient client(*ParseServerUrl(server.url()));
  EXPECT_EQ(*client.Get("/hello"), "hello 1");
  EXPECT_EQ(*client.Get("/hello"), "hello 2");
  EXPECT_EQ(server.connections(), 1);
  // The server closed the connection after the second answer: retried on a new one.
  EXPECT_EQ(*client.Get("/hello"), "hello 1");
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClientTest, ProblemDetailBecomesTheError) {
  TestServer server;
  HttpClient client(*ParseServerUrl(server.url()));
  auto r = client.Post("/problem", "application/json", "{}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "field \"title\" is missing");
  EXPECT_EQ(*client.Get("/hello"), "hello 1");
}

TEST(HttpClientTest, StreamsManyLinesFullDuplexWithBoundedQueue) {
  TestServer server;
  ClientOptions options;
  options.max_queued_bytes = 64 << 10;
  HttpClient client(*ParseServerUrl(server.url()), options);
  constexpr long kLines = 200'000;
  long received = 0;
  bool in_order = true;
  auto call = client.OpenNdjson("/echo", [&](std::string_view line) {
    ++received;
    if (line != "{\"n\":" + std::to_string(received) + "}") in_order = false;
    return Status::Ok();
  });
  const std::string payload(100, 'x');  // 20 MB in total: far beyond socket buffers
  for (long i = 0; i < kLines; ++i) {
    Status s = call->Send("{\"id\":" + std::to_string(i) + ",\"p\":\"" + payload + "\"}");
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  Status done = call->Finish();
  ASSERT_TRUE(done.ok()) << done.ToString();
  EXPECT_EQ(received, kLines);
  EXPECT_TRUE(in_order);
}

TEST(HttpClientTest, IdleStreamsSendKeepaliveLines) {
  TestServer server;
  ClientOptions options;
  options.ndjson_keepalive = std::chrono::milliseconds(50);
  HttpClient client(*ParseServerUrl(server.url()), options);
  long received = 0;
  auto call = client.OpenNdjson("/echo", [&](std::string_view) {
    ++received;
    return Status::Ok();
  });
  ASSERT_TRUE(call->Send("{}").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  ASSERT_TRUE(call->Send("{}").ok());
  ASSERT_TRUE(call->Finish().ok());
  // The echo server answers every line, the empty keepalive lines included.
  EXPECT_GT(received, 3);
}

TEST(HttpClientTest, EarlyRejectionReportsTheServersReason) {
  TestServer server;
  HttpClient client(*ParseServerUrl(server.url()));
  auto call = client.OpenNdjson("/reject", [](std::string_view) { return Status::Ok(); });
  const std::string line(1000, 'y');
  for (int i = 0; i < 20000; ++i) {
    if (!call->Send(line).ok()) break;
  }
  Status s = call->Finish();
  EXPECT_EQ(s.code(), Status::Code::kResourceExhausted) << s.ToString();
  EXPECT_EQ(s.message(), "too big: send fewer items");
}

TEST(HttpClientTest, ConsumerErrorAbortsTheStream) {
  TestServer server;
  HttpClient client(*ParseServerUrl(server.url()));
  int seen = 0;
  auto call = client.OpenNdjson("/echo", [&](std::string_view) {
    return ++seen == 3 ? Status::InvalidArgument("bad line 3") : Status::Ok();
  });
  for (int i = 0; i < 100000; ++i) {
    if (!call->Send("{}").ok()) break;
  }
  Status s = call->Finish();
  EXPECT_EQ(s, Status::InvalidArgument("bad line 3"));
}

}  // namespace
}  // namespace signet::client

// A small blocking HTTP/1.1 client for the transport and end-to-end tests:
// raw bytes out (so tests can send malformed or slow requests), parsed
// responses in (chunked or not). Every read has a timeout so a broken server
// fails the test instead of hanging it. Loopback only.
//
// Thread safety: one TestConnection per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace signet::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool keep_alive = false;
  std::string Header(std::string_view name) const;
  std::string ContentType() const;  // without parameters: "application/json"
};

// "METHOD target HTTP/1.1" with Host, Content-Length (when body is set or
// the method is POST) and the extra headers.
std::string BuildRequest(std::string_view method, std::string_view target, std::string_view body,
                         const std::vector<std::pair<std::string, std::string>>& headers = {},
                         bool keep_alive = true);

class TestConnection {
 public:
  explicit TestConnection(std::uint16_t port);
  // From `source_ip` (another loopback address such as 127.0.0.2, to stand
  // for another client); "" lets the kernel choose.
  TestConnection(std::uint16_t port, std::string_view source_ip);
  ~TestConnection();
  TestConnection(const TestConnection&) = delete;
  TestConnection& operator=(const TestConnection&) = delete;

  bool connected() const;
  bool Send(std::string_view bytes);
  // One response; nullopt when the connection closed or timed out first.
  std::optional<HttpReply> Read(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // True when the peer closes the connection (EOF or reset) within `timeout`.
  bool WaitClosed(std::chrono::milliseconds timeout);
  // Reads the status line + headers of a chunked response, then each chunk
  // as it arrives (for streaming tests).
  // Interim 1xx responses are skipped unless skip_interim is false.
  std::optional<HttpReply> ReadHead(std::chrono::milliseconds timeout = std::chrono::seconds(20),
                                    bool skip_interim = true);
  // Next chunk body; nullopt at the last chunk or on error.
  std::optional<std::string> ReadChunk(
      std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection.
HttpReply Fetch(std::uint16_t port, std::string_view method, std::string_view target,
                std::string_view body = {},
                const std::vector<std::pair<std::string, std::string>>& headers = {});

// The same from `source_ip` (see TestConnection).
HttpReply FetchFrom(std::string_view source_ip, std::uint16_t port, std::string_view method,
                    std::string_view target, std::string_view body = {},
                    const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace signet::testing

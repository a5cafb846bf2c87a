#include "tests/server/test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace signet::testing {

std::string HttpReply::Header(std::string_view name) const {
  std::string key(name);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  auto it = headers.find(key);
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpReply::ContentType() const {
  std::string ct = Header("content-type");
  return ct.substr(0, ct.find(';'));
}

std::string BuildRequest(std::string_view method, std::string_view target, std::string_view body,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         bool keep_alive) {
  std::string r =
      std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  bool has_length = false;
  for (const auto& [k, v] : headers) {
    r += k + ": " + v + "\r\n";
    std::string lk = k;
    std::transform(lk.begin(), lk.end(), lk.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (lk == "content-length" || lk == "transfer-encoding") has_length = true;
  }
  if (!has_length && (!body.empty() || method == "POST")) {
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  if (!keep_alive) r += "Connection: close\r\n";
  r += "\r\n";
  r += body;
  return r;
}

struct TestConnection::Impl {
  int fd = -1;
  std::string buf;  // received, not yet consumed

  // Appends at least one byte; false on EOF, error or timeout.
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char tmp[65536];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  std::optional<std::string> Line(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      auto pos = buf.find("\r\n");
      if (pos != std::string::npos) {
        std::string line = buf.substr(0, pos);
        buf.erase(0, pos + 2);
        return line;
      }
      if (!Fill(deadline)) return std::nullopt;
    }
  }
  std::optional<std::string> Bytes(std::size_t n, std::chrono::steady_clock::time_point deadline) {
    while (buf.size() < n) {
      if (!Fill(deadline)) return std::nullopt;
    }
    std::string out = buf.substr(0, n);
    buf.erase(0, n);
    return out;
  }
};

TestConnection::TestConnection(std::uint16_t port) : TestConnection(port, "") {}

TestConnection::TestConnection(std::uint16_t port, std::string_view source_ip)
    : impl_(std::make_unique<Impl>()) {
  impl_->fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (!source_ip.empty()) {
    sockaddr_in src{};
    src.sin_family = AF_INET;
    if (::inet_pton(AF_INET, std::string(source_ip).c_str(), &src.sin_addr) != 1 ||
        ::bind(impl_->fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
      ::close(impl_->fd);
      impl_->fd = -1;
      return;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(impl_->fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(impl_->fd);
    impl_->fd = -1;
  }
}

TestConnection::~TestConnection() {
  if (impl_->fd >= 0) ::close(impl_->fd);
}

bool TestConnection::connected() const { return impl_->fd >= 0; }

bool TestConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(impl_->fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::optional<HttpReply> TestConnection::ReadHead(std::chrono::milliseconds timeout,
                                                  bool skip_interim) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  HttpReply r;
  std::optional<std::string> status_line;
  do {  // skip interim 1xx responses
    status_line = impl_->Line(deadline);
    if (!status_line || status_line->size() < 12) return std::nullopt;
    r.status = std::atoi(status_line->c_str() + 9);
    r.headers.clear();
    for (;;) {
      auto line = impl_->Line(deadline);
      if (!line) return std::nullopt;
      if (line->empty()) break;
      auto colon = line->find(':');
      if (colon == std::string::npos) return std::nullopt;
      std::string k = line->substr(0, colon);
      std::transform(k.begin(), k.end(), k.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      std::string v = line->substr(colon + 1);
      v.erase(0, v.find_first_not_of(' '));
      r.headers[k] = v;
    }
  } while (skip_interim && r.status / 100 == 1);
  std::string conn = r.Header("connection");
  r.keep_alive = conn != "close";
  return r;
}

std::optional<std::string> TestConnection::ReadChunk(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto size_line = impl_->Line(deadline);
  if (!size_line) return std::nullopt;
  std::size_t size = std::strtoul(size_line->c_str(), nullptr, 16);
  if (size == 0) {
    impl_->Line(deadline);  // CRLF after the last chunk (no trailers)
    return std::nullopt;
  }
  auto data = impl_->Bytes(size + 2, deadline);
  if (!data) return std::nullopt;
  data->resize(size);
  return data;
}

std::optional<HttpReply> TestConnection::Read(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto r = ReadHead(timeout);
  if (!r) return std::nullopt;
  if (r->Header("transfer-encoding") == "chunked") {
    for (;;) {
      auto size_line = impl_->Line(deadline);
      if (!size_line) return std::nullopt;
      std::size_t size = std::strtoul(size_line->c_str(), nullptr, 16);
      if (size == 0) {
        impl_->Line(deadline);
        break;
      }
      auto data = impl_->Bytes(size + 2, deadline);
      if (!data) return std::nullopt;
      r->body.append(*data, 0, size);
    }
  } else {
    std::size_t len = std::strtoul(r->Header("content-length").c_str(), nullptr, 10);
    auto body = impl_->Bytes(len, deadline);
    if (!body) return std::nullopt;
    r->body = std::move(*body);
  }
  return r;
}

bool TestConnection::WaitClosed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{impl_->fd, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc <= 0) return false;
    char tmp[4096];
    ssize_t n = ::recv(impl_->fd, tmp, sizeof tmp, 0);
    if (n <= 0) return true;
  }
}

HttpReply Fetch(std::uint16_t port, std::string_view method, std::string_view target,
                std::string_view body,
                const std::vector<std::pair<std::string, std::string>>& headers) {
  return FetchFrom("", port, method, target, body, headers);
}

HttpReply FetchFrom(std::string_view source_ip, std::uint16_t port, std::string_view method,
                    std::string_view target, std::string_view body,
                    const std::vector<std::pair<std::string, std::string>>& headers) {
  TestConnection c(port, source_ip);
  if (!c.connected() || !c.Send(BuildRequest(method, target, body, headers, false))) return {};
  auto r = c.Read();
  return r ? std::move(*r) : HttpReply{};
}

}  // namespace signet::testing

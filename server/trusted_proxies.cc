#include "server/trusted_proxies.h"

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <cstring>

namespace signet::server {
namespace {

namespace ip = boost::asio::ip;

// Parses an address; v4-mapped IPv6 addresses are read as IPv4.
bool ParseAddress(std::string_view text, bool& v6, unsigned char (&bytes)[16]) {
  boost::system::error_code ec;
  ip::address a = ip::make_address(std::string(text), ec);
  if (ec) return false;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    a = ip::make_address_v4(ip::v4_mapped, a.to_v6());
  }
  std::memset(bytes, 0, sizeof bytes);
  v6 = a.is_v6();
  if (v6) {
    auto b = a.to_v6().to_bytes();
    std::memcpy(bytes, b.data(), b.size());
  } else {
    auto b = a.to_v4().to_bytes();
    std::memcpy(bytes, b.data(), b.size());
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies out;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view item = Trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (item.empty()) continue;
    Network n;
    std::string_view addr = item;
    int prefix = -1;
    if (const std::size_t slash = item.find('/'); slash != std::string_view::npos) {
      addr = item.substr(0, slash);
      std::string_view p = item.substr(slash + 1);
      auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
      if (ec != std::errc() || end != p.data() + p.size()) prefix = -2;
    }
    if (!ParseAddress(addr, n.v6, n.bytes)) {
      return Status::InvalidArgument("trusted_proxies: \"" + std::string(item) +
                                     "\" is not an IP address or network (e.g. 10.0.0.0/8)");
    }
    const int max = n.v6 ? 128 : 32;
    if (prefix == -1) prefix = max;
    if (prefix < 0 || prefix > max) {
      return Status::InvalidArgument("trusted_proxies: \"" + std::string(item) +
                                     "\" has a prefix length outside 0.." + std::to_string(max));
    }
    n.prefix = prefix;
    out.networks_.push_back(n);
  }
  return out;
}

bool TrustedProxies::Contains(std::string_view text) const {
  if (networks_.empty()) return false;
  bool v6 = false;
  unsigned char bytes[16];
  if (!ParseAddress(text, v6, bytes)) return false;
  for (const Network& n : networks_) {
    if (n.v6 != v6) continue;
    const int whole = n.prefix / 8, rest = n.prefix % 8;
    if (std::memcmp(bytes, n.bytes, static_cast<std::size_t>(whole)) != 0) continue;
    if (rest == 0) return true;
    const unsigned mask = (0xFFu << (8 - rest)) & 0xFFu;
    if ((bytes[whole] & mask) == (n.bytes[whole] & mask)) return true;
  }
  return false;
}

std::string TrustedProxies::ClientFor(std::string_view peer_ip,
                                      const std::vector<std::string_view>& forwarded_for) const {
  if (!Contains(peer_ip)) return std::string(peer_ip);
  // Walk the hops right to left: each one was added by the proxy after it.
  std::string client(peer_ip);
  for (auto field = forwarded_for.rbegin(); field != forwarded_for.rend(); ++field) {
    std::string_view v = *field;
    while (!v.empty()) {
      const std::size_t comma = v.rfind(',');
      std::string_view hop = Trim(comma == std::string_view::npos ? v : v.substr(comma + 1));
      v = comma == std::string_view::npos ? std::string_view() : v.substr(0, comma);
      bool v6 = false;
      unsigned char bytes[16];
      if (!ParseAddress(hop, v6, bytes)) return client;  // garbage: stop at the last good hop
      client = std::string(hop);
      if (!Contains(hop)) return client;
    }
  }
  return client;
}

}  // namespace signet::server

// Who a request comes from when signetd sits behind a load balancer: the
// configured trusted proxies (addresses or CIDR networks, IPv4 or IPv6). A
// connection from one of them is the proxy's, not a client's: it is exempt
// from the per-address connection limit, and its requests are counted against
// the client that X-Forwarded-For names. X-Forwarded-For is read only from
// trusted proxies (from anyone else it is a client's claim about itself): the
// client is the rightmost address in it that is not itself a trusted proxy.
//
// Thread safety: immutable after Parse; const members may be called from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace signet::server {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // `list`: comma-separated addresses or networks ("10.0.0.0/8,::1"); empty: none.
  static Result<TrustedProxies> Parse(std::string_view list);

  bool empty() const { return networks_.empty(); }
  bool Contains(std::string_view ip) const;
  // The client a request from `peer_ip` stands for, given the values of its
  // X-Forwarded-For fields in order (ignored unless the peer is trusted).
  std::string ClientFor(std::string_view peer_ip,
                        const std::vector<std::string_view>& forwarded_for) const;

 private:
  struct Network {
    bool v6 = false;
    unsigned char bytes[16] = {};
    int prefix = 0;
  };
  std::vector<Network> networks_;
};

}  // namespace signet::server

// TlsProxy: a TLS-terminating proxy on 127.0.0.1 for tests, standing in for
// the nginx/caddy in front of a registry: it accepts TLS connections with a
// given certificate and key (PEM files) and forwards the decrypted bytes to a
// plain TCP backend on 127.0.0.1 (a real signetd), and the answers back.
//
// Ownership: owns its io_context and its thread; the destructor stops both.
// Thread safety: construct and destroy on one thread; port() from any.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace signet::testing {

class TlsProxy {
 public:
  // Listens on 127.0.0.1 at a port the OS chooses. Throws std::exception when
  // the certificate or key cannot be loaded.
  TlsProxy(const std::string& cert_file, const std::string& key_file, std::uint16_t backend_port);
  ~TlsProxy();
  TlsProxy(const TlsProxy&) = delete;
  TlsProxy& operator=(const TlsProxy&) = delete;

  std::uint16_t port() const;
  // Connections whose TLS handshake failed (a client that refused the certificate).
  int failed_handshakes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace signet::testing

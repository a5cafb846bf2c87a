// The byte stream under HttpClient: plain TCP for http://, TLS over TCP
// (Boost.Beast's ssl_stream, OpenSSL) for https://. Internal to signet_client:
// only http_client.cc and stream.cc include it, so that Beast and OpenSSL stay
// out of the client's public header.
//
// TLS: the certificate chain is verified against the system's trust store
// (OpenSSL's default paths: /etc/ssl/certs on Debian, ca-certificates) or,
// when ClientOptions::ca_file is set, against that PEM file alone (a private
// CA); the certificate must name the host of the URL (DNS name, or IP address
// for a literal IP) and SNI carries a DNS name. TLS 1.2 or newer. A
// verification failure is an Unavailable Status saying what is wrong with the
// certificate and that --ca-file trusts a private CA.
//
// Ownership: a Stream owns its socket; a TlsContext is shared (by pointer) by
// the streams made with it. Thread safety: a Stream is used from its
// io_context's thread only (one read and one write may be outstanding at
// once, as the NDJSON call does); a TlsContext, once made, from any thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <variant>

#include "common/status.h"
#include "tools/signet/client/http_client.h"
#include "tools/signet/client/url.h"

namespace signet::client {

using TlsContext = boost::asio::ssl::context;

// The context for https:// streams: verification on, the trust store chosen
// by options.ca_file. Null for http://. The error names an unreadable CA file.
Result<std::shared_ptr<TlsContext>> MakeTlsContext(const ServerUrl& server,
                                                   const ClientOptions& options);

class Stream {
 public:
  using Tls = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  // REQUIRES: `tls` is non-null exactly when the server URL is https.
  Stream(boost::asio::io_context& ioc, std::shared_ptr<TlsContext> tls);
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Resolves, connects (connect_timeout) and, for https, does the TLS
  // handshake with the host's name checked. Errors are Unavailable with what
  // to do: "cannot connect to https://...: ...", "the TLS certificate of ...
  // is not trusted (...); ...--ca-file".
  boost::asio::awaitable<Status> Connect(const ServerUrl& server, const ClientOptions& options);

  // The TCP layer: deadlines (expires_after) and the socket.
  boost::beast::tcp_stream& tcp();
  // Closes the socket (no TLS close_notify: the client never reuses it).
  void Close();

  // Calls f(plain or TLS stream) and returns what it returns; every I/O
  // operation goes through it so that one coroutine serves both.
  template <class F>
  decltype(auto) Visit(F&& f) {
    return std::visit(std::forward<F>(f), stream_);
  }

 private:
  std::shared_ptr<TlsContext> tls_context_;  // keeps the context alive
  std::variant<boost::beast::tcp_stream, Tls> stream_;
};

// True when `ec` ends a stream the way a closed connection does (EOF, or a
// TLS peer that closed without close_notify).
bool IsEndOfStream(const boost::system::error_code& ec);

// Unavailable("<what> <server>: <why, in words a user can act on>").
Status TransportError(const ServerUrl& server, std::string_view what,
                      const boost::system::error_code& ec);

}  // namespace signet::client

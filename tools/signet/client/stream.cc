#include "tools/signet/client/stream.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace signet::client {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using boost::system::error_code;
constexpr auto kUse = net::as_tuple(net::use_awaitable);

// Why a socket operation failed, in words a user can act on.
std::string Explain(const error_code& ec) {
  if (ec == net::error::connection_refused) return "connection refused (is signetd running?)";
  if (ec == beast::error::timeout) return "timed out (is the server overloaded or unreachable?)";
  if (ec == net::error::host_not_found || ec == net::error::host_not_found_try_again) {
    return "host not found (check the --server URL)";
  }
  if (IsEndOfStream(ec)) return "the server closed the connection";
  return ec.message();
}

// The handshake failed: the certificate, or not TLS at all.
Status HandshakeError(const ServerUrl& server, const ClientOptions& options, SSL* ssl,
                      const error_code& ec) {
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    std::string why = X509_verify_cert_error_string(verify);
    std::string hint;
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      hint = "the certificate is for another name than '" + server.host +
             "'; use the host name the certificate names in --server";
    } else if (options.ca_file.empty()) {
      hint =
          "if the registry uses a private certificate authority, pass its certificate with "
          "--ca-file CA.pem (or SIGNET_CA_FILE)";
    } else {
      hint = "it is not signed by the CA in " + options.ca_file;
    }
    return Status::Unavailable("the TLS certificate of " + server.ToString() + " is not trusted (" +
                               why + "); " + hint);
  }
  std::string m = "TLS handshake with " + server.ToString() + " failed: " + Explain(ec);
  // A plain HTTP server answers a ClientHello with a 400 page ("wrong version
  // number") or waits for a request head that never comes (a timeout).
  if (ec.category() == net::error::get_ssl_category() || ec == beast::error::timeout ||
      IsEndOfStream(ec)) {
    m += " (is it an https server? a plain signetd is http://)";
  }
  return Status::Unavailable(std::move(m));
}

}  // namespace

bool IsEndOfStream(const error_code& ec) {
  return ec == beast::http::error::end_of_stream || ec == net::error::eof ||
         ec == ssl::error::stream_truncated;
}

Status TransportError(const ServerUrl& server, std::string_view what, const error_code& ec) {
  return Status::Unavailable(std::string(what) + " " + server.ToString() + ": " + Explain(ec));
}

Result<std::shared_ptr<TlsContext>> MakeTlsContext(const ServerUrl& server,
                                                   const ClientOptions& options) {
  if (!server.tls) return std::shared_ptr<TlsContext>();
  auto ctx = std::make_shared<TlsContext>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx->set_verify_mode(ssl::verify_peer);
  error_code ec;
  if (!options.ca_file.empty()) {
    ctx->load_verify_file(options.ca_file, ec);
    if (ec) {
      return Status::InvalidArgument("cannot read the CA file " + options.ca_file + " (" +
                                     ec.message() + "); give a PEM certificate");
    }
  } else {
    ctx->set_default_verify_paths(ec);
    if (ec) {
      return Status::Unavailable("cannot load the system's trusted certificates (" + ec.message() +
                                 "); install ca-certificates or use --ca-file");
    }
  }
  return ctx;
}

Stream::Stream(net::io_context& ioc, std::shared_ptr<TlsContext> tls)
    : tls_context_(std::move(tls)), stream_(std::in_place_index<0>, ioc) {
  if (tls_context_) stream_.emplace<1>(ioc, *tls_context_);
}

beast::tcp_stream& Stream::tcp() {
  if (auto* plain = std::get_if<0>(&stream_)) return *plain;
  return std::get<1>(stream_).next_layer();
}

void Stream::Close() {
  error_code ignored;
  tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp().socket().close(ignored);
}

net::awaitable<Status> Stream::Connect(const ServerUrl& server, const ClientOptions& options) {
  tcp::resolver resolver(co_await net::this_coro::executor);
  auto [rec, results] = co_await resolver.async_resolve(server.host, server.port, kUse);
  if (rec) co_return TransportError(server, "cannot connect to", rec);
  tcp().expires_after(options.connect_timeout);
  auto [cec, endpoint] = co_await tcp().async_connect(results, kUse);
  if (cec) co_return TransportError(server, "cannot connect to", cec);
  error_code ignored;
  tcp().socket().set_option(tcp::no_delay(true), ignored);
  Tls* tls = std::get_if<1>(&stream_);
  if (!tls) co_return Status::Ok();

  SSL* native = tls->native_handle();
  error_code not_ip;
  net::ip::make_address(server.host, not_ip);
  X509_VERIFY_PARAM* param = SSL_get0_param(native);
  if (not_ip) {
    // SNI names a host, never an address (RFC 6066 section 3).
    if (SSL_set_tlsext_host_name(native, server.host.c_str()) != 1) {
      co_return Status::InvalidArgument("cannot use '" + server.host + "' as a TLS server name");
    }
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, server.host.c_str(), server.host.size());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(param, server.host.c_str());
  }
  tcp().expires_after(options.connect_timeout);
  auto [hec] = co_await tls->async_handshake(ssl::stream_base::client, kUse);
  if (hec) co_return HandshakeError(server, options, native, hec);
  co_return Status::Ok();
}

}  // namespace signet::client

// Fuzzes the request-head framing check (server/framing.h) and checks it
// against Beast's parser, which reads the same head after it in signetd:
// whenever CheckRequestFraming accepts a head that Beast also parses, both
// must agree on where the body ends (none, N bytes, or chunked). A
// disagreement is exactly the ambiguity request smuggling lives on.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/framing.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto start = signet::server::CheckRequestStart(bytes);
  if (!start.ok && (start.status != 400 || start.detail.empty())) std::abort();
  const std::size_t end = signet::server::FindHeadEnd(bytes);
  if (end == 0) return 0;
  if (end > bytes.size()) std::abort();
  const std::string_view head = bytes.substr(0, end);
  const auto check = signet::server::CheckRequestFraming(head);
  if (!check.ok) {
    if ((check.status != 400 && check.status != 501) || check.detail.empty()) std::abort();
    return 0;
  }
  namespace http = boost::beast::http;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(1 << 20);
  parser.body_limit(boost::none);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(head.data(), head.size()), ec);
  if (ec || !parser.is_header_done()) return 0;  // signetd answers 400
  using Body = signet::server::Framing::Body;
  const auto& f = check.framing;
  const bool agree = (f.body == Body::kChunked && parser.chunked() && !parser.content_length()) ||
                     (f.body == Body::kLength && !parser.chunked() && parser.content_length() &&
                      *parser.content_length() == f.length) ||
                     (f.body == Body::kNone && !parser.chunked() && !parser.content_length());
  if (!agree) std::abort();
  // A head Beast parses must not be refused by the early start check.
  if (!signet::server::CheckRequestStart(head).ok) std::abort();
  return 0;
}

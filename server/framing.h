// RFC 9112 message framing of a request head, checked in one place before the
// head reaches Beast's parser: what decides where a request's body ends must
// be unambiguous, or a front end and signetd may split one byte stream into
// different requests (request smuggling). The rules, each answered 400 (or
// 501) with the connection closed after the answer:
//   - lines end in CRLF: no bare CR, no bare LF (RFC 9112 2.2);
//   - no obs-fold (a field line starting with SP or HTAB) and no whitespace
//     between a field name and its colon (5.1, 5.2);
//   - exactly one Host field in HTTP/1.1 (3.2);
//   - Content-Length is one field holding one decimal number (6.3, 8.6 of
//     RFC 9110: several values are refused, not reconciled);
//   - Transfer-Encoding: never with Content-Length, never in HTTP/1.0, chunked
//     exactly once and last (6.1, 6.3 rule 4: otherwise 400); no other coding
//     is implemented (501).
// Anything else of the syntax is left to Beast.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace signet::server {

struct Framing {
  enum class Body { kNone, kLength, kChunked };
  Body body = Body::kNone;
  std::uint64_t length = 0;  // kLength only
};

struct FramingCheck {
  bool ok = true;
  int status = 0;      // 400 or 501 when !ok
  std::string detail;  // what to fix, when !ok
  Framing framing;     // when ok
};

// `head` is a request head: the request line and field lines, each ending in
// CRLF, then the empty line (leading empty lines already skipped). A head
// whose lines end in bare LF may also end in "\n\n"; it is refused.
FramingCheck CheckRequestFraming(std::string_view head);

// Refuses, before the head is complete, bytes that no request can start
// with: a request line starts with a method, a token (RFC 9110 5.6.2). A TLS
// ClientHello (a client speaking https:// to this plain-HTTP port) starts
// with byte 22 and would otherwise wait, silent, for header_timeout; the 400
// it gets instead makes its TLS library fail at once ("wrong version
// number"). ok when `bytes` (empty lines skipped) may still become a request.
FramingCheck CheckRequestStart(std::string_view bytes);

// The length of the head at the start of `bytes` (through its empty line),
// or 0 when it is not complete yet. Also finds a head ended by bare LFs, so
// that CheckRequestFraming can refuse it instead of waiting for more.
std::size_t FindHeadEnd(std::string_view bytes);

}  // namespace signet::server

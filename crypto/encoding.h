// Byte-string encodings: base64 (RFC 4648 standard alphabet with padding, and
// the URL-safe alphabet without padding) and lowercase hex.
//
// Decoders are strict because they read untrusted input: any character outside
// the alphabet, wrong or missing padding, or non-zero unused trailing bits is an
// error, so every byte string has exactly one accepted encoding.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace signet::crypto {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Views the characters of a string as bytes (no copy).
inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// RFC 4648 section 4: "+/" alphabet, "=" padding to a multiple of 4.
std::string Base64Encode(ByteView data);
std::string Base64Encode(std::string_view data);
Result<Bytes> Base64Decode(std::string_view text);

// RFC 4648 section 5: "-_" alphabet, no padding (as in JWS / JWK).
std::string Base64UrlEncode(ByteView data);
std::string Base64UrlEncode(std::string_view data);
Result<Bytes> Base64UrlDecode(std::string_view text);

// RFC 4648 section 6 alphabet, lowercase, no padding ("abcdefghijklmnopqrstuvwxyz234567").
// Used for short human-facing identifiers; there is no decoder because
// identifiers are compared as strings.
std::string Base32LowerEncode(ByteView data);

// Lowercase hex. The decoder accepts lowercase only so that ids compare as strings.
std::string HexEncode(ByteView data);
std::string HexEncode(std::string_view data);
Result<Bytes> HexDecode(std::string_view text);

}  // namespace signet::crypto

#include "crypto/encoding.h"

#include "common/base64.h"

namespace signet::crypto {

std::string Base64Encode(ByteView data) { return EncodeBase64(data, Base64Form::kStandard); }
std::string Base64Encode(std::string_view data) { return Base64Encode(AsBytes(data)); }
Result<Bytes> Base64Decode(std::string_view text) {
  return DecodeBase64(text, Base64Form::kStandard);
}

std::string Base64UrlEncode(ByteView data) { return EncodeBase64(data, Base64Form::kUrl); }
std::string Base64UrlEncode(std::string_view data) { return Base64UrlEncode(AsBytes(data)); }
Result<Bytes> Base64UrlDecode(std::string_view text) {
  return DecodeBase64(text, Base64Form::kUrl);
}

std::string Base32LowerEncode(ByteView data) {
  constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t b : data) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kAlphabet[(acc >> bits) & 31]);
    }
    acc &= (1u << bits) - 1;
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (5 - bits)) & 31]);
  return out;
}

std::string HexEncode(ByteView data) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (std::uint8_t b : data) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}
std::string HexEncode(std::string_view data) { return HexEncode(AsBytes(data)); }

Result<Bytes> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) {
    return Status::InvalidArgument("hex: odd length " + std::to_string(text.size()));
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  Bytes out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]);
    const int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("hex: invalid character at offset " +
                                     std::to_string(hi < 0 ? i : i + 1) +
                                     " (lowercase 0-9a-f only)");
    }
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

}  // namespace signet::crypto

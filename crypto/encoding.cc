#include "crypto/encoding.h"

#include <array>

namespace signet::crypto {
namespace {

constexpr std::string_view kStdAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string EncodeBase64(ByteView data, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) |
                      std::uint32_t{data[i + 2]};
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) out.append("==");
  } else if (rest == 2) {
    std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.push_back('=');
  }
  return out;
}

std::array<int, 256> ReverseTable(std::string_view alphabet) {
  std::array<int, 256> t{};
  t.fill(-1);
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  }
  return t;
}

Result<Bytes> DecodeBase64(std::string_view text, std::string_view alphabet, bool padded) {
  static const std::array<int, 256> kStd = ReverseTable(kStdAlphabet);
  static const std::array<int, 256> kUrl = ReverseTable(kUrlAlphabet);
  const std::array<int, 256>& table = alphabet == kStdAlphabet ? kStd : kUrl;
  const char* what = padded ? "base64" : "base64url";

  std::size_t data_chars = text.size();
  if (padded) {
    if (text.size() % 4 != 0) {
      return Status::InvalidArgument(std::string(what) + " length " + std::to_string(text.size()) +
                                     " is not a multiple of 4 (missing '=' padding?)");
    }
    while (data_chars > 0 && text.size() - data_chars < 2 && text[data_chars - 1] == '=') {
      --data_chars;
    }
  } else if (text.size() % 4 == 1) {
    return Status::InvalidArgument(std::string(what) + " length " + std::to_string(text.size()) +
                                   " is impossible (truncated?)");
  }

  Bytes out;
  out.reserve(data_chars * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data_chars; ++i) {
    const int v = table[static_cast<unsigned char>(text[i])];
    if (v < 0) {
      return Status::InvalidArgument(std::string(what) + ": invalid character at offset " +
                                     std::to_string(i));
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  // 1 leftover character cannot encode a byte; "xx=" style padding of length
  // 3 mod 4 was rejected above.
  if (data_chars % 4 == 1) {
    return Status::InvalidArgument(std::string(what) + ": truncated (bad padding)");
  }
  if (padded && (text.size() - data_chars) != (4 - data_chars % 4) % 4) {
    return Status::InvalidArgument(std::string(what) + ": bad padding");
  }
  if (acc != 0) {
    return Status::InvalidArgument(std::string(what) +
                                   ": non-canonical encoding (unused trailing bits are not zero)");
  }
  return out;
}

}  // namespace

std::string Base64Encode(ByteView data) { return EncodeBase64(data, kStdAlphabet, true); }
std::string Base64Encode(std::string_view data) { return Base64Encode(AsBytes(data)); }
Result<Bytes> Base64Decode(std::string_view text) { return DecodeBase64(text, kStdAlphabet, true); }

std::string Base64UrlEncode(ByteView data) { return EncodeBase64(data, kUrlAlphabet, false); }
std::string Base64UrlEncode(std::string_view data) { return Base64UrlEncode(AsBytes(data)); }
Result<Bytes> Base64UrlDecode(std::string_view text) {
  return DecodeBase64(text, kUrlAlphabet, false);
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

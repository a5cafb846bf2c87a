#include "common/base64.h"

#include <array>

namespace signet {
namespace {

constexpr std::string_view kStdAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<std::int8_t, 256> ReverseTable(std::string_view alphabet) {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return t;
}
constexpr std::array<std::int8_t, 256> kStdReverse = ReverseTable(kStdAlphabet);
constexpr std::array<std::int8_t, 256> kUrlReverse = ReverseTable(kUrlAlphabet);

Status Invalid(std::string_view what, const std::string& detail) {
  return Status::InvalidArgument(std::string(what) + ": " + detail);
}

}  // namespace

std::string EncodeBase64(std::span<const std::uint8_t> data, Base64Form form) {
  const std::string_view alphabet = form == Base64Form::kStandard ? kStdAlphabet : kUrlAlphabet;
  const bool pad = form == Base64Form::kStandard;
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) |
                            std::uint32_t{data[i + 2]};
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{data[i]} << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) out.append("==");
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.push_back('=');
  }
  return out;
}

Result<std::vector<std::uint8_t>> DecodeBase64(std::string_view text, Base64Form form) {
  const bool padded = form == Base64Form::kStandard;
  const std::array<std::int8_t, 256>& table = padded ? kStdReverse : kUrlReverse;
  const std::string_view what = padded ? "base64" : "base64url";

  std::size_t data_chars = text.size();
  if (padded) {
    if (text.size() % 4 != 0) {
      return Invalid(what, "length " + std::to_string(text.size()) +
                               " is not a multiple of 4 (missing '=' padding?)");
    }
    while (data_chars > 0 && text.size() - data_chars < 2 && text[data_chars - 1] == '=') {
      --data_chars;
    }
  } else if (text.size() % 4 == 1) {
    return Invalid(what,
                   "length " + std::to_string(text.size()) + " cannot be complete (truncated?)");
  }

  std::vector<std::uint8_t> out;
  out.reserve(data_chars / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data_chars; ++i) {
    const int v = table[static_cast<unsigned char>(text[i])];
    if (v < 0) {
      return Invalid(what, "character " + std::to_string(static_cast<unsigned char>(text[i])) +
                               " at position " + std::to_string(i) + " is not " +
                               std::string(what));
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  // One leftover character cannot encode a byte.
  if (data_chars % 4 == 1) return Invalid(what, "truncated (bad padding)");
  if (padded && (text.size() - data_chars) != (4 - data_chars % 4) % 4) {
    return Invalid(what, "bad padding");
  }
  // The encoder fills the last character's unused bits with zeros; anything
  // else would be a second spelling of the same bytes.
  if (acc != 0) {
    return Invalid(what, "non-canonical encoding (unused trailing bits are not zero)");
  }
  return out;
}

}  // namespace signet

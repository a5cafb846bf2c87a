#include "protocol/ids.h"

#include <algorithm>

#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace signet::protocol {
namespace {

std::string HexId(std::string_view prefix, std::string_view hashed) {
  const crypto::Digest d = crypto::Sha256(hashed);
  return std::string(prefix) + crypto::HexEncode(crypto::ByteView(d.data(), 16));
}

bool IsHexId(std::string_view id, std::string_view prefix) {
  if (id.size() != prefix.size() + 32 || !id.starts_with(prefix)) return false;
  for (char c : id.substr(prefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string WorkIdFor(std::string_view artist, std::span<const std::uint32_t> fingerprint) {
  std::string data = "signet.work.v1\n";
  data.append(artist).push_back('\n');
  data.reserve(data.size() + fingerprint.size() * 4);
  for (std::uint32_t v : fingerprint) {
    for (int k = 0; k < 4; ++k) data.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
  }
  return HexId("wk_", data);
}

std::string DisputeIdFor(std::string_view work_x, std::string_view work_y) {
  const auto [lo, hi] = std::minmax(work_x, work_y);
  std::string data = "signet.dispute.v1\n";
  data.append(lo).append("\n").append(hi);
  return HexId("dp_", data);
}

bool IsWellFormedWorkId(std::string_view id) { return IsHexId(id, "wk_"); }
bool IsWellFormedDisputeId(std::string_view id) { return IsHexId(id, "dp_"); }

bool IsMusicBrainzId(std::string_view id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string CanonicalMusicBrainzId(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::string id(text);
  for (char& c : id) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return IsMusicBrainzId(id) ? id : std::string();
}

}  // namespace signet::protocol

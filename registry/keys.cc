#include "registry/keys.h"

#include <algorithm>

namespace signet::registry::keys {

std::string U64Key(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  return out;
}

Result<std::uint64_t> ParseU64Key(std::string_view bytes) {
  if (bytes.size() != 8) return Status::Internal("corrupt 8-byte integer in the registry database");
  std::uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

std::string NodeKey(std::uint32_t level, std::uint64_t index) {
  std::string k(1, static_cast<char>(level));
  k.append(U64Key(index));
  return k;
}

std::string NodeValue(const crypto::Digest& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

std::optional<crypto::Digest> ParseNodeValue(std::string_view value) {
  crypto::Digest d;
  if (value.size() != d.size()) return std::nullopt;
  std::copy(value.begin(), value.end(), d.begin());
  return d;
}

std::string ArtistWorksPrefix(std::string_view artist_id) {
  std::string k(artist_id);
  k.push_back('/');
  return k;
}

std::string ArtistWorksKey(std::string_view artist_id, std::string_view work_id) {
  return ArtistWorksPrefix(artist_id).append(work_id);
}

std::string WorkHistoryPrefix(std::string_view work_id) {
  std::string k(work_id);
  k.push_back('/');
  return k;
}

std::string WorkHistoryKey(std::string_view work_id, std::uint64_t log_index) {
  return WorkHistoryPrefix(work_id) + U64Key(log_index);
}

std::string TermsOwnerWork(std::string_view work_id) { return "w/" + std::string(work_id) + "/"; }
std::string TermsOwnerArtist(std::string_view artist_id) {
  return "a/" + std::string(artist_id) + "/";
}

std::string TermsHistoryKey(std::string_view owner, Micros accepted_at, std::uint64_t log_index) {
  std::string k(owner);
  k += U64Key(static_cast<std::uint64_t>(accepted_at) ^ (1ULL << 63));
  k += U64Key(log_index);
  return k;
}

namespace {
std::string SearchList(std::string_view kind, std::string_view value) {
  std::string k(kind);
  k.append(value).push_back('/');
  return k;
}
}  // namespace

std::string SearchTitleList(std::string_view p) { return SearchList("t/", p); }
std::string SearchWorkArtistList(std::string_view p) { return SearchList("n/", p); }
std::string SearchIsrcList(std::string_view isrc) { return SearchList("i/", isrc); }
std::string SearchIswcList(std::string_view iswc) { return SearchList("w/", iswc); }
std::string SearchArtistNameList(std::string_view p) { return SearchList("a/", p); }

}  // namespace signet::registry::keys

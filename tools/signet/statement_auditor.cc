#include "tools/signet/statement_auditor.h"

#include <boost/json.hpp>
#include <charconv>

#include "common/strict_json.h"
#include "crypto/dsse.h"
#include "protocol/statement_payload.h"

namespace signet::cli {
namespace {

constexpr std::string_view kHeader = "signet-mirror-artist-keys v1 ";
constexpr std::size_t kMaxPayloadBytes = 2 << 20;  // STATEMENTS.md: the payload limit

Result<crypto::PublicKey> KeyField(const boost::json::object& o, std::string_view name,
                                   std::string_view where) {
  if (!o.contains(name)) {
    return Status::InvalidArgument(std::string(where) + " has no \"" + std::string(name) + "\"");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string_view text, GetString(o, name, where));
  Result<crypto::PublicKey> pk = crypto::ParsePublicKey(text);
  if (!pk.ok()) return pk.status().WithContext(std::string(where) + "." + std::string(name));
  return pk;
}

bool ParseU64(std::string_view s, std::uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Status StatementAuditor::Apply(std::uint64_t index, std::string_view envelope) {
  const std::string where = "log entry " + std::to_string(index);
  Result<crypto::dsse::Envelope> env = crypto::dsse::ParseJson(envelope);
  if (!env.ok()) return env.status().WithContext(where + " is not a DSSE envelope");
  if (env->payload_type != protocol::kStatementPayloadType) {
    return Status::InvalidArgument(where + " has payloadType \"" + env->payload_type + "\", not " +
                                   std::string(protocol::kStatementPayloadType));
  }
  const std::string_view payload = env->payload;
  SIGNET_ASSIGN_OR_RETURN(boost::json::value v,
                          ParseStrictJson(payload, kMaxPayloadBytes, where + " payload", 16));
  if (!v.is_object()) return Status::InvalidArgument(where + ": the payload is not an object");
  const boost::json::object& o = v.as_object();
  for (std::string_view f : {"type", "artist", "seq"}) {
    if (!o.contains(f)) {
      return Status::InvalidArgument(where + ": the payload has no \"" + std::string(f) + "\"");
    }
  }
  SIGNET_ASSIGN_OR_RETURN(std::string_view type, GetString(o, "type", where));
  SIGNET_ASSIGN_OR_RETURN(std::string_view artist, GetString(o, "artist", where));
  SIGNET_ASSIGN_OR_RETURN(std::uint64_t seq, GetUint64(o, "seq", where));
  const std::string what = where + " (" + std::string(type) + " by " + std::string(artist) + ")";

  auto it = artists_.find(artist);
  if (type == "artist.register") {
    SIGNET_ASSIGN_OR_RETURN(crypto::PublicKey pk, KeyField(o, "public_key", where));
    if (crypto::ArtistId(pk) != artist) {
      return Status::Unauthenticated(what + ": the artist id is not the id of its public_key");
    }
    if (it != artists_.end()) {
      return Status::FailedPrecondition(what + ": the artist was registered before");
    }
    if (Status s = crypto::dsse::Verify(*env, pk); !s.ok()) {
      return Status::Unauthenticated(what + ": not signed by the key it registers");
    }
    artists_.emplace(std::string(artist), Keys{pk, {}, seq});
    return Status::Ok();
  }
  if (it == artists_.end()) {
    return Status::FailedPrecondition(what + ": the artist is not registered earlier in the log");
  }
  Keys& keys = it->second;
  if (Status s = crypto::dsse::Verify(*env, keys.current); !s.ok()) {
    bool old_key = false;
    for (const auto& k : keys.previous) old_key |= crypto::dsse::Verify(*env, k).ok();
    return Status::Unauthenticated(what + (old_key ? ": signed by a key the artist had rotated away"
                                                   : ": not signed by the artist's current key"));
  }
  if (seq <= keys.last_seq) {
    return Status::FailedPrecondition(what + ": seq " + std::to_string(seq) +
                                      " does not follow the artist's last seq " +
                                      std::to_string(keys.last_seq));
  }
  keys.last_seq = seq;
  if (type == "artist.rotate_key") {
    SIGNET_ASSIGN_OR_RETURN(crypto::PublicKey next, KeyField(o, "new_public_key", where));
    bool used = next == keys.current;
    for (const auto& k : keys.previous) used |= k == next;
    if (used) return Status::FailedPrecondition(what + ": rotates to a key the artist used before");
    keys.previous.push_back(keys.current);
    keys.current = next;
  }
  return Status::Ok();
}

std::string StatementAuditor::Serialize(std::uint64_t size) const {
  std::string out(kHeader);
  out += std::to_string(size) + "\n";
  for (const auto& [id, k] : artists_) {
    out += id;
    out += ' ';
    out += std::to_string(k.last_seq);
    out += ' ';
    out += crypto::PublicKeyToText(k.current);
    for (const auto& p : k.previous) {
      out += ' ';
      out += crypto::PublicKeyToText(p);
    }
    out += '\n';
  }
  return out;
}

Result<StatementAuditor> StatementAuditor::Parse(std::string_view text, std::uint64_t& size) {
  const Status bad = Status::InvalidArgument("the mirror's artist-keys file is damaged");
  if (!text.starts_with(kHeader)) return bad;
  text.remove_prefix(kHeader.size());
  StatementAuditor a;
  bool header = true;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    if (nl == std::string_view::npos) return bad;
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (header) {
      if (!ParseU64(line, size)) return bad;
      header = false;
      continue;
    }
    std::vector<std::string_view> f;
    for (std::size_t at = 0; at <= line.size();) {
      const std::size_t sp = std::min(line.find(' ', at), line.size());
      f.push_back(line.substr(at, sp - at));
      at = sp + 1;
    }
    Keys k;
    if (f.size() < 3 || !ParseU64(f[1], k.last_seq)) return bad;
    for (std::size_t i = 2; i < f.size(); ++i) {
      Result<crypto::PublicKey> pk = crypto::ParsePublicKey(f[i]);
      if (!pk.ok()) return bad;
      if (i == 2) {
        k.current = *pk;
      } else {
        k.previous.push_back(*pk);
      }
    }
    a.artists_.emplace(std::string(f[0]), std::move(k));
  }
  if (header) return bad;
  return a;
}

}  // namespace signet::cli

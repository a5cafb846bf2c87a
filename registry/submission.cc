#include "registry/submission.h"

#include <utility>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "registry/records.h"

namespace signet::registry {

Status EnvelopeTooLarge(std::size_t bytes) {
  return Status::ResourceExhausted(
      "the signed statement is " + std::to_string(bytes) +
      " bytes; the log holds statements of at most 65535 bytes (C2SP tlog-tiles entry bundles "
      "prefix each entry with a 16-bit length). A work registration carries the whole "
      "recording's fingerprint, about 40 bytes per second, so this bounds registrations to "
      "recordings of about 25 minutes; register a longer recording as parts of at most 20 "
      "minutes");
}

Result<Submission> ParseSubmission(std::string_view envelope_json, Micros now,
                                   Micros max_skew_micros) {
  if (envelope_json.size() > kMaxEnvelopeBytes) return EnvelopeTooLarge(envelope_json.size());
  Submission s;
  s.envelope_json = std::string(envelope_json);
  auto env = crypto::dsse::ParseJson(envelope_json);
  if (!env.ok()) {
    return Status::InvalidArgument("envelope: " + env.status().message());
  }
  s.envelope = std::move(*env);
  if (s.envelope.payload_type != kStatementPayloadType) {
    return Status::InvalidArgument("envelope: payloadType must be \"" +
                                   std::string(kStatementPayloadType) + "\"");
  }
  SIGNET_ASSIGN_OR_RETURN(s.statement, ParseStatement(s.envelope.payload, now, max_skew_micros));
  const crypto::Digest id = crypto::Sha256(envelope_json);
  s.statement_id = crypto::HexEncode(crypto::ByteView(id.data(), id.size()));
  return s;
}

Status PreVerify(Submission& s, const Store& store) {
  if (s.statement.type == StatementType::kArtistRegister) {
    const auto& body = std::get<ArtistRegisterBody>(s.statement.body);
    Status v = crypto::dsse::Verify(s.envelope, body.public_key);
    if (!v.ok()) {
      return Status::Unauthenticated("artist.register must be signed by the key it registers: " +
                                     v.message());
    }
    s.verified_with = body.public_key;
    return Status::Ok();
  }
  auto v = store.Get(Column::kArtists, s.statement.artist);
  if (v.ok() && *v) {
    auto artist = records::DecodeArtist(**v);
    if (artist.ok() && crypto::dsse::Verify(s.envelope, artist->current_key).ok()) {
      s.verified_with = artist->current_key;
    }
  }
  return Status::Ok();
}

}  // namespace signet::registry

#include "registry/submission.h"

#include <utility>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "registry/records.h"

namespace signet::registry {

Result<Submission> ParseSubmission(std::string_view envelope_json, Micros now,
                                   Micros max_skew_micros) {
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

// What a signed statement is on the wire (registry/STATEMENTS.md): a DSSE
// envelope of payload type kStatementPayloadType whose payload is one JSON
// object, the common fields first
//   {"type": "work.register", "artist": "ar_...", "seq": N, "issued_at": "<RFC 3339 UTC>"}
// followed by the type's own fields at the top level.
//
// Clients build and sign payloads with these functions; the registry validates
// them field by field with registry::ParseStatement (registry/statement.h),
// which needs the fingerprint codec and the identifier rules and so lives above.
//
// Thread safety: pure functions.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/ed25519.h"

namespace signet::protocol {

inline constexpr std::string_view kStatementPayloadType = "application/vnd.signet.statement+json";

enum class StatementType : std::uint8_t {
  kArtistRegister = 0,
  kArtistRotateKey,
  kArtistDefaultTerms,
  kWorkRegister,
  kWorkTerms,
  kWorkWithdraw,
  kDisputeOpen,
  kDisputeResolve,
};
// "artist.register", "artist.rotate_key", "artist.default_terms", "work.register",
// "work.terms", "work.withdraw", "dispute.open", "dispute.resolve".
std::string_view StatementTypeName(StatementType t);
std::optional<StatementType> ParseStatementType(std::string_view name);
// Every type name, ", "-separated, for messages.
std::string StatementTypeList();

// The payload JSON: the common fields, then `body`'s members in their order
// (a body member named like a common field replaces it: the validator then
// judges what was sent). `issued_at` is RFC 3339 UTC text (protocol/time.h).
std::string StatementPayload(StatementType type, std::string_view artist, std::uint64_t seq,
                             std::string_view issued_at, const boost::json::object& body);

// The DSSE envelope JSON of `payload`, signed by `key` as kStatementPayloadType.
std::string SignStatement(const crypto::SecretKey& key, std::string_view payload);

}  // namespace signet::protocol

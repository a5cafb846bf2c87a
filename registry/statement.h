// Statement payloads: the JSON inside a DSSE envelope of payload type
// kStatementPayloadType. The schemas are written down in
// registry/STATEMENTS.md; ParseStatement is the one validator, field by field.
// Every rejection is an InvalidArgument naming the statement type and the
// field, e.g. `work.register: field "credits[2].role" must be a string of at
// most 100 characters`.
//
// ParseStatement checks what can be checked from the payload alone (shape,
// sizes, identifiers, timestamps against `now`); who may sign and whether seq
// is fresh depend on registry state and are checked by the Registry.
//
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"
#include "crypto/ed25519.h"
#include "registry/terms.h"

namespace signet::registry {

inline constexpr std::string_view kStatementPayloadType = "application/vnd.signet.statement+json";

// Microseconds since the Unix epoch, UTC.
using Micros = std::int64_t;

// RFC 3339 in UTC: "2026-11-23T12:00:00Z", optional fraction up to 9 digits
// (kept to the microsecond), "Z" or "+00:00". Years 1970-9999.
Result<Micros> ParseRfc3339Utc(std::string_view text);
// "2026-11-23T12:00:00.123456Z" (fraction only when non-zero).
std::string FormatRfc3339Utc(Micros t);

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
// "artist.register", ...
std::string_view StatementTypeName(StatementType t);
std::optional<StatementType> ParseStatementType(std::string_view name);

struct Credit {
  std::string name;
  std::string role;
  std::optional<std::string> isni;  // canonical forms (identifiers.h)
  std::optional<std::string> ipi;
  friend bool operator==(const Credit&, const Credit&) = default;
};

struct ArtistRegisterBody {
  crypto::PublicKey public_key{};
  std::string display_name;
  std::optional<std::string> isni;
  std::optional<std::string> ipi;
  std::vector<std::string> links;
};

struct ArtistRotateKeyBody {
  crypto::PublicKey new_public_key{};
};

struct ArtistDefaultTermsBody {
  Terms terms;
};

struct WorkRegisterBody {
  std::string title;
  std::vector<Credit> credits;
  double duration_seconds = 0;
  std::string fingerprint;                        // compressed, as sent
  std::vector<std::uint32_t> fingerprint_values;  // decoded
  std::optional<std::string> sha256;              // lowercase hex
  std::optional<std::string> isrc;
  std::optional<std::string> iswc;
};

struct WorkTermsBody {
  std::string work;
  Terms terms;
};

struct WorkWithdrawBody {
  std::string work;
  std::string reason;  // may be empty
};

struct DisputeOpenBody {
  std::string work;        // the signer's own work
  std::string other_work;  // the other artist's work
  std::string reason;
};

struct DisputeResolveBody {
  std::string dispute;
  std::string resolution;
};

using StatementBody =
    std::variant<ArtistRegisterBody, ArtistRotateKeyBody, ArtistDefaultTermsBody, WorkRegisterBody,
                 WorkTermsBody, WorkWithdrawBody, DisputeOpenBody, DisputeResolveBody>;

struct Statement {
  StatementType type{};
  std::string artist;  // crypto::ArtistId form
  std::uint64_t seq = 0;
  Micros issued_at = 0;
  StatementBody body;
};

struct StatementLimits {
  std::size_t max_payload_bytes = 2u << 20;
  std::size_t max_name_chars = 200;  // display names, titles, credit names
  std::size_t max_role_chars = 100;
  std::size_t max_text_chars = 2000;  // reasons, resolutions, conditions
  std::size_t max_url_chars = 2000;
  std::size_t max_links = 20;
  std::size_t max_credits = 100;
  std::size_t max_licences = 20;
  std::size_t max_fingerprint_chars = 1u << 20;
  double max_duration_seconds = 6 * 3600;
  std::size_t min_fingerprint_values = 8;  // about one second of audio
};

// Validates and parses an untrusted payload. `now` and `max_skew_micros`
// bound issued_at. REQUIRES: nothing; any input is safe.
Result<Statement> ParseStatement(std::string_view payload_json, Micros now, Micros max_skew_micros,
                                 const StatementLimits& limits = {});

// The work id a work.register by `artist` gets (see STATEMENTS.md "Work id").
std::string WorkIdFor(std::string_view artist, std::span<const std::uint32_t> fingerprint);

// A well-formed work id: "wk_" + 32 lowercase hex characters.
bool IsWellFormedWorkId(std::string_view id);
// A well-formed dispute id: "dp_" + 32 lowercase hex characters.
bool IsWellFormedDisputeId(std::string_view id);

}  // namespace signet::registry

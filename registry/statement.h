// Statement payloads: the JSON inside a DSSE envelope of payload type
// kStatementPayloadType. The schemas are written down in
// registry/STATEMENTS.md; ParseStatement is the one validator, field by field.
// Every rejection is an InvalidArgument naming the statement type and the
// field, e.g. `work.register: field "credits[2].role" must be a string of at
// most 100 characters`; the field's path is also Status::field() ("credits[2].role"),
// which HTTP clients get as the problem document's "field" member.
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
#include "fingerprint/landmark.h"
#include "protocol/ids.h"
#include "protocol/statement_payload.h"
#include "protocol/time.h"
#include "registry/terms.h"

namespace signet::registry {

// The wire vocabulary is the protocol's (protocol/statement_payload.h,
// protocol/time.h, protocol/ids.h); the registry uses it under these names.
using protocol::FormatRfc3339Utc;
using protocol::IsWellFormedDisputeId;
using protocol::IsWellFormedWorkId;
using protocol::kStatementPayloadType;
using protocol::Micros;
using protocol::ParseRfc3339Utc;
using protocol::ParseStatementType;
using protocol::StatementType;
using protocol::StatementTypeName;
using protocol::WorkIdFor;

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
  // The landmark print of the whole recording (fingerprint/landmark_codec.h),
  // optional: as sent, and decoded.
  std::optional<std::string> landmark;
  std::optional<fp::LandmarkPrint> landmark_print;
  // MusicBrainz recording ids of the recording (canonical MBIDs, distinct),
  // optional: absent keeps what the registry holds, an array (even empty)
  // replaces it.
  std::optional<std::vector<std::string>> musicbrainz_recording_ids;
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
  // The landmark print: its text, and its average density (a reference
  // print keeps ~12 peaks a second, LandmarkOptions::Reference(); a denser
  // one would be a query print, whose postings cost the index 3x and whose
  // peaks raise chance matches against it).
  std::size_t max_landmark_chars = 1u << 20;
  double max_landmark_peaks_per_second = 20;
  // How far the landmark print's length may differ from the Chromaprint
  // fingerprint's: both are computed from one decode of the same file.
  double max_landmark_length_difference_seconds = 10;
  // MusicBrainz recording ids on one work (a recording released on several
  // MusicBrainz recordings, e.g. remasters merged later).
  std::size_t max_musicbrainz_recording_ids = 20;
};

// Validates and parses an untrusted payload. `now` and `max_skew_micros`
// bound issued_at. REQUIRES: nothing; any input is safe.
Result<Statement> ParseStatement(std::string_view payload_json, Micros now, Micros max_skew_micros,
                                 const StatementLimits& limits = {});

}  // namespace signet::registry

// Identifiers the registry derives and its clients predict: work ids and
// dispute ids (registry/STATEMENTS.md "Work id", "Dispute id"). Artist ids are
// crypto::ArtistId (crypto/ed25519.h): they are a function of a key alone.
// Also the one rule for MusicBrainz ids (MBIDs), which artists attach to works
// and /v2/lookup answers where AcoustID clients expect them.
//
// A work id is a function of the registering artist and the recording's
// fingerprint, so the CLI knows, before asking, which work a file is, and a
// re-run can tell "already registered" apart. A dispute id is a function of
// the two works, in either order, so one pair has one dispute.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace signet::protocol {

// "wk_" + hex(first 16 bytes of SHA-256("signet.work.v1\n" || artist || "\n" ||
// the sub-fingerprints as little-endian uint32)).
std::string WorkIdFor(std::string_view artist, std::span<const std::uint32_t> fingerprint);

// "dp_" + hex(first 16 bytes of SHA-256("signet.dispute.v1\n" || lower || "\n" ||
// higher)), lower/higher the two work ids in byte order.
std::string DisputeIdFor(std::string_view work_x, std::string_view work_y);

// "wk_" + 32 lowercase hex digits.
bool IsWellFormedWorkId(std::string_view id);
// "dp_" + 32 lowercase hex digits.
bool IsWellFormedDisputeId(std::string_view id);

// A MusicBrainz id (MBID) in its canonical form: a UUID written as 36
// lowercase characters, hex digits in groups of 8-4-4-4-12 separated by '-'
// ("b9ad642e-b012-41c7-b72a-42cf4911f9ff"), the form MusicBrainz serves and
// beets and Picard accept. Statements carry only this form.
bool IsMusicBrainzId(std::string_view id);
// The canonical form of a typed MBID: surrounding blanks dropped, upper-case
// hex lowered; "" when what is left is not an MBID.
std::string CanonicalMusicBrainzId(std::string_view text);

}  // namespace signet::protocol

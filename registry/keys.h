// Internal to signet_registry: every key of the Store, and the values that
// are not records (fixed-width integers, Merkle node hashes), in one place.
// registry/STORAGE.md is the written-down layout; registry/records.h encodes
// the record values. Integers in keys are 8-byte big-endian so that byte
// order is numeric order.
//
// Thread safety: constants and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/sha256.h"
#include "protocol/ids.h"
#include "registry/statement.h"

namespace signet::registry::keys {

// ---- kMeta ----------------------------------------------------------------
// Owned by the transparency log (registry/transparency_log.h):
inline constexpr std::string_view kTreeSize = "tree_size";     // U64 log size
inline constexpr std::string_view kCheckpoint = "checkpoint";  // signed note text
// The newest checkpoint witnesses cosigned (signed note with cosignatures).
inline constexpr std::string_view kWitnessedCheckpoint = "witnessed_checkpoint";
// Owned by the group-commit writer (registry/group_commit.h):
inline constexpr std::string_view kCounters = "counters";                // records::EncodeCounters
inline constexpr std::string_view kLastAcceptedAt = "last_accepted_at";  // U64 µs
// Owned by the search index (registry/search_index.h): the version of the
// rules kSearch was built with.
inline constexpr std::string_view kSearchIndexVersion = "search_index";

// ---- integers --------------------------------------------------------------
// Big-endian, so that byte order is numeric order. Also the value layout of
// kMeta's integers and of kStatementIds (log index).
std::string U64Key(std::uint64_t v);
Result<std::uint64_t> ParseU64Key(std::string_view bytes);

// kLogLeaves: the log index.
inline std::string LeafKey(std::uint64_t log_index) { return U64Key(log_index); }
// kFingerprints: the index ref id (log index of the work's first registration).
inline std::string FingerprintKey(std::uint64_t ref) { return U64Key(ref); }
// kLandmarks: the same ref id as the work's kFingerprints entry.
inline std::string LandmarkKey(std::uint64_t ref) { return U64Key(ref); }

// ---- kLogNodes ---------------------------------------------------------------
// Key: 1 byte level + U64 index. Value: the 32-byte hash of the complete
// subtree (level, index) (crypto/merkle.h).
std::string NodeKey(std::uint32_t level, std::uint64_t index);
std::string NodeValue(const crypto::Digest& hash);
// nullopt when `value` is not 32 bytes.
std::optional<crypto::Digest> ParseNodeValue(std::string_view value);

// ---- kArtistWorks: artist id "/" work id -> "" -------------------------------
std::string ArtistWorksPrefix(std::string_view artist_id);
std::string ArtistWorksKey(std::string_view artist_id, std::string_view work_id);

// ---- kWorkHistory: work id "/" U64 log index -> history entry ----------------
std::string WorkHistoryPrefix(std::string_view work_id);
std::string WorkHistoryKey(std::string_view work_id, std::uint64_t log_index);

// ---- kTermsHistory: owner + U64(accepted_at XOR 2^63) + U64 log index --------
// owner is "w/<work id>/" or "a/<artist id>/"; accepted_at is offset so that
// it sorts as unsigned.
std::string TermsOwnerWork(std::string_view work_id);
std::string TermsOwnerArtist(std::string_view artist_id);
std::string TermsHistoryKey(std::string_view owner, Micros accepted_at, std::uint64_t log_index);

// ---- kSearch: list + id -> "" (registry/search_index.h) ---------------------
// One list per search condition, its entries the ids in byte order:
//   t/<title token prefix>/<work id>        n/<artist name token prefix>/<work id>
//   i/<ISRC>/<work id>   w/<ISWC>/<work id>  a/<artist name token prefix>/<artist id>
// Token prefixes are search::kMinPrefix..kMaxPrefix code points of the
// tokens of registry/search_text.h (shorter tokens whole); identifiers are
// canonical.
std::string SearchTitleList(std::string_view token_prefix);
std::string SearchWorkArtistList(std::string_view token_prefix);
std::string SearchIsrcList(std::string_view isrc);
std::string SearchIswcList(std::string_view iswc);
std::string SearchArtistNameList(std::string_view token_prefix);

// ---- kDisputes: the dispute id ------------------------------------------------
// One id per pair of works, whoever opens it and however often: the rule is
// the protocol's, which clients share (protocol/ids.h, STATEMENTS.md "Dispute id").
using protocol::DisputeIdFor;

}  // namespace signet::registry::keys

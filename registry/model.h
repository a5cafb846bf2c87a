// The registry's domain model: the records it keeps (artists, works,
// disputes, terms history, work history) and the answers it gives (accepted
// statements, terms in force, matches, check verdicts, counts). Plain values:
// registry/records.h encodes the stored ones (registry/STORAGE.md), api/
// maps them to JSON, and every unit of the registry passes them around.
//
// Thread safety: values; no shared state.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/receipt.h"
#include "fingerprint/landmark.h"
#include "protocol/time.h"
#include "registry/statement.h"
#include "registry/terms.h"

namespace signet::registry {

// Microseconds since the Unix epoch, UTC (see statement.h: Micros).
using Clock = std::function<Micros()>;
// The system clock, for production (protocol/time.h).
using protocol::SystemNowMicros;

struct Page {
  std::string next_cursor;  // empty when there is nothing more
};

struct Artist {
  std::string id;  // crypto::ArtistId of the first key
  crypto::PublicKey current_key{};
  std::vector<crypto::PublicKey> previous_keys;  // oldest first
  std::string display_name;
  std::optional<std::string> isni;  // canonical form (identifiers.h)
  std::optional<std::string> ipi;
  std::vector<std::string> links;
  std::uint64_t last_seq = 0;
  Micros registered_at = 0;  // server acceptance time
  std::uint64_t register_log_index = 0;
  std::optional<Terms> default_terms;  // catalogue default in force now
  std::uint64_t work_count = 0;        // live (not withdrawn) works
};

struct Work {
  std::string id;      // see STATEMENTS.md "Work id"
  std::string artist;  // owner's artist id
  std::string title;
  std::vector<Credit> credits;
  double duration_seconds = 0;
  std::optional<std::string> sha256;  // lowercase hex
  std::optional<std::string> isrc;    // canonical forms (identifiers.h)
  std::optional<std::string> iswc;
  std::size_t fingerprint_length = 0;  // number of 32-bit sub-fingerprints
  // Peaks of the work's landmark print (fingerprint/landmark.h); 0: it has none.
  std::size_t landmark_peaks = 0;
  bool withdrawn = false;
  Micros registered_at = 0;  // first registration (server time)
  Micros updated_at = 0;
  std::uint64_t register_log_index = 0;    // first registration; also the index ref id
  std::vector<std::string> open_disputes;  // dispute ids
  std::optional<Terms> terms;              // the work's own terms in force now
};

enum class DisputeState : std::uint8_t { kOpen = 0, kResolved };
// "open" / "resolved"
inline std::string_view DisputeStateName(DisputeState s) {
  return s == DisputeState::kOpen ? "open" : "resolved";
}

struct Dispute {
  std::string id;
  // work_a is the earlier registration (the one that was there first).
  std::string work_a, artist_a, work_b, artist_b;
  DisputeState state = DisputeState::kOpen;
  // "registry" when opened automatically by a matching registration,
  // otherwise the artist id that signed dispute.open.
  std::string opened_by;
  std::string reason;
  double match_score = 0;  // 0 when opened by a statement
  Micros opened_at = 0;
  std::uint64_t open_log_index = 0;
  std::string resolved_by;  // artist id; empty while open
  std::string resolution;
  Micros resolved_at = 0;
  std::uint64_t resolve_log_index = 0;
};

struct DisputeFilter {
  std::optional<DisputeState> state;
  std::optional<std::string> artist;  // either party
  std::optional<std::string> work;    // either work
};

// Conditions of a work search (Registry::SearchWorks); each one given must
// hold. Identifiers in their canonical forms (registry/identifiers.h).
struct WorkQuery {
  std::string title;                     // words, each the beginning of a title word
  std::string artist_name;               // words, each the beginning of a word of the artist's name
  std::optional<std::string> artist_id;  // the owner
  std::optional<std::string> isrc;
  std::optional<std::string> iswc;
};

struct Accepted {
  std::string statement_id;  // lowercase hex SHA-256 of the envelope bytes
  StatementType type{};
  std::string artist_id;
  std::optional<std::string> work_id;
  std::optional<std::string> dispute_id;
  std::uint64_t log_index = 0;
  Micros accepted_at = 0;
  crypto::Receipt receipt;
  // The object the statement created or changed, as it is after the statement.
  std::optional<Artist> artist;    // artist.*
  std::optional<Work> work;        // work.*
  std::optional<Dispute> dispute;  // dispute.*
  // Disputes this statement opened automatically (work.register only).
  std::vector<Dispute> opened_disputes;
};

struct TermsAnswer {
  std::string work_id;
  Micros at = 0;
  EffectiveTerms effective;
  std::optional<Terms> work_terms;  // the statement in force at `at`, if any
  std::optional<std::uint64_t> work_terms_log_index;
  std::optional<Micros> work_terms_since;
  std::optional<Terms> default_terms;
  std::optional<std::uint64_t> default_terms_log_index;
  std::optional<Micros> default_terms_since;
};

struct HistoryEntry {
  std::uint64_t log_index = 0;
  std::string statement_id;
  StatementType type{};
  std::string artist;
  std::uint64_t seq = 0;
  Micros issued_at = 0;
  Micros accepted_at = 0;
};

struct MatchSegment {
  double query_start = 0, query_end = 0;  // seconds
  double ref_start = 0, ref_end = 0;      // seconds
  double bit_error_rate = 0;              // Chromaprint's; meaningful when `chromaprint`
  // Which prints found the segment (fused audio queries; otherwise Chromaprint).
  bool chromaprint = true;
  bool landmark = false;
};

struct WorkMatch {
  Work work;
  std::string artist_display_name;
  double score = 0;  // -log10(e_value)
  // Expected unrelated works matching this well per query (fp::Match); 0 for
  // a sha256 identity.
  double e_value = 1;
  // Speed at which the query holds the work: 1 as registered, 1.03 when the
  // query plays it 3 % faster (found by a speed variant of the query audio).
  double speed = 1.0;
  // Queries with a landmark print (fingerprint/fusion.h): reference seconds
  // per query second (speed is then the same number) and query pitch minus
  // reference pitch in semitones; and which prints found the work.
  double tempo = 1.0;
  double pitch_semitones = 0;
  bool chromaprint = true;
  bool landmark = false;
  std::vector<MatchSegment> segments;
  std::vector<Dispute> disputes;  // open disputes on this work
  EffectiveTerms terms;           // in force now
};

// How much of the fingerprint index a search covered: all of it on one
// machine; in a cluster the shards that answered (docs/CLUSTER.md), so that an
// answer from part of the registry says so instead of silently finding less.
struct SearchCoverage {
  std::size_t shards = 1;
  std::size_t shards_searched = 1;
  bool complete() const { return shards_searched >= shards; }
  double fraction() const {
    return shards == 0 ? 1.0 : static_cast<double>(shards_searched) / static_cast<double>(shards);
  }
};

struct CheckRequest {
  std::optional<std::vector<std::uint32_t>> fingerprint;  // raw sub-fingerprints
  // The item's landmark query print (LandmarkOptions::Query()), with a
  // fingerprint: both prints are matched and fused.
  std::optional<fp::LandmarkPrint> landmark;
  std::optional<std::string> sha256;  // lowercase hex
  Purpose purpose = Purpose::kAiGenerativeTraining;
  std::vector<std::string> licences;
};

struct CheckedWork {
  WorkMatch match;
  VerdictResult verdict;
};

struct CheckResult {
  VerdictResult verdict;  // combined
  std::vector<CheckedWork> works;
  SearchCoverage coverage;  // of the fingerprint search
};

struct Stats {
  std::uint64_t artists = 0;
  std::uint64_t works = 0;  // live
  std::uint64_t withdrawn_works = 0;
  std::uint64_t open_disputes = 0;
  std::uint64_t disputes = 0;
  std::uint64_t statements = 0;  // == log size
  std::uint64_t indexed_works = 0;
  std::uint64_t index_positions = 0;     // indexed sub-fingerprints
  std::uint64_t landmark_works = 0;      // works indexed with a landmark print
  std::uint64_t index_memory_bytes = 0;  // only with GetStats(true)
  std::uint64_t commit_groups = 0;       // since Open
  double open_seconds = 0;               // time Open took until queries could run
  // Set when Open built the search index from the records (a data directory
  // from before search, or older search rules): works indexed, seconds.
  std::uint64_t search_index_backfilled_works = 0;
  double search_index_backfill_seconds = 0;
  // False while the fingerprint index is rebuilt: matches are partial.
  bool index_complete = true;
  // Only with GetStats(true):
  std::uint64_t index_segments = 0;
  std::uint64_t index_disk_bytes = 0;  // segment files
  std::uint64_t index_posting_bytes = 0, index_value_bytes = 0;
  bool index_busy = false;  // a flush or merge is pending or running
};

}  // namespace signet::registry

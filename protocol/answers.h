// The answers of signetd's JSON API that clients read back, as types. The API
// fills them from registry objects and serializes them; the CLI parses the
// server's bytes into the same types (protocol/answers_json.h), so both sides
// agree on every member by construction. The JSON shapes are the schemas of
// the same names in api/openapi.json; times are RFC 3339 UTC on the wire
// (protocol/time.h), terms are protocol/terms.h's.
//
// Which answer is which:
//   Artist          GET /v1/artists/{id}; Accepted.artist
//   Work            GET /v1/works/{id}, items of GET /v1/artists/{id}/works
//   Dispute         GET /v1/disputes/{id}, items of GET /v1/disputes
//   Accepted        POST /v1/statements (201)
//   TermsAnswer     GET /v1/works/{id}/terms
//   MatchAnswer     POST /v1/match
//   CheckLine       each line of POST /v1/check's NDJSON answer
//
// Thread safety: values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "crypto/receipt.h"
#include "protocol/statement_payload.h"
#include "protocol/terms.h"
#include "protocol/time.h"

namespace signet::protocol {

struct Credit {
  std::string name;
  std::string role;
  std::optional<std::string> isni;  // canonical forms (registry/identifiers.h)
  std::optional<std::string> ipi;
  friend bool operator==(const Credit&, const Credit&) = default;
};

struct Artist {
  std::string id;
  std::string display_name;
  std::string public_key;                  // current key, standard base64
  std::vector<std::string> previous_keys;  // oldest first
  std::optional<std::string> isni;
  std::optional<std::string> ipi;
  std::vector<std::string> links;
  std::uint64_t last_seq = 0;  // the next statement of this artist needs a greater seq
  Micros registered_at = 0;
  std::uint64_t register_log_index = 0;
  std::optional<Terms> default_terms;  // the catalogue default in force
  std::uint64_t work_count = 0;        // live works
  friend bool operator==(const Artist&, const Artist&) = default;
};

struct Work {
  std::string id;
  std::string artist;
  std::string title;
  std::vector<Credit> credits;
  double duration_seconds = 0;  // "duration"
  std::optional<std::string> sha256;
  std::optional<std::string> isrc;
  std::optional<std::string> iswc;
  std::uint64_t fingerprint_length = 0;
  std::uint64_t landmark_peaks = 0;  // 0: registered without a landmark print
  bool withdrawn = false;
  Micros registered_at = 0;
  Micros updated_at = 0;
  std::uint64_t register_log_index = 0;
  std::vector<std::string> open_disputes;  // dispute ids
  std::optional<Terms> terms;              // the work's own terms in force
  friend bool operator==(const Work&, const Work&) = default;
};

struct DisputeResolution {
  std::string resolved_by;
  std::string resolution;
  Micros resolved_at = 0;
  std::uint64_t resolve_log_index = 0;
  friend bool operator==(const DisputeResolution&, const DisputeResolution&) = default;
};

struct Dispute {
  std::string id;
  std::string work_a, artist_a;  // the earlier registration
  std::string work_b, artist_b;
  std::string state;      // "open" / "resolved"
  std::string opened_by;  // "registry" or the artist id that signed dispute.open
  std::string reason;     // "" is absent on the wire
  double match_score = 0;
  Micros opened_at = 0;
  std::uint64_t open_log_index = 0;
  std::optional<DisputeResolution> resolved;  // its members sit at the top level
  friend bool operator==(const Dispute&, const Dispute&) = default;
};

struct Accepted {
  std::string statement_id;
  StatementType type{};
  std::string artist_id;
  std::optional<std::string> work_id;
  std::optional<std::string> dispute_id;
  std::uint64_t log_index = 0;
  Micros accepted_at = 0;
  std::optional<Artist> artist;
  std::optional<Work> work;
  std::optional<Dispute> dispute;
  std::vector<Dispute> opened_disputes;
  crypto::Receipt receipt;
  friend bool operator==(const Accepted&, const Accepted&) = default;
};

// A terms statement in force: what it set, its log index and since when.
struct TermsInForce {
  Terms terms;
  std::optional<std::uint64_t> log_index;
  std::optional<Micros> since;
  friend bool operator==(const TermsInForce&, const TermsInForce&) = default;
};

struct TermsAnswer {
  std::string work_id;
  Micros at = 0;
  EffectiveTerms effective;
  std::optional<TermsInForce> work_terms;     // null on the wire when absent
  std::optional<TermsInForce> default_terms;  // null on the wire when absent
  friend bool operator==(const TermsAnswer&, const TermsAnswer&) = default;
};

struct Segment {
  double query_start = 0, query_end = 0;  // seconds
  double ref_start = 0, ref_end = 0;
  std::optional<double> bit_error_rate;  // Chromaprint's, when it found the segment
  // Which prints found it: "chromaprint", "landmark" (absent on old servers:
  // Chromaprint).
  std::vector<std::string> prints = {"chromaprint"};
  friend bool operator==(const Segment&, const Segment&) = default;
};

struct ArtistRef {
  std::string id;
  std::string display_name;
  friend bool operator==(const ArtistRef&, const ArtistRef&) = default;
};

// The scale of every match score: score = -log10(E), E the expected number
// of unrelated registered works that would match the query this well
// (fingerprint/matcher.h, "E-values"); 3 is the default threshold, 6 one
// false work per million queries. On the wire each score is sent with its
// "e_value" = 10^-score (derived, not decoded). Scores are capped near 307
// (E underflows below 1e-307).
double EValueOfScore(double score);

// One work found in a query. On the wire also "disputed": !disputes.empty()
// and "e_value": EValueOfScore(score).
struct WorkMatch {
  Work work;
  ArtistRef artist;
  double score = 0;  // -log10(e_value)
  // Expected unrelated works matching this well per query, over the whole
  // registry and every look (fingerprint/EVALUATION.md); 0 for a sha256 identity.
  double e_value = 1;
  double speed = 1.0;  // 1.03: the query plays the work 3 % faster
  // Reference seconds per query second and query minus reference pitch in
  // semitones (fingerprint/fusion.h); a speed change moves both, a tempo
  // change only tempo, a pitch shift only pitch.
  double tempo = 1.0;
  double pitch_semitones = 0;
  std::vector<std::string> prints = {"chromaprint"};  // which prints found the work
  std::vector<Segment> segments;
  std::vector<Dispute> disputes;  // open disputes on the work
  EffectiveTerms terms;
  friend bool operator==(const WorkMatch&, const WorkMatch&) = default;
};

// What the server heard.
struct MatchQuery {
  std::string source;  // "fingerprint" / "audio"
  std::optional<double> duration;
  std::optional<std::vector<double>> speed_variants;
  std::optional<double> speed_variant_seconds;
  std::uint64_t fingerprint_length = 0;
  // Peaks of the query's landmark print; absent: the query had none, and
  // Chromaprint alone matched it.
  std::optional<std::uint64_t> landmark_peaks;
  friend bool operator==(const MatchQuery&, const MatchQuery&) = default;
};

// Present only while the registry rebuilds its fingerprint index: the
// answer comes from the works indexed so far ("index" in a match answer).
struct PartialIndex {
  std::uint64_t indexed_works = 0;
  std::uint64_t works = 0;
  friend bool operator==(const PartialIndex&, const PartialIndex&) = default;
};

struct MatchAnswer {
  MatchQuery query;
  std::vector<WorkMatch> matches;
  // Set only when part of a sharded index could not be searched (cluster
  // mode, docs/CLUSTER.md): "partial": true and the fraction of shards searched.
  std::optional<double> searched_fraction;
  // Set while this node's index is being rebuilt (not about shards):
  // "index": {"complete": false, ...}. Absent: the whole index was searched.
  std::optional<PartialIndex> index;
  friend bool operator==(const MatchAnswer&, const MatchAnswer&) = default;
};

// The "id" a check item was sent with, echoed back: absent, a string or an integer.
using CheckItemId = std::variant<std::monostate, std::string, std::int64_t, std::uint64_t>;

struct CheckWork {
  std::string work_id;
  std::string title;
  std::string artist;  // artist id
  std::string artist_name;
  double score = 0;
  Verdict verdict = Verdict::kUnregistered;
  std::string reason;
  bool disputed = false;
  friend bool operator==(const CheckWork&, const CheckWork&) = default;
};

struct CheckVerdictLine {
  CheckItemId id;
  std::uint64_t line = 0;  // 1-based line of the request body
  Verdict verdict = Verdict::kUnregistered;
  std::string reason;
  std::vector<CheckWork> works;
  // As MatchAnswer's: set when part of a sharded index was not searched (only
  // a notAllowed verdict is given then; anything else is an error line).
  std::optional<double> searched_fraction;
  bool index_complete = true;  // false: checked against a partial index (being rebuilt)
  friend bool operator==(const CheckVerdictLine&, const CheckVerdictLine&) = default;
};

// An item the server could not check; the stream goes on.
struct CheckErrorLine {
  CheckItemId id;
  std::uint64_t line = 0;
  int status = 0;      // error.status: the HTTP status the error would have had
  std::string detail;  // error.detail
  friend bool operator==(const CheckErrorLine&, const CheckErrorLine&) = default;
};

struct CheckReceipt {
  std::string answer_sha256;  // base64 SHA-256 of every line before the summary
  std::string note;           // C2SP signed note (api/routes_check.cc)
  friend bool operator==(const CheckReceipt&, const CheckReceipt&) = default;
};

// The last line.
struct CheckSummaryLine {
  Purpose purpose{};
  std::uint64_t items = 0;
  std::uint64_t errors = 0;
  std::map<std::string, std::uint64_t> verdicts;  // verdict name -> items
  std::uint64_t checkpoint_size = 0;
  std::optional<CheckReceipt> receipt;
  std::optional<std::string> receipt_error;
  friend bool operator==(const CheckSummaryLine&, const CheckSummaryLine&) = default;
};

using CheckLine = std::variant<CheckVerdictLine, CheckErrorLine, CheckSummaryLine>;

}  // namespace signet::protocol

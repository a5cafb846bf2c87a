// OverlapFinder: the statement applier's only view of the fingerprint index.
// Deciding a work.register (registry/applier.h) asks it which registered
// works the new recording overlaps; the applier then picks the ones a
// dispute opens with. Everything else the index needs (adding and removing
// recordings) is done by whoever applies the statements, from the
// IndexUpdate the applier returns, so the applier itself only reads.
// WorkIndex (registry/work_index.h) is the implementation over the in-memory
// index; tests use a fixed list; a sharded index fans out (cluster/).
//
// Thread safety: FindOverlaps may be called from several threads at once
// (implementations say so).
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "fingerprint/index.h"
#include "fingerprint/matcher.h"

namespace signet::registry {

// A registered work whose recording a query overlaps.
struct Overlap {
  std::string work_id;
  double score = 0;  // the matcher's score (fingerprint/matcher.h)
  // Seconds of the query its matching segments cover (their union), counted
  // in fingerprint positions (fp::kSecondsPerPosition) like the lengths below.
  double shared_seconds = 0;
  friend bool operator==(const Overlap&, const Overlap&) = default;
};

// The length of the union of [first, second) spans, e.g. the query spans of
// a match's segments in seconds.
double UnionLength(std::vector<std::pair<double, double>> spans);
// The seconds of the query a match's segments cover (their union): what
// Overlap::shared_seconds holds for a search over the whole recording.
double SharedSeconds(const fp::Match& match);

// When an overlap between two registrations means something
// (registry/STATEMENTS.md "Disputes"). Lengths are fingerprint positions *
// fp::kSecondsPerPosition of each recording.
//  - Another artist's work: a dispute opens only when the recordings share at
//    least kDisputeMinSharedSeconds AND at least kDisputeMinSharedFraction of
//    the shorter one. A few seconds in common (a sample, a shared intro, a
//    chance match of a quiet passage) claim nothing.
//  - The same artist's work: when the shared material covers at least
//    kSameRecordingFraction of BOTH recordings, the new one is the same
//    recording (a re-encode, a different file of it) and is refused as
//    already registered.
inline constexpr double kDisputeMinSharedSeconds = 10.0;
inline constexpr double kDisputeMinSharedFraction = 0.3;
inline constexpr double kSameRecordingFraction = 0.8;

inline bool IsSubstantialOverlap(double shared_seconds, double seconds_a, double seconds_b) {
  const double shorter = seconds_a < seconds_b ? seconds_a : seconds_b;
  return shared_seconds >= kDisputeMinSharedSeconds &&
         shared_seconds >= kDisputeMinSharedFraction * shorter;
}

inline bool IsSameRecording(double shared_seconds, double seconds_a, double seconds_b) {
  const double longer = seconds_a > seconds_b ? seconds_a : seconds_b;
  return shared_seconds >= kSameRecordingFraction * longer;
}

// A search done early, on the submitter's thread, of the index's settled part
// (segments and frozen deltas, fp::Matcher::FindSettled) below `mark`;
// FindOverlaps then searches what was indexed from `mark` on (the delta and
// anything frozen since, fp::Matcher::FindAddedSince) on the writer. The two
// cover every indexed recording once, and the delta (the dearest to look up)
// once, not once per side.
struct EarlySearch {
  std::vector<fp::Match> matches;
  fp::IndexMark mark;
  // A sharded index (cluster/): what the shards held elsewhere found, complete
  // as of the registry's log size then, and when (steady clock) it was asked.
  std::vector<Overlap> elsewhere;
  std::chrono::steady_clock::time_point searched_at{};
};

class OverlapFinder {
 public:
  virtual ~OverlapFinder() = default;

  // Every indexed work whose recording overlaps `values`, best first within
  // each part of the search. With `early`, the result is early's matches
  // followed by those indexed since its mark.
  virtual Result<std::vector<Overlap>> FindOverlaps(std::span<const std::uint32_t> values,
                                                    const EarlySearch* early) const = 0;
};

}  // namespace signet::registry

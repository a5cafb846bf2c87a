// The landmark matcher: which registered recordings a query's landmark print
// contains, where, at which tempo and pitch, and how sure we are.
// Stages (fingerprint/LANDMARK.md has the details and figures):
//   1. look up  every query triplet (landmark_hash.h) in each anchor-pitch and
//               span class it may fall into;
//   2. vote     per reference, hits vote for a line ref time = offset +
//               tempo * query time (a Hough transform over tempo);
//   3. verify   the best lines are refined against the reference's peaks
//               (tempo, offset and pitch shift), and every reference peak is
//               checked for a query peak where the alignment puts it;
//               segments are the stretches where they are found;
//   4. score    each segment's count of confirmed peaks against a null model
//               in which a query peak lands next to a reference peak by chance
//               at the query's own local peak density (so drones and
//               repetitive music, dense where the reference is, are
//               discounted), times the alignments tried (calibrated).
//
// Ownership: borrows the index, which must outlive the matcher.
// Thread safety: Find is const and may run concurrently, also while the index
// changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fingerprint/landmark.h"
#include "fingerprint/landmark_index.h"

namespace signet::fp {

struct LandmarkSegment {
  // Seconds from the start of the query and of the reference.
  double query_start = 0, query_end = 0;
  double ref_start = 0, ref_end = 0;
  int ref_peaks = 0;           // reference peaks the segment covers
  int matched_peaks = 0;       // of them, confirmed by a query peak
  double expected_chance = 0;  // confirmations expected by chance (lambda)
  // log10 P(at least matched_peaks | chance) for this one alignment.
  double log10_tail = 0;
  // log10 of the probability that a query unrelated to this reference scores
  // at least this well against it somewhere (tail times the alignments the
  // matcher tries, LandmarkScoreModel).
  double log10_pair_probability = 0;
};

struct LandmarkMatch {
  std::uint64_t ref_id = 0;
  // Reference seconds per query second: 1.05 means the query plays the
  // recording 5 % faster (a 5 % shorter copy).
  double tempo = 1;
  // Query pitch minus reference pitch, in semitones.
  double pitch_semitones = 0;
  std::vector<LandmarkSegment> segments;  // by query_start
  double log10_pair_probability = 0;      // of the best segment
  // Expected number of unrelated references that would score this well over
  // the references searched: pair probability times their number.
  double e_value = 1;
};

// The null model (LANDMARK.md, "Null model"): a segment's count of confirmed
// reference peaks is compared with Poisson(lambda), lambda the larger of the
// query's local peak density around each reference peak (summed) and the
// best decoy alignment's count; that tail is then mapped to a pair
// probability, log10 P = log10_a + gamma * log10 tail, fitted on ~95,000
// unrelated (query, reference) pairs: the matcher's best tail over every
// alignment it tries (tempos, offsets, shifts, segments) falls below 1e-2 in
// ~0.6 % of pairs, below 1e-4 in ~1e-4 (a slope of ~0.95); gamma = 0.9 and
// log10_a = -0.2 put every measured point under the line.
struct LandmarkScoreModel {
  double log10_a = -0.2;
  double gamma = 0.9;

  double Log10PairProbability(double log10_tail) const;
};

struct LandmarkMatchOptions {
  // Matches whose best segment's pair probability is above this are dropped.
  // The default, 1e-9, is what keeps false works per query at <= 1e-3 in a
  // catalogue of 1M references (fusion.h applies the final bar).
  double max_pair_probability = 1e-9;
  std::size_t max_matches = 16;
  std::size_t max_candidates = 32;  // alignments verified per query
  std::size_t min_votes = 3;        // hits on one line before it is verified
  // Postings read per second of query (at least 10 s): a triplet's hash takes
  // at most ~5,000 values, so every key's list grows with the indexed hours
  // (a 10 s query's lookups name ~0.3M postings at 1.7 h, 16M at 585 h, 160M
  // at 5,838 h). Past the budget the rarest lists are read first and
  // the rest skipped, so a query costs about the same at any registry size
  // (~65 ns a posting read, votes included: ~18 ms for 10 s). LANDMARK.md,
  // "Matcher", has the measured recall against the budget.
  double max_scanned_postings_per_second = 32768;
  // Query side of the hash scheme (landmark_hash.h): partners looked up per
  // zone. More find more groups under a mix, at more lookups.
  int query_candidates = 4;
  LandmarkScoreModel model;
};

// One verified alignment, for calibration and tests.
struct LandmarkAlignment {
  std::uint64_t ref_id = 0;
  double tempo = 1, pitch_semitones = 0;
  std::size_t votes = 0;
  std::vector<LandmarkSegment> segments;
};

// What a query's lookups named and what the scan budget let them read
// (LandmarkMatchOptions::max_scanned_postings_per_second).
struct LandmarkScan {
  std::size_t listed = 0;  // postings in every run the lookups name
  std::size_t read = 0;    // postings read: all of them, or the rarest runs within the budget
};

class LandmarkMatcher {
 public:
  explicit LandmarkMatcher(const LandmarkIndex& index, LandmarkMatchOptions options = {});

  // `query`: the query's dense print (LandmarkOptions::Query()).
  // `scan`, when given, says how much of the lookups' lists was read.
  std::vector<LandmarkMatch> Find(const LandmarkPrint& query, LandmarkScan* scan = nullptr) const;
  // Every verified alignment, without the threshold (calibration).
  std::vector<LandmarkAlignment> Alignments(const LandmarkPrint& query,
                                            LandmarkScan* scan = nullptr) const;

  const LandmarkMatchOptions& options() const { return options_; }

 private:
  const LandmarkIndex& index_;
  LandmarkMatchOptions options_;
};

}  // namespace signet::fp

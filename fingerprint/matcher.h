// The matcher: which registered works a query fingerprint contains, where, and
// how sure we are. Stages (fingerprint/INDEX.md has the details, EVALUATION.md the figures):
//   1. prepare   per query variant: index keys, low-information positions;
//   2. vote      posting-list hits vote for (reference, query offset - reference
//                offset) diagonals;
//   3. verify    the best diagonals are aligned and their per-position bit error
//                rate computed; segments are the stretches where a sliding-window
//                error rate stays low, so one query can hold several works at
//                several offsets (mixes, stitched tracks, repeats);
//   4. score     each segment gets a calibrated false-positive probability from
//                its length and error rate (a model fitted on unrelated real
//                recordings); segments below MatchOptions::max_false_positive_rate
//                are kept and grouped per work, best first.
// Query variants (a speed-changed rendering of the query audio) enter at stage
// 1 with their time scale; all reported times are in the original query's and
// the reference's own seconds.
//
// Ownership: a Matcher borrows the Index; the Index must outlive it.
// Thread safety: Find is const and may run concurrently from any number of
// threads, also while the Index is being modified.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fingerprint/index.h"

namespace signet::fp {

// Chromaprint's step between sub-fingerprints: 1365 samples at 11025 Hz.
inline constexpr double kSecondsPerPosition = 1365.0 / 11025.0;

struct Segment {
  // Seconds from the start of the query and of the reference recording,
  // counted as Chromaprint positions * kSecondsPerPosition (both sides share
  // Chromaprint's ~2.6 s start-up delay, so the offsets are comparable).
  double query_start = 0, query_end = 0;
  double ref_start = 0, ref_end = 0;
  double bit_error_rate = 0;      // over the informative positions of the segment
  int informative_positions = 0;  // positions that are not near-silent/static on either side
  // Estimated probability that a query of this length unrelated to the
  // reference produces a segment at least this good against it.
  double false_positive_probability = 1;
};

struct Match {
  std::uint64_t ref_id = 0;
  // -log10(false_positive_probability), so higher is better and 6 means "one
  // in a million unrelated query/reference pairs score this well".
  double score = 0;
  double false_positive_probability = 1;  // of the best segment
  // Speed at which the query contains the work, from the query variant that
  // matched (1.0: as registered; 1.03: the query holds it sped up by 3 %).
  double speed = 1.0;
  std::vector<Segment> segments;  // ordered by query_start
};

// The null model behind false_positive_probability (INDEX.md, "Calibration"):
// against an unrelated reference, the bit error rate of a segment of L
// informative positions is ~ Normal(null_ber, null_sigma / sqrt(L)) (sigma is
// large because neighbouring sub-fingerprints share most of their audio); a
// query/reference pair of Q and R positions offers about tests_per_position *
// (Q + R) / L * sqrt(min(Q, R) / L) independent chances. Fitted on unrelated
// corpus recordings with `signet-eval --calibrate` (EVALUATION.md has the table).
struct ScoreModel {
  double null_ber = 0.42;
  double null_sigma = 0.23;
  double tests_per_position = 2.0;

  // Probability that a query of `query_positions` unrelated to a reference of
  // `ref_positions` yields a segment this good somewhere against it.
  double FalsePositiveProbability(double bit_error_rate, int informative_positions,
                                  int query_positions, int ref_positions) const;
};

struct MatchOptions {
  // Per query and per reference. The default threshold: at 1e-6 a catalogue of
  // 100k works still sees ~0.1 false matches per query at most. Calibration and
  // how the probability is estimated: INDEX.md.
  double max_false_positive_rate = 1e-6;
  // The same for segments found only by a speed-changed query variant
  // (speed != 1). Stricter: each variant is another look at the catalogue,
  // and on the corpus a 1e-6 bar let in 1 of 60 unregistered 30 s queries
  // and borderline matches of passages the Wesnoth tracks share (INDEX.md,
  // "Speed-changed copies"); true speed-changed copies score far below it.
  double max_false_positive_rate_speed_variant = 1e-9;
  std::size_t max_matches = 16;
  // Candidates (reference, diagonal) verified per query variant.
  std::size_t max_candidates = 48;
  // Posting lists longer than this are skipped as uninformative (values that
  // occur everywhere).
  std::size_t max_posting_list = 4096;
  ScoreModel score_model;
};
// The name the registry first coded against.
using MatcherOptions = MatchOptions;

// One rendering of the query, made on the hypothesis that the query contains
// works played at `speed` (1.0 for the query itself): the query audio slowed
// down by that factor (e.g. its PCM relabelled at sample_rate / speed), so
// that a copy sped up by 3 % lines up with the reference again at speed 1.03.
// Variant time t is query time t / speed; reference times are unchanged.
// Each speed variant is another chance of a false match: Find multiplies their
// segments' false-positive probabilities by the number of variants with
// speed != 1 and holds them to max_false_positive_rate_speed_variant; the
// query itself (speed 1) is judged exactly as without variants.
struct QueryVariant {
  std::span<const std::uint32_t> values;
  double speed = 1.0;
};

// Stage 3 on its own, for calibration, brute-force baselines and tests: the
// segments where `query` matches `ref` on the diagonal
// ref position = query position + diagonal, scored with `model`.
std::vector<Segment> AlignSegments(std::span<const std::uint32_t> query,
                                   std::span<const std::uint32_t> ref, int diagonal,
                                   const ScoreModel& model = {});

// Brute force over every diagonal (calibration, baselines): the segment of
// `query` against `ref` with the lowest false-positive probability; a
// default Segment (no informative positions) when there is none.
Segment BestSegmentAnyDiagonal(std::span<const std::uint32_t> query,
                               std::span<const std::uint32_t> ref, const ScoreModel& model = {});

class Matcher {
 public:
  explicit Matcher(const Index& index, MatchOptions options = {});

  // Every registered work the query contains, best first (at most
  // options.max_matches). An empty or too short query (< ~2 s) returns none.
  std::vector<Match> Find(std::span<const std::uint32_t> query) const;
  // Several renderings of one query; a work found by several variants is
  // reported once, from the best-scoring variant.
  std::vector<Match> Find(std::span<const QueryVariant> variants) const;
  // Find that also reports the state of the index it searched.
  std::vector<Match> Find(std::span<const std::uint32_t> query, IndexMark* searched) const;
  // The recordings indexed after `since` (a mark from an earlier Find) that
  // the query contains. An earlier Find plus this one cover everything
  // indexed now, while this one searches only the additions, so a caller can
  // do the expensive search outside a lock and finish under it (the registry's
  // dispute check). A full Find when the index was merged in between.
  std::vector<Match> FindAddedSince(std::span<const std::uint32_t> query,
                                    const IndexMark& since) const;

  const MatchOptions& options() const { return options_; }

 private:
  std::vector<Match> Search(std::span<const QueryVariant> variants, const IndexMark* since,
                            IndexMark* searched) const;

  const Index& index_;
  MatchOptions options_;
};

}  // namespace signet::fp

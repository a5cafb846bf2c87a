// The matcher: which registered works a query fingerprint contains, where, and
// how sure we are. Stages (fingerprint/INDEX.md has the details and figures):
//   1. prepare   per query variant: index keys, low-information positions;
//   2. vote      posting-list hits vote for (reference, query offset - reference
//                offset) diagonals;
//   3. verify    the best diagonals are aligned and their per-position bit error
//                rate computed; segments are the stretches where a sliding-window
//                error rate stays low, so one query can hold several works at
//                several offsets (mixes, stitched tracks, repeats);
//   4. score     each segment gets an E-value (the contract below): the
//                expected number of unrelated registered works that would
//                match this well, from a null model fitted on unrelated real
//                recordings; segments with E <= MatchOptions::max_e_value are
//                kept and grouped per work, best first.
// Query variants (a speed-changed rendering of the query audio) enter at stage
// 1 with their time scale; all reported times are in the original query's and
// the reference's own seconds.
//
// Ownership: a Matcher borrows the Index; the Index must outlive it.
// Thread safety: Find is const and may run concurrently from any number of
// threads, also while the Index is being modified.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fingerprint/index.h"

namespace signet::fp {

// Chromaprint's step between sub-fingerprints: 1365 samples at 11025 Hz.
inline constexpr double kSecondsPerPosition = 1365.0 / 11025.0;

// E-values: the contract of every print's matcher (Chromaprint here, the
// landmark print beside it), so that a fusion of prints keeps one threshold.
//
//   E = p x N x V
//
//   p  per-pair tail probability: the probability that one unrelated
//      (query, reference) pair of these lengths yields evidence at least this
//      strong through one look, wherever it lies (for Chromaprint:
//      ScoreModel::PairProbability, fitted and checked on brute-force
//      unrelated pairs, fingerprint/EVALUATION.md);
//   N  references searched: the live recordings of the index, or
//      MatchOptions::min_references when larger;
//   V  looks at the registry made for this query: every variant of every
//      print (the query and its 12 speed variants are 13 looks; a fusion adds
//      the other print's looks through MatchOptions::other_looks).
//
// E is the expected number of unrelated registered works that would match
// this query this well (Bonferroni over references and looks, so E bounds
// the expected false works per query whatever the registry's size). The
// default threshold keeps matches with E <= 1e-3: at most one false work per
// thousand queries, at any registry size. score = -log10(E): 3 is the
// threshold, 6 one false work per million queries; scores of different
// prints and registries are on one scale.
inline double EValue(double pair_probability, double references, double looks) {
  return pair_probability * std::max(1.0, references) * std::max(1.0, looks);
}
// -log10(E), finite for E = 0.
double ScoreOfEValue(double e_value);

// What the null model knows of one aligned stretch besides its own error
// rate: the same query positions against the reference shifted by 2-7.5 s
// either way (unrelated alignments of these two recordings). Droning or
// static music errs little at every shift, so the shifts say how surprising
// the alignment really is. The upper quartile, not the median: a true match
// of loop-based music also matches at shifts of its period, and those may be
// up to half the shifts (EVALUATION.md, "Null model").
struct ShiftedBackground {
  int shifts = 0;               // shifted alignments measured (0: not measured)
  double upper_quartile = 0.5;  // of their bit error rates
};

struct Segment {
  // Seconds from the start of the query and of the reference recording,
  // counted as Chromaprint positions * kSecondsPerPosition (both sides share
  // Chromaprint's ~2.6 s start-up delay, so the offsets are comparable).
  double query_start = 0, query_end = 0;
  double ref_start = 0, ref_end = 0;
  double bit_error_rate = 0;      // over the informative positions of the segment
  int informative_positions = 0;  // positions that are not near-silent/static on either side
  // p of the E-value contract for this query and this reference.
  double pair_probability = 1;
  // E of the contract (Matcher::Find; AlignSegments leaves it equal to
  // pair_probability: one reference, one look).
  double e_value = 1;
  ShiftedBackground background;  // what pair_probability was computed with
  // Matcher::AlongLine only: the probability that an unrelated pair errs this
  // little on some diagonal of the window it aligned (one look, that window's
  // diagonals and placements counted), given the line it was told.
  double line_probability = 1;
};

struct Match {
  std::uint64_t ref_id = 0;
  double e_value = 1;  // of the best segment
  double score = 0;    // -log10(e_value)
  // Speed at which the query contains the work, from the query variant that
  // matched (1.0: as registered; 1.03: the query holds it sped up by 3 %).
  double speed = 1.0;
  std::vector<Segment> segments;  // ordered by query_start
};

// The null model behind pair_probability: against an unrelated reference,
// the bit error rate of a segment of L informative positions is about
// Normal(mu, sigma(L)), where sigma(L) = null_sigma * (L / 32)^sigma_growth /
// sqrt(L) (neighbouring sub-fingerprints share most of their audio, and the
// spread shrinks slower than 1/sqrt(L)); for this pair mu = min(null_ber,
// background median) and sigma = max(sigma(L), background spread). A pair of
// Q and R positions offers about tests_per_position * (Q + R) / L *
// sqrt(min(Q, R) / L) independent chances (diagonals times placements).
// Fitted and checked with `signet-eval --calibrate` (EVALUATION.md).
struct ScoreModel {
  double null_ber = 0.42;
  double null_sigma = 0.23;
  double sigma_growth = 0.0;
  double tests_per_position = 4.0;
  double correlated_positions = 8.0;
  // Background shifts needed before they count (fewer: the model alone).
  int min_background_shifts = 8;

  // One look at one placement: P(BER <= bit_error_rate) for an unrelated
  // alignment of L informative positions.
  double Tail(double bit_error_rate, int informative_positions,
              const ShiftedBackground& background = {}) const;
  // Independent chances a pair of Q and R positions offers a segment of L.
  double Chances(int informative_positions, int query_positions, int ref_positions) const;
  // min(1, Tail x Chances): p of the E-value contract.
  double PairProbability(double bit_error_rate, int informative_positions, int query_positions,
                         int ref_positions, const ShiftedBackground& background = {}) const;
};

struct MatchOptions {
  // Matches with E-value above this are dropped: at 1e-3 at most one false
  // work per thousand queries, whatever the registry's size.
  double max_e_value = 1e-3;
  // E-values count at least this many references searched, so that a small
  // or growing registry reports on a fixed scale (the eval uses 1e6).
  double min_references = 0;
  // Looks at the registry made for this query by other prints (a fusion
  // passes the landmark print's variants here), added to the query variants.
  double other_looks = 0;
  std::size_t max_matches = 16;
  // Candidates (reference, diagonal) verified per query variant.
  std::size_t max_candidates = 48;
  // Posting lists longer than this are skipped as uninformative (values that
  // occur everywhere).
  std::size_t max_posting_list = 4096;
  // Multi-probe: besides its key, a query position also looks up the keys one
  // bit flip away in the probe_bits weakest bits of the key prefix the index
  // looks up (12-27 bits by index size, in every segment and the delta). Reverb flips
  // 6-22 % of key bits, so at 24 bits the exact key survives at ~5 % of a
  // reverb 80 copy's positions and within one flip at ~28 % (EVALUATION.md,
  // "Chromaprint candidates under reverb"). 0: exact keys only.
  int probe_bits = 8;
  // The key prefix lookups use, 12 to kIndexKeyBits; 0: by the index's size
  // (IndexStats::key_bits). For evaluations: what an index of another size
  // would look up (signet-eval --key-bits).
  int key_bits = 0;
  // Probes are made at no more than this many informative positions per
  // query variant, evenly spread, so that long queries (registrations' dispute
  // search, full tracks), which have votes enough, cost about what they did.
  std::size_t max_probed_positions = 128;
  // Probes only where they can matter: the keys are looked up first, and when
  // they find a certain match (E <= max_e_value / 1000) covering all but a
  // few of the query's informative positions, the probes are not made (a
  // clean query then pays a ninth of the lookups). Otherwise the probes'
  // votes join the keys' and the candidates are those of one pass over both.
  bool skip_probes_when_certain = true;
  ScoreModel score_model;
};
// The name the registry first coded against.
using MatcherOptions = MatchOptions;

// One rendering of the query, made on the hypothesis that the query contains
// works played at `speed` (1.0 for the query itself): the query audio slowed
// down by that factor (e.g. its PCM relabelled at sample_rate / speed), so
// that a copy sped up by 3 % lines up with the reference again at speed 1.03.
// Variant time t is query time t / speed; reference times are unchanged.
// Each variant is another look at the registry: E-values count every variant
// passed to Find (V of the contract), the query itself included.
struct QueryVariant {
  std::span<const std::uint32_t> values;
  double speed = 1.0;
};

// Stage 3 on its own, for calibration, brute-force baselines and tests: the
// segments where `query` matches `ref` on the diagonal
// ref position = query position + diagonal, scored with `model` (one
// reference, one look: e_value = pair_probability).
std::vector<Segment> AlignSegments(std::span<const std::uint32_t> query,
                                   std::span<const std::uint32_t> ref, int diagonal,
                                   const ScoreModel& model = {});

// Brute force over every diagonal (calibration, baselines): the segment of
// `query` against `ref` with the lowest pair_probability; a default Segment
// (no informative positions) when there is none.
Segment BestSegmentAnyDiagonal(std::span<const std::uint32_t> query,
                               std::span<const std::uint32_t> ref, const ScoreModel& model = {});
// Every segment of every diagonal (what the brute-force calibration refits).
std::vector<Segment> SegmentsAnyDiagonal(std::span<const std::uint32_t> query,
                                         std::span<const std::uint32_t> ref,
                                         const ScoreModel& model = {});

// A line another print found a work on (fusion's agreement look, fusion.h):
// reference time = ref_time + tempo * (query time - query_time), seconds.
struct AlignmentLine {
  std::uint64_t ref_id = 0;
  double query_time = 0, ref_time = 0;  // one point of the line
  double tempo = 1;                     // reference seconds per query second
};

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
  // Find over the settled part of the index only (segments and frozen
  // deltas, not the delta that Adds append to), setting `rest` to where the
  // delta starts: FindSettled then FindAddedSince(rest) cover everything once.
  // The registry's dispute search does the first outside its writer and the
  // second under it, so the delta's lookups (the dearest per position: a
  // chain of blocks per bucket) are made once per registration, not twice.
  std::vector<Match> FindSettled(std::span<const std::uint32_t> query, IndexMark* rest) const;

  // Chromaprint's best segment near `line` (one look where another print
  // points, not a search): the variant whose speed is nearest the line's
  // tempo, if within `tempo_tolerance` of it, aligned on every diagonal within
  // `window_seconds` of the line; the best is the one of least
  // line_probability. E-value and times as Find's, so the segment is also
  // Chromaprint evidence of its own (its pair probability counts every
  // diagonal of the pair, so looking where told costs no extra look).
  // nullopt: the work is not indexed, no variant is near that tempo, or no
  // stretch of the alignment errs little enough to be a segment.
  std::optional<Match> AlongLine(std::span<const QueryVariant> variants, const AlignmentLine& line,
                                 double window_seconds, double tempo_tolerance) const;

  const MatchOptions& options() const { return options_; }

 private:
  // `settled_only`: FindSettled (then `searched` is where the delta starts).
  std::vector<Match> Search(std::span<const QueryVariant> variants, const IndexMark* since,
                            IndexMark* searched, bool settled_only = false) const;

  const Index& index_;
  MatchOptions options_;
};

}  // namespace signet::fp

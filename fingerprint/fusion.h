// Fusion of the two prints' answers for one query: Chromaprint's matches
// (matcher.h, from the query and its speed variants) and the landmark print's
// (landmark_matcher.h), merged per work, with one calibrated significance and
// one default threshold. Rules and why: fingerprint/LANDMARK.md, "Fusion".
//
// Both inputs give, per (query, reference) pair, the probability that a
// query unrelated to the reference scores at least this well against it,
// every look each print took already counted (Chromaprint: the variants;
// landmark: alignments, tempos, shifts, segments). Fusion then:
//  - counts the two prints as two more looks (Bonferroni: 2 x the smaller);
//  - when both find the work at the same alignment (offset within
//    kAgreementSeconds, tempo within kAgreementTempo), uses instead
//    2 x P(that Chromaprint segment) x P(landmark at that one alignment) x
//    the alignments the agreement window holds: under the null the two
//    prints' chance matches are independent given the alignment;
//  - with LookAlongLandmarkLines' looks, also 2 x P(landmark segment, all
//    its looks) x P(Chromaprint on that segment's line, one look), and
//    every agreement then counts 2 more looks (the two ways to agree);
//  - E-value = pair probability x references searched;
//  - keeps a work when pair probability x max(references searched,
//    design_catalogue) <= max_expected_false_works: at most 1e-3 expected
//    false works per query in a catalogue of 1M works, and never a looser
//    per-pair bar for a small catalogue;
//  - orders works by significance, but among certain ones (log10_certain)
//    puts those both prints found first: Chromaprint follows the loudest
//    source of a mix, the landmark print finds a quieter one as surely.
//
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fingerprint/landmark_matcher.h"
#include "fingerprint/matcher.h"

namespace signet::fp {

inline constexpr double kAgreementSeconds = 1.5;
inline constexpr double kAgreementTempo = 0.02;

struct FusedSegment {
  double query_start = 0, query_end = 0;  // query seconds
  double ref_start = 0, ref_end = 0;      // reference seconds
  bool chromaprint = false;               // which prints found it
  bool landmark = false;
};

struct FusedMatch {
  std::uint64_t ref_id = 0;
  // log10 of the probability that an unrelated query scores this well
  // against this reference, all looks counted.
  double log10_pair_probability = 0;
  // Expected number of unrelated references scoring this well among those
  // searched, and score = -log10(e_value): the scale of Chromaprint's
  // matches (matcher.h ScoreOfEValue), so answers read the same either way.
  double e_value = 1;
  double score = 0;
  // Reference seconds per query second (1.05: the query plays 5 % faster) and
  // query pitch minus reference pitch in semitones. A speed change shows as
  // tempo s with pitch 12 log2 s; a tempo change keeps pitch 0; a pitch
  // shift keeps tempo 1.
  double tempo = 1;
  double pitch_semitones = 0;
  bool chromaprint = false;
  bool landmark = false;
  bool agree = false;                  // both prints, same alignment
  std::vector<FusedSegment> segments;  // by query_start
};

struct FusionOptions {
  double max_expected_false_works = 1e-3;
  double design_catalogue = 1e6;
  std::size_t max_matches = 16;
  // Works at or below this log10 pair probability are certain (1e-20: 1e-11
  // false works per query at a billion works), and significance no longer
  // orders them: among them, works both prints found come first (Fuse).
  double log10_certain = -20;
  // Alignments inside the agreement window (offset +-kAgreementSeconds at
  // 5-frame steps, three tempo steps): the looks an agreement costs.
  double agreement_looks = 100;
  // The N the Chromaprint matches' E-values were computed over (matcher.h:
  // max(references searched, MatchOptions::min_references)); 0: refs_searched.
  // Fuse divides it out to get Chromaprint's pair probability over its looks.
  double chromaprint_references = 0;
};

// The per-pair bar Fuse applies: log10 of the largest pair probability kept.
double FusionLog10Bar(std::size_t refs_searched, const FusionOptions& options = {});

// `chromaprint`: Matcher::Find over the query and its variants, with bars at
// least as loose as the fusion's (so that an agreement can be seen: e.g.
// MatchOptions::max_e_value >= 1e-4 x N, ChromaprintLoosened);
// `landmark`: LandmarkMatcher::Find likewise. `refs_searched`: registered works.
// Chromaprint options loosened to a pair probability of 1e-4 over its looks
// when E-values count `references` references (matcher.h EValue).
MatchOptions ChromaprintLoosened(MatchOptions options, double references);

// Chromaprint's evidence on a line the landmark print found (one look there):
// log10 of the landmark segment's pair probability (all its looks) times
// Chromaprint's line_probability there (Matcher::AlongLine). Under the null
// the two are independent given the line, as in the agreement rule, but here
// the landmark print chose the line, so Chromaprint pays only for the
// agreement window's diagonals, not for every diagonal and variant.
struct LineLook {
  std::uint64_t ref_id = 0;
  double log10_probability = 0;
};

// The agreement look (LANDMARK.md, "Fusion"). For the landmark matches (at
// most `max_matches`, most significant first), Chromaprint looks once along
// each of their two best segments' lines (Matcher::AlongLine, within the
// agreement window): what it finds is returned as a LineLook, and also added
// to `chromaprint` (as a Match of its own) where no Chromaprint segment of
// the work agreed with that segment yet and its pair probability (over
// Chromaprint's looks, `references` as in FusionOptions::
// chromaprint_references) is at most 1e-2: Chromaprint reports per work the
// segments of its best alignment, and on music that repeats that can be a
// repeat of the passage rather than where the landmark print found it.
std::vector<LineLook> LookAlongLandmarkLines(const Matcher& matcher,
                                             std::span<const QueryVariant> variants,
                                             std::span<const LandmarkMatch> landmark,
                                             double references, std::vector<Match>& chromaprint,
                                             std::size_t max_matches = 8);

// `lines`: LookAlongLandmarkLines' looks, when it was run; they count as
// one more way to agree (a factor 2 on every agreement).
std::vector<FusedMatch> Fuse(std::span<const Match> chromaprint,
                             std::span<const LandmarkMatch> landmark, std::size_t refs_searched,
                             const FusionOptions& options = {},
                             std::span<const LineLook> lines = {});

// Words for a tempo and pitch: "pitched up 1 semitone, 5 % slower", "sped up
// 4 %" (a speed change: tempo and pitch together), "" when neither changed.
std::string DescribeFactors(double tempo, double pitch_semitones);

}  // namespace signet::fp

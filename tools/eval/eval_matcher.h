// The matcher under evaluation, as signet-eval sees it: register references,
// turn a query's audio file into whatever the matcher searches with (prints,
// variants), match it. signet-eval runs every query of its table through one
// EvalMatcher chosen with --matcher, so a new matcher (the landmark print, the
// fusion of both prints, or a real signetd reached over HTTP) is measured by
// the same table: implement the class and add a name to MakeEvalMatcher.
//
// Ownership: an EvalMatcher owns its index. Thread safety: Register and Finish
// from one thread, before any query; Prepare from several threads at once
// (query making runs on --threads threads); Match from one thread at a time
// (it is what the latency columns time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "fingerprint/matcher.h"

namespace signet::eval {

struct Reference {
  std::uint64_t id = 0;  // what Match must report as Match::ref_id
  std::string name;
  std::string path;                            // the recording's audio file
  std::span<const std::uint32_t> chromaprint;  // fp::FingerprintFile(path)
};

// What Prepare made from one query; opaque to signet-eval.
class PreparedQuery {
 public:
  virtual ~PreparedQuery() = default;
};

class EvalMatcher {
 public:
  virtual ~EvalMatcher() = default;
  // One line for the table's header: the matcher and its settings.
  virtual std::string Describe() const = 0;
  virtual Status Register(const Reference& ref) = 0;
  // After the last Register, before the first Prepare.
  virtual void Finish() {}
  // `audio`: the query as a user would send it (an encoded file: WAV, MP3,
  // Opus, ...). Timed as thread CPU (the prep_ms column).
  virtual Result<std::unique_ptr<PreparedQuery>> Prepare(
      std::span<const std::uint8_t> audio) const = 0;
  // Every registered work the query contains, best first, with calibrated
  // scores (fp::Match; matcher.h has the E-value contract). Timed.
  virtual std::vector<fp::Match> Match(const PreparedQuery& query) const = 0;
  // Seconds by which a segment's end falls short of the last audio it covers:
  // Chromaprint's positions start windows of ~2.6 s; the fused matcher reports
  // audio seconds.
  virtual double SegmentEndShortfall() const { return 2.6; }
  // For --verbose: how the last Match call found `ref_id` (which prints, each
  // one's pair probability); "" when the matcher has nothing to add.
  virtual std::string Why(std::uint64_t /*ref_id*/) const { return ""; }
};

struct EvalMatcherOptions {
  fp::MatchOptions match;
  // Chromaprint: the query audio is also fingerprinted at these speeds over
  // its first speed_variant_seconds (fp::FingerprintAudioAtSpeeds, as signetd
  // does for audio queries).
  std::vector<double> speed_variants;
  double speed_variant_seconds = 120;
  // Chromaprint: this many synthetic 3-minute recordings (fingerprint/
  // synthetic.h) indexed beside the corpus, so that the index has the key
  // width and posting lists of a large registry (at 100k recordings a key is
  // all 24 bits; at the corpus's 33 it is the first 12). They are never
  // expected and count as wrong when matched.
  std::size_t filler_recordings = 0;
  // Chromaprint: the corpus is added after the filler's Compact, so it stays
  // in the delta as works registered while signetd runs do (their keys are
  // the full 24 bits at any index size).
  bool in_delta = false;
  // Fused and landmark: > 0 reports every work up to this fused pair
  // probability (both prints' own bars loosened to match) instead of the
  // default bar, so that signet-eval --null-tally can count how often
  // unrelated (query, work) pairs score that well.
  double null_tally = 0;
  // Fused: Chromaprint also looks along the landmark print's lines
  // (fp::LookAlongLandmarkLines), as signetd does.
  bool agreement_look = true;
  // Fused and landmark: LandmarkMatchOptions::query_candidates (0: its default).
  int landmark_query_candidates = 0;
  // Fused and landmark: LandmarkMatchOptions::max_candidates, the lines
  // verified per query (0: its default).
  std::size_t landmark_max_candidates = 0;
  // Fused and landmark: Why() also says what the landmark print verified for
  // works neither print reported (one more landmark search per query).
  bool diagnose = false;
  // Fused and landmark: LandmarkMatchOptions::max_scanned_postings_per_second
  // (0: its default).
  double landmark_scan_budget = 0;
  // Fused and landmark: this many recordings' landmark prints indexed beside
  // the corpus, cycling through the reference prints of the music under
  // landmark_filler_corpus (real music: a landmark hash's lists grow with
  // the indexed hours of *real* groups, which a synthetic print would not
  // reproduce). Each copy is its own reference; they are never expected and
  // count as wrong when matched. Copies of one recording vote alike, so the
  // filler reproduces the lists and the lookup cost of a large registry but
  // not the variety of its chance votes.
  std::size_t landmark_filler_recordings = 0;
  std::string landmark_filler_corpus = "/usr/share/games/supertuxkart/data/music";
};

// The names --matcher accepts.
std::vector<std::string> EvalMatcherNames();
// kInvalidArgument for an unknown name.
Result<std::unique_ptr<EvalMatcher>> MakeEvalMatcher(std::string_view name,
                                                     const EvalMatcherOptions& options);

}  // namespace signet::eval

#include "tools/eval/eval_landmark.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>

#include "fingerprint/extract.h"
#include "fingerprint/fusion.h"
#include "fingerprint/index.h"
#include "fingerprint/landmark_codec.h"
#include "fingerprint/landmark_index.h"
#include "fingerprint/landmark_matcher.h"

namespace signet::eval {
namespace {

// A fused match as the table reads it: times, the tempo as the speed.
fp::Match AsMatch(const fp::FusedMatch& f) {
  fp::Match m;
  m.ref_id = f.ref_id;
  m.score = f.score;
  m.e_value = f.e_value;
  m.speed = f.tempo;
  for (const auto& s : f.segments) {
    fp::Segment seg;
    seg.query_start = s.query_start, seg.query_end = s.query_end;
    seg.ref_start = s.ref_start, seg.ref_end = s.ref_end;
    seg.pair_probability = std::pow(10.0, f.log10_pair_probability);
    seg.e_value = f.e_value;
    m.segments.push_back(seg);
  }
  return m;
}

struct Prepared : PreparedQuery {
  std::vector<fp::SpeedVariant> prints;  // Chromaprint: the query itself first (speed 1)
  fp::LandmarkPrint landmark;
};

// Both prints over one index each; `chromaprint` false: the landmark alone.
class LandmarkEvalMatcher : public EvalMatcher {
 public:
  LandmarkEvalMatcher(const EvalMatcherOptions& options, bool chromaprint)
      : options_(options),
        chromaprint_(chromaprint),
        matcher_(index_, Loosened(options.match, options.null_tally)),
        landmark_matcher_(landmark_index_, LandmarkLoosened(options)) {}

  ~LandmarkEvalMatcher() override {
    if (scanned_queries_ == 0) return;
    const double n = static_cast<double>(scanned_queries_);
    fmt::print(
        "landmark lookups: {} queries, postings listed {:.0f} and read {:.0f} per query ({:.1f} "
        "%: LandmarkMatchOptions::max_scanned_postings_per_second)\n",
        scanned_queries_.load(), static_cast<double>(scanned_listed_) / n,
        static_cast<double>(scanned_read_) / n,
        100.0 * static_cast<double>(scanned_read_) /
            std::max(1.0, static_cast<double>(scanned_listed_)));
  }

  std::string Describe() const override {
    std::string out =
        chromaprint_
            ? fmt::format(
                  "fused: chromaprint with {} speed variants over {} s + landmark; bar {:.1f} "
                  "(log10 pair probability, <= 1e-3 false works per query at 1M works)",
                  options_.speed_variants.size(), options_.speed_variant_seconds,
                  fp::FusionLog10Bar(references_))
            : fmt::format("landmark: fused bar {:.1f} (log10 pair probability at {} works)",
                          fp::FusionLog10Bar(references_), references_);
    // Sizes per indexed hour of audio.
    const fp::LandmarkIndexStats ls = landmark_index_.Stats();
    const double hours = std::max(1e-9, ls.seconds / 3600);
    out += fmt::format(
        "\nsizes per indexed hour ({:.2f} h, {} recordings): landmark postings {:.1f} per s, "
        "{:.0f} kB/h ({:.2f} B each); landmark peaks {:.1f} per s, kept {:.0f} kB/h; landmark "
        "print as registered (base64) {:.0f} kB/h",
        hours, ls.recordings, ls.postings / ls.seconds, ls.posting_bytes / hours / 1e3,
        static_cast<double>(ls.posting_bytes) / std::max<std::size_t>(1, ls.postings),
        ls.peaks / ls.seconds, ls.peak_bytes / hours / 1e3, encoded_bytes_ / hours / 1e3);
    if (options_.landmark_filler_recordings > 0) {
      out += fmt::format("; of which landmark filler: {} recordings, {:.0f} h",
                         options_.landmark_filler_recordings, filler_hours_);
    }
    if (chromaprint_) {
      const fp::IndexStats cs = index_.Stats();
      out += fmt::format(
          "; chromaprint postings {:.0f} kB/h, sub-fingerprints kept {:.0f} kB/h; both indexes in "
          "memory {:.0f} kB/h",
          cs.posting_bytes / hours / 1e3, cs.value_bytes / hours / 1e3,
          (cs.memory_bytes + ls.memory_bytes) / hours / 1e3);
    }
    return out;
  }

  double SegmentEndShortfall() const override { return 0; }

  Status Register(const Reference& ref) override {
    if (chromaprint_) SIGNET_RETURN_IF_ERROR(index_.Add(ref.id, ref.chromaprint));
    const fp::LandmarkOptions density = fp::LandmarkOptions::Reference();
    fp::AudioPrintOptions o;
    o.landmark = &density;
    SIGNET_ASSIGN_OR_RETURN(fp::SpeedVariantFingerprints f,
                            fp::FingerprintAudioPrints(fp::AudioSource::File(ref.path), {}, o));
    ++references_;
    encoded_bytes_ += static_cast<double>(fp::EncodeLandmarkPrint(*f.landmark).size());
    return landmark_index_.Add(ref.id, *f.landmark);
  }
  void Finish() override {
    index_.Compact();
    AddLandmarkFiller();
    landmark_index_.Compact();
  }

  Result<std::unique_ptr<PreparedQuery>> Prepare(
      std::span<const std::uint8_t> audio) const override {
    const fp::LandmarkOptions density = fp::LandmarkOptions::Query();
    fp::AudioPrintOptions o;
    if (chromaprint_) {
      o.speeds = options_.speed_variants;
      o.max_variant_seconds = options_.speed_variant_seconds;
    }
    o.landmark = &density;
    SIGNET_ASSIGN_OR_RETURN(fp::SpeedVariantFingerprints f,
                            fp::FingerprintAudioPrints(fp::AudioSource::Bytes(audio), {}, o));
    auto q = std::make_unique<Prepared>();
    if (chromaprint_) {
      q->prints.push_back({1.0, std::move(f.original.fingerprint.values)});
      for (auto& v : f.variants) q->prints.push_back({v.speed, std::move(v.values)});
    }
    q->landmark = std::move(*f.landmark);
    return std::unique_ptr<PreparedQuery>(std::move(q));
  }

  std::vector<fp::Match> Match(const PreparedQuery& query) const override {
    const auto& q = static_cast<const Prepared&>(query);
    std::vector<fp::Match> chroma;
    std::vector<fp::QueryVariant> variants;
    if (chromaprint_) {
      for (const auto& p : q.prints) variants.push_back({p.values, p.speed});
      chroma = matcher_.Find(variants);
    }
    fp::LandmarkScan scan;
    const auto landmark = landmark_matcher_.Find(q.landmark, &scan);
    scanned_queries_ += 1;
    scanned_listed_ += scan.listed;
    scanned_read_ += scan.read;
    std::vector<fp::Match> out;
    fp::FusionOptions fusion;
    fusion.chromaprint_references =
        std::max(static_cast<double>(references_), options_.match.min_references);
    std::vector<fp::LineLook> lines;
    if (chromaprint_ && options_.agreement_look) {
      lines = fp::LookAlongLandmarkLines(matcher_, variants, landmark,
                                         fusion.chromaprint_references, chroma);
    }
    if (options_.null_tally > 0) {
      fusion.max_expected_false_works =
          options_.null_tally * std::max(static_cast<double>(references_), fusion.design_catalogue);
    }
    why_.clear();
    for (const auto& f : fp::Fuse(chroma, landmark, references_, fusion, lines)) {
      out.push_back(AsMatch(f));
      std::string w =
          fmt::format("fused log10 p {:.1f} ({}{}{})", f.log10_pair_probability,
                      f.chromaprint ? "chromaprint" : "", f.chromaprint && f.landmark ? "+" : "",
                      f.landmark ? "landmark" : "");
      if (f.agree) w += " agreeing";
      for (const auto& l : lines)
        if (l.ref_id == f.ref_id)
          w += fmt::format("; line look log10 p {:.1f}", l.log10_probability);
      for (const auto& m : chroma) {
        if (m.ref_id == f.ref_id && !m.segments.empty()) {
          const auto& s = m.segments[0];
          w += fmt::format(
              "; chromaprint speed {:.2f} ber {:.3f} n {} q {:.1f}-{:.1f} r {:.1f} log10 pV {:.1f}",
              m.speed, s.bit_error_rate, s.informative_positions, s.query_start, s.query_end,
              s.ref_start,
              std::log10(std::max(1e-300, m.e_value)) - std::log10(fusion.chromaprint_references));
        }
      }
      for (const auto& m : landmark) {
        if (m.ref_id != f.ref_id) continue;
        w += fmt::format("; landmark tempo {:.3f} pitch {:+.2f} log10 p {:.1f}", m.tempo,
                         m.pitch_semitones, m.log10_pair_probability);
        for (const auto& s : m.segments)
          w += fmt::format(" [q {:.1f}-{:.1f} r {:.1f} k {} of {} lambda {:.1f} tail {:.1f}]",
                           s.query_start, s.query_end, s.ref_start, s.matched_peaks, s.ref_peaks,
                           s.expected_chance, s.log10_tail);
      }
      why_.emplace_back(f.ref_id, std::move(w));
    }
    last_query_ = &q.landmark;
    diagnosed_ = false;
    return out;
  }

  std::string Why(std::uint64_t ref_id) const override {
    if (options_.diagnose && !diagnosed_ && last_query_ != nullptr) Diagnose(*last_query_);
    for (const auto& [id, w] : why_)
      if (id == ref_id) return w;
    return options_.diagnose ? "no landmark line verified (under min_votes hits on one line, or "
                               "too few peaks confirmed to score)"
                             : "";
  }

 private:
  // What the landmark print verified for works neither print reported: tells
  // a lost line (no entry) from a line that scored too weakly. Run when Why()
  // is first asked after a Match, so that Match's timing leaves it out.
  void Diagnose(const fp::LandmarkPrint& query) const {
    diagnosed_ = true;
    for (const auto& a : landmark_matcher_.Alignments(query)) {
      if (std::any_of(why_.begin(), why_.end(), [&](const auto& w) { return w.first == a.ref_id; }))
        continue;
      std::string w =
          fmt::format("landmark alignment below its bar: votes {} tempo {:.3f} pitch {:+.2f}",
                      a.votes, a.tempo, a.pitch_semitones);
      for (const auto& s : a.segments)
        w += fmt::format(" [q {:.1f}-{:.1f} r {:.1f} k {} of {} lambda {:.1f} tail {:.1f}]",
                         s.query_start, s.query_end, s.ref_start, s.matched_peaks, s.ref_peaks,
                         s.expected_chance, s.log10_tail);
      why_.emplace_back(a.ref_id, std::move(w));
    }
  }

  // The prints report candidates up to a looser bar; Fuse applies the real one.
  // (E-values count at least min_references; the eval sets it to 1e6.)
  // --null-tally: each print alone must report what the tally counts.
  static fp::MatchOptions Loosened(fp::MatchOptions o, double null_tally) {
    o = fp::ChromaprintLoosened(o, o.min_references);
    o.max_e_value = std::max(o.max_e_value, null_tally * std::max(1.0, o.min_references));
    return o;
  }
  static fp::LandmarkMatchOptions LandmarkLoosened(const EvalMatcherOptions& e) {
    fp::LandmarkMatchOptions o;
    if (e.landmark_scan_budget > 0) o.max_scanned_postings_per_second = e.landmark_scan_budget;
    o.max_pair_probability = std::max(1e-4, e.null_tally);
    if (e.landmark_query_candidates > 0) o.query_candidates = e.landmark_query_candidates;
    if (e.landmark_max_candidates > 0) o.max_candidates = e.landmark_max_candidates;
    return o;
  }

  // EvalMatcherOptions::landmark_filler_recordings, ids from 2^41 (the
  // Chromaprint filler's are 2^40 + k). Says what it indexed on stderr.
  void AddLandmarkFiller() {
    const std::size_t n = options_.landmark_filler_recordings;
    if (n == 0) return;
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(options_.landmark_filler_corpus, ec)) {
      const auto ext = e.path().extension();
      if (e.is_regular_file() &&
          (ext == ".ogg" || ext == ".opus" || ext == ".mp3" || ext == ".flac"))
        files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    std::vector<fp::LandmarkPrint> prints;
    double seconds = 0;
    const fp::LandmarkOptions density = fp::LandmarkOptions::Reference();
    fp::AudioPrintOptions o;
    o.landmark = &density;
    for (const auto& f : files) {
      auto r = fp::FingerprintAudioPrints(fp::AudioSource::File(f), {}, o);
      if (!r.ok() || !r->landmark || r->landmark->peaks.empty()) continue;
      seconds += r->landmark->frames * fp::kLandmarkFrameSeconds;
      prints.push_back(std::move(*r->landmark));
    }
    if (prints.empty()) {
      fmt::print(stderr, "landmark filler: no decodable music under {}\n",
                 options_.landmark_filler_corpus);
      return;
    }
    constexpr std::uint64_t kFillerIds = std::uint64_t{1} << 41;
    landmark_index_.BeginBulkLoad();
    for (std::size_t k = 0; k < n; ++k)
      (void)landmark_index_.Add(kFillerIds + k, prints[k % prints.size()]);
    filler_hours_ = seconds / 3600 * static_cast<double>(n) / static_cast<double>(prints.size());
    fmt::print(stderr,
               "landmark filler: {} recordings ({:.0f} h) cycling through {} prints ({:.2f} h) of "
               "{} ({:.0f} s)\n",
               n, filler_hours_, prints.size(), seconds / 3600, options_.landmark_filler_corpus,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }

  EvalMatcherOptions options_;
  double filler_hours_ = 0;
  // Landmark lookups over every Match: postings listed and read (the budget).
  mutable std::atomic<std::uint64_t> scanned_queries_{0}, scanned_listed_{0}, scanned_read_{0};
  bool chromaprint_;
  std::size_t references_ = 0;
  double encoded_bytes_ = 0;  // the landmark prints' wire strings
  mutable std::vector<std::pair<std::uint64_t, std::string>> why_;  // of the last Match
  mutable const fp::LandmarkPrint* last_query_ = nullptr;           // options_.diagnose
  mutable bool diagnosed_ = false;
  fp::Index index_;
  fp::Matcher matcher_;
  fp::LandmarkIndex landmark_index_;
  fp::LandmarkMatcher landmark_matcher_;
};

}  // namespace

std::unique_ptr<EvalMatcher> MakeLandmarkEvalMatcher(const EvalMatcherOptions& options) {
  return std::make_unique<LandmarkEvalMatcher>(options, false);
}
std::unique_ptr<EvalMatcher> MakeFusedEvalMatcher(const EvalMatcherOptions& options) {
  return std::make_unique<LandmarkEvalMatcher>(options, true);
}

}  // namespace signet::eval

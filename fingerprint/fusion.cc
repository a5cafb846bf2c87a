#include "fingerprint/fusion.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <tuple>

#include "fingerprint/extract.h"

namespace signet::fp {
namespace {

constexpr double kLog10Two = 0.30102999566398120;

double Log10(double p) { return p > 0 ? std::log10(p) : -300.0; }

// Reference seconds at query time 0 on a segment's line.
double OffsetOf(double ref_start, double query_start, double tempo) {
  return ref_start - tempo * query_start;
}

void AddSegment(std::vector<FusedSegment>& out, const FusedSegment& s, double tempo) {
  for (FusedSegment& o : out) {
    const double overlap =
        std::min(o.query_end, s.query_end) - std::max(o.query_start, s.query_start);
    const double shorter = std::min(o.query_end - o.query_start, s.query_end - s.query_start);
    const bool same_line =
        std::abs(OffsetOf(o.ref_start, o.query_start, tempo) -
                 OffsetOf(s.ref_start, s.query_start, tempo)) <= kAgreementSeconds;
    if (same_line && overlap > 0.5 * shorter) {
      if (s.query_start < o.query_start) o.query_start = s.query_start, o.ref_start = s.ref_start;
      if (s.query_end > o.query_end) o.query_end = s.query_end, o.ref_end = s.ref_end;
      o.chromaprint = o.chromaprint || s.chromaprint;
      o.landmark = o.landmark || s.landmark;
      return;
    }
  }
  out.push_back(s);
}

// Both segments on one line: offsets within kAgreementSeconds at tempos
// within kAgreementTempo.
bool Agree(const Segment& cs, double speed, const LandmarkSegment& ls, double tempo) {
  return std::abs(tempo / speed - 1) <= kAgreementTempo &&
         std::abs(OffsetOf(ls.ref_start, ls.query_start, tempo) -
                  OffsetOf(cs.ref_start, cs.query_start, speed)) <= kAgreementSeconds;
}

}  // namespace

std::vector<LineLook> LookAlongLandmarkLines(const Matcher& matcher,
                                             std::span<const QueryVariant> variants,
                                             std::span<const LandmarkMatch> landmark,
                                             double references, std::vector<Match>& chromaprint,
                                             std::size_t max_matches) {
  std::vector<LineLook> looks;
  std::vector<const LandmarkMatch*> order;
  for (const LandmarkMatch& m : landmark) order.push_back(&m);
  std::sort(order.begin(), order.end(), [](const LandmarkMatch* a, const LandmarkMatch* b) {
    return a->log10_pair_probability < b->log10_pair_probability;
  });
  if (order.size() > max_matches) order.resize(max_matches);
  const double refs = std::max(1.0, references);
  for (const LandmarkMatch* lm : order) {
    std::vector<const LandmarkSegment*> segs;
    for (const LandmarkSegment& s : lm->segments) segs.push_back(&s);
    std::sort(segs.begin(), segs.end(), [](const LandmarkSegment* a, const LandmarkSegment* b) {
      return a->log10_tail < b->log10_tail;
    });
    if (segs.size() > 2) segs.resize(2);
    for (const LandmarkSegment* ls : segs) {
      bool agreed = false;
      for (const Match& cm : chromaprint) {
        if (cm.ref_id != lm->ref_id) continue;
        for (const Segment& cs : cm.segments)
          agreed = agreed || Agree(cs, cm.speed, *ls, lm->tempo);
      }
      const double mid = 0.5 * (ls->query_start + ls->query_end);
      const AlignmentLine line{lm->ref_id, mid, ls->ref_start + lm->tempo * (mid - ls->query_start),
                               lm->tempo};
      std::optional<Match> found =
          matcher.AlongLine(variants, line, kAgreementSeconds, kAgreementTempo);
      if (!found) continue;
      looks.push_back({lm->ref_id, ls->log10_pair_probability +
                                       Log10(found->segments.front().line_probability)});
      if (!agreed && found->e_value / refs <= 1e-2) chromaprint.push_back(std::move(*found));
    }
  }
  return looks;
}

MatchOptions ChromaprintLoosened(MatchOptions options, double references) {
  const double n = std::max({1.0, references, options.min_references});
  options.max_e_value = std::max(options.max_e_value, 1e-4 * n);
  return options;
}

double FusionLog10Bar(std::size_t refs_searched, const FusionOptions& options) {
  return Log10(options.max_expected_false_works) -
         Log10(std::max(static_cast<double>(refs_searched), options.design_catalogue));
}

std::vector<FusedMatch> Fuse(std::span<const Match> chromaprint,
                             std::span<const LandmarkMatch> landmark, std::size_t refs_searched,
                             const FusionOptions& options, std::span<const LineLook> lines) {
  std::vector<FusedMatch> out;
  auto find = [&](std::uint64_t id) -> FusedMatch& {
    for (auto& m : out)
      if (m.ref_id == id) return m;
    out.push_back({});
    out.back().ref_id = id;
    out.back().log10_pair_probability = 0;
    return out.back();
  };
  // Per work, each print's pair probability, before the two-print looks.
  std::vector<std::pair<std::uint64_t, double>> lc, ll;
  // Chromaprint positions start windows of `delay` seconds of audio: its
  // segments end that much before the audio they cover.
  static const double delay = GetFingerprintTiming().delay_seconds;
  const double chroma_refs =
      std::max(1.0, options.chromaprint_references > 0 ? options.chromaprint_references
                                                       : static_cast<double>(refs_searched));
  // A work may have several Chromaprint matches (LookAlongLandmarkLines adds
  // one per speed variant it looked with): the best sets the work's figures.
  for (const Match& m : chromaprint) {
    FusedMatch& f = find(m.ref_id);
    const double pc = Log10(m.e_value) - std::log10(chroma_refs);
    auto it =
        std::find_if(lc.begin(), lc.end(), [&](const auto& e) { return e.first == m.ref_id; });
    if (it == lc.end() || pc < it->second) {
      f.tempo = m.speed;
      f.pitch_semitones = 12 * std::log2(m.speed);
      if (it == lc.end()) {
        lc.push_back({m.ref_id, pc});
      } else {
        it->second = pc;
      }
    }
    f.chromaprint = true;
    for (const Segment& s : m.segments)
      AddSegment(f.segments,
                 {s.query_start, s.query_end + delay * m.speed, s.ref_start, s.ref_end + delay,
                  true, false},
                 m.speed);
  }
  for (const LandmarkMatch& m : landmark) {
    FusedMatch& f = find(m.ref_id);
    f.landmark = true;
    // The landmark print measures tempo and pitch apart; Chromaprint only
    // the speed variant it matched at.
    f.tempo = m.tempo;
    f.pitch_semitones = m.pitch_semitones;
    ll.push_back({m.ref_id, m.log10_pair_probability});
    for (const LandmarkSegment& s : m.segments)
      AddSegment(f.segments, {s.query_start, s.query_end, s.ref_start, s.ref_end, false, true},
                 m.tempo);
  }
  auto of = [](const std::vector<std::pair<std::uint64_t, double>>& v, std::uint64_t id) {
    for (const auto& [k, p] : v)
      if (k == id) return p;
    return 0.0;
  };
  const double bar = FusionLog10Bar(refs_searched, options);
  for (FusedMatch& f : out) {
    const double pc = of(lc, f.ref_id), pl = of(ll, f.ref_id);
    double p = kLog10Two + std::min(pc, pl);
    // With the line looks there are two ways to agree.
    const double ways = lines.empty() ? 0 : kLog10Two;
    if (f.chromaprint && f.landmark) {
      // Landmark segments on a Chromaprint segment's line, each pair with its
      // own Chromaprint segment's probability: a weaker segment of the work
      // on the landmark's line is not as surprising as the work's best one
      // elsewhere.
      const LandmarkMatch* lm = nullptr;
      for (const LandmarkMatch& m : landmark)
        if (m.ref_id == f.ref_id) lm = &m;
      double best = 0;
      for (const Match& cm : chromaprint) {
        if (cm.ref_id != f.ref_id) continue;
        for (const Segment& cs : cm.segments) {
          for (const LandmarkSegment& ls : lm->segments) {
            if (Agree(cs, cm.speed, ls, lm->tempo))
              best = std::min(best, Log10(cs.e_value) - std::log10(chroma_refs) + ls.log10_tail);
          }
        }
      }
      if (best < 0) {
        const double agreed = kLog10Two + ways + Log10(options.agreement_looks) + best;
        if (agreed < p) p = agreed, f.agree = true;
      }
    }
    for (const LineLook& look : lines) {
      if (look.ref_id != f.ref_id) continue;
      const double agreed = kLog10Two + ways + look.log10_probability;
      if (agreed < p) p = agreed, f.agree = true;
    }
    f.log10_pair_probability = std::min(0.0, p);
    f.e_value = std::pow(10.0, f.log10_pair_probability) *
                std::max(1.0, static_cast<double>(refs_searched));
    f.score = ScoreOfEValue(f.e_value);
    std::sort(
        f.segments.begin(), f.segments.end(),
        [](const FusedSegment& a, const FusedSegment& b) { return a.query_start < b.query_start; });
  }
  std::erase_if(out, [&](const FusedMatch& f) { return f.log10_pair_probability > bar; });
  // Most significant first, except between works that are both certain: a
  // work mixed under another at -6 dB is found by the landmark print as
  // surely as the louder one (1e-34 against 1e-32 in signet-eval's mix_bg
  // misses), but Chromaprint, whose features follow the loudest source, sees
  // only the louder one. Among certain works those both prints see come first.
  auto rank = [&](const FusedMatch& f) {
    return std::tuple(std::max(f.log10_pair_probability, options.log10_certain),
                      !(f.chromaprint && f.landmark), f.log10_pair_probability);
  };
  std::sort(out.begin(), out.end(),
            [&](const FusedMatch& a, const FusedMatch& b) { return rank(a) < rank(b); });
  if (out.size() > options.max_matches) out.resize(options.max_matches);
  return out;
}

std::string DescribeFactors(double tempo, double pitch_semitones) {
  char buf[64];
  auto percent = [&](double f) {
    std::snprintf(buf, sizeof buf, "%.0f %%", std::abs(f - 1) * 100);
    return std::string(buf);
  };
  const bool timed = std::abs(tempo - 1) >= 0.01;
  const bool pitched = std::abs(pitch_semitones) >= 0.25;
  if (!timed && !pitched) return "";
  // A speed change moves pitch by 12 log2(tempo) semitones with the tempo.
  if (timed && std::abs(pitch_semitones - 12 * std::log2(tempo)) < 0.3)
    return (tempo > 1 ? "sped up " : "slowed down ") + percent(tempo);
  std::string out;
  if (pitched) {
    const double a = std::abs(pitch_semitones);
    if (std::abs(a - std::round(a)) < 0.15) {
      const long n = std::lround(a);
      std::snprintf(buf, sizeof buf, "%ld semitone%s", n, n == 1 ? "" : "s");
    } else {
      std::snprintf(buf, sizeof buf, "%.0f cents", a * 100);
    }
    out = std::string(pitch_semitones > 0 ? "pitched up " : "pitched down ") + buf;
  }
  if (timed) {
    if (!out.empty()) out += ", ";
    out += percent(tempo) + (tempo > 1 ? " faster" : " slower");
  }
  return out;
}

}  // namespace signet::fp

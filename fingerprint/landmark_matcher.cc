#include "fingerprint/landmark_matcher.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <numeric>

#include "fingerprint/landmark_hash.h"
#include "fingerprint/landmark_index_internal.h"
#include "fingerprint/landmark_null.h"

namespace signet::fp {
namespace {

using internal::LandmarkBase;
using internal::LandmarkDelta;
using internal::PoissonLog10Tail;
using internal::QueryPeaks;

// Segments: maximal runs of reference peaks (in query time order) whose
// confirmations minus kSegmentRate each sum highest. True alignments confirm
// 45-98 % of reference peaks, chance 3-8 %.
constexpr double kSegmentRate = 0.25;
constexpr int kMinSegmentPeaks = 6;
constexpr int kMinSegmentMatches = 4;
// A segment is scored at two tolerances (landmark_null.h): two looks.
const double kLog10TwoLooks = std::log10(2.0);
// Vote lines: tempo range and offset window.
constexpr double kMinTempo = 0.78, kMaxTempo = 1.28;
constexpr double kOffsetWindow = 3;
// The scan budget (LandmarkMatchOptions::max_scanned_postings_per_second)
// counts a query as at least this long.
constexpr double kBudgetMinSeconds = 10;
// Decoy alignments: the query shifted by these many frames (outside the match
// tolerance, up to about two beats at 120 bpm).
constexpr double kDecoyFrames[] = {-45, -37, -30, -24, -18, -13, -9, -6,
                                   6,   9,   13,  18,  24,  30,  37, 45};

// One posting that a query lookup found: where, and the pitch shift and
// tempo that this pair of groups alone suggests.
struct Hit {
  std::uint32_t ref_frame;
  std::uint32_t query_frame;
  std::int16_t shift;  // query anchor pitch - reference anchor pitch, units
  std::uint8_t query_span;
  std::uint8_t ref_span;
  friend bool operator==(const Hit&, const Hit&) = default;
};

struct BaseHit {
  std::uint64_t frame;  // global base frame
  Hit hit;              // ref_frame filled in once the reference is known
};

struct Candidate {
  std::uint32_t slot;
  double tempo;
  double shift;         // pitch units
  double center_query;  // query frame of the votes' centre
  double center_ref;    // its reference frame
  std::size_t votes;
};

// Hits of one line agree on the pitch shift within this many units (the
// reference pitch is kept at 2-unit resolution, and peaks jitter by ~1).
constexpr int kShiftWindow = 4;

// Read access to the index's three segments through one slot number: base
// rows, then the frozen delta's, then the delta's.
class Slots {
 public:
  Slots(const LandmarkBase& base, const LandmarkDelta* frozen, const LandmarkDelta& delta)
      : base_(base), frozen_(frozen), delta_(delta) {}

  std::uint32_t FrozenStart() const { return static_cast<std::uint32_t>(base_.refs.size()); }
  std::uint32_t DeltaStart() const {
    return FrozenStart() + (frozen_ ? static_cast<std::uint32_t>(frozen_->refs.size()) : 0);
  }
  bool Live(std::uint32_t s) const {
    if (s < FrozenStart()) return base_.live[s];
    if (s < DeltaStart()) return frozen_->live[s - FrozenStart()];
    return delta_.live[s - DeltaStart()];
  }
  std::uint64_t Id(std::uint32_t s) const {
    if (s < FrozenStart()) return base_.refs[s].ref_id;
    if (s < DeltaStart()) return frozen_->refs[s - FrozenStart()].ref_id;
    return delta_.refs[s - DeltaStart()].ref_id;
  }
  std::uint32_t Frames(std::uint32_t s) const {
    if (s < FrozenStart()) return base_.refs[s].frames;
    if (s < DeltaStart()) return frozen_->refs[s - FrozenStart()].frames;
    return delta_.refs[s - DeltaStart()].frames;
  }
  void Peaks(std::uint32_t s, std::uint32_t from, std::uint32_t to,
             std::vector<LandmarkPeak>& out) const {
    out.clear();
    if (s < FrozenStart()) {
      internal::DecodePeaks(base_.CodesOf(s), base_.CheckpointsOf(s), from, to, out);
      return;
    }
    const auto& peaks = s < DeltaStart() ? frozen_->refs[s - FrozenStart()].peaks
                                         : delta_.refs[s - DeltaStart()].peaks;
    auto it = std::lower_bound(peaks.begin(), peaks.end(), from,
                               [](const LandmarkPeak& p, std::uint32_t f) { return p.frame < f; });
    for (; it != peaks.end() && it->frame < to; ++it) out.push_back(*it);
  }

 private:
  const LandmarkBase& base_;
  const LandmarkDelta* frozen_;
  const LandmarkDelta& delta_;
};

// Stage 2 for one reference: lines through its hits, best first. Hits of a
// true line agree on the pitch shift; chance hits spread over all shifts. So
// hits are grouped in windows of two adjacent shift bins of kShiftWindow
// units, and in each window (largest first) a line is found by voting over a
// grid of tempos: at each tempo the most hits whose offsets (ref frame - tempo
// * query frame) lie within 2 * kOffsetWindow of each other. A hit whose own
// span ratio contradicts a tempo does not vote for it. The winner is refined
// by a least-squares fit through its hits.
constexpr int kMaxLines = 3;

struct LineSearch {
  std::span<const Hit> hits;
  std::vector<double> own, slack;
  double tempo_step;

  // Best line among hits[idx]; fills `members` with its hit indices.
  double Best(const std::vector<std::uint32_t>& idx, std::vector<std::uint32_t>& members) const {
    std::vector<std::pair<double, std::uint32_t>> offsets;
    offsets.reserve(idx.size());
    std::size_t best = 0;
    double best_tempo = 1;
    double best_lo = 0;
    for (double tempo = kMinTempo; tempo <= kMaxTempo; tempo *= 1 + tempo_step) {
      const double lt = std::log(tempo);
      offsets.clear();
      for (std::uint32_t i : idx) {
        if (std::abs(lt - own[i]) > slack[i]) continue;
        offsets.push_back({hits[i].ref_frame - tempo * hits[i].query_frame, i});
      }
      if (offsets.size() <= best) continue;
      std::sort(offsets.begin(), offsets.end());
      for (std::size_t a = 0, b = 0; b < offsets.size(); ++b) {
        while (offsets[b].first - offsets[a].first > 2 * kOffsetWindow) ++a;
        if (b + 1 - a > best) best = b + 1 - a, best_tempo = tempo, best_lo = offsets[a].first;
      }
    }
    members.clear();
    const double lt = std::log(best_tempo);
    for (std::uint32_t i : idx) {
      const double o = hits[i].ref_frame - best_tempo * hits[i].query_frame;
      if (std::abs(lt - own[i]) <= slack[i] && o >= best_lo && o <= best_lo + 2 * kOffsetWindow)
        members.push_back(i);
    }
    return best_tempo;
  }
};

// Seeds: before the tempo search, hits are counted in coarse cells of (pitch
// shift, query time, offset at the hit's own span-ratio tempo); only the hits
// around a cell block that holds min_votes go on to the search. Chance hits
// rarely share a block; this keeps the stage linear in the hits.
constexpr int kSeedQueryFrames = 256;  // ~6 s: the own-tempo offset error stays small
constexpr int kSeedOffsetFrames = 16;

void Lines(std::vector<Hit>& hits, std::size_t min_votes, double query_frames, Candidate proto,
           std::vector<Candidate>& out) {
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.ref_frame != b.ref_frame ? a.ref_frame < b.ref_frame : a.query_frame < b.query_frame;
  });
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
  const std::size_t n = hits.size();
  if (n < min_votes) return;
  LineSearch search{hits, std::vector<double>(n), std::vector<double>(n),
                    std::clamp(2 * kOffsetWindow / std::max(1.0, query_frames), 0.004, 0.014)};
  // Cell of each hit: shift bin (10 bits), query bin (10 bits), offset bin (12 bits).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> cells(n);
  for (std::size_t i = 0; i < n; ++i) {
    // Spans are whole frames: a span of k frames gives the tempo to about +-1/k.
    const double own_tempo = static_cast<double>(hits[i].ref_span) / hits[i].query_span;
    search.own[i] = std::log(own_tempo);
    search.slack[i] = 0.06 + 1.5 / hits[i].ref_span;
    const std::uint32_t qb = hits[i].query_frame / kSeedQueryFrames;
    const double qc = (qb + 0.5) * kSeedQueryFrames;
    const double at_centre = hits[i].ref_frame - own_tempo * (hits[i].query_frame - qc);
    const auto ob = static_cast<std::uint32_t>(std::max(0.0, at_centre + 2048) / kSeedOffsetFrames);
    const auto sb = static_cast<std::uint32_t>((hits[i].shift + 512) / kShiftWindow);
    cells[i] = {(sb & 0x3ff) << 22 | (std::min(qb, 0x3ffu)) << 12 | (ob & 0xfff),
                static_cast<std::uint32_t>(i)};
  }
  std::sort(cells.begin(), cells.end());
  auto count_of = [&](std::uint32_t key) {
    auto lo = std::lower_bound(cells.begin(), cells.end(), std::make_pair(key, 0u));
    auto hi = std::lower_bound(lo, cells.end(), std::make_pair(key + 1, 0u));
    return static_cast<std::size_t>(hi - lo);
  };
  // 2 x 2 blocks over (shift bin, offset bin), per query bin.
  struct Seed {
    std::size_t votes;
    std::uint32_t key;
  };
  std::vector<Seed> seeds;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && cells[j].first == cells[i].first) ++j;
    const std::uint32_t k = cells[i].first;
    const std::size_t v =
        (j - i) + count_of(k + 1) + count_of(k + (1u << 22)) + count_of(k + (1u << 22) + 1);
    if (v >= min_votes) seeds.push_back({v, k});
    i = j;
  }
  std::sort(seeds.begin(), seeds.end(),
            [](const Seed& a, const Seed& b) { return a.votes > b.votes; });
  std::vector<bool> taken(n, false);
  std::vector<std::uint32_t> idx, members;
  std::size_t lines = 0, tried = 0;
  for (const Seed& seed : seeds) {
    if (lines == kMaxLines || tried++ == 2 * kMaxLines) break;
    // Hits of the block and its neighbourhood (one bin each way), not yet taken.
    idx.clear();
    const std::uint32_t sb = seed.key >> 22, qb = (seed.key >> 12) & 0x3ff, ob = seed.key & 0xfff;
    for (std::uint32_t s2 = sb == 0 ? 0 : sb - 1; s2 <= sb + 2; ++s2) {
      for (std::uint32_t o2 = ob == 0 ? 0 : ob - 1; o2 <= ob + 2; ++o2) {
        const std::uint32_t key = s2 << 22 | qb << 12 | o2;
        auto lo = std::lower_bound(cells.begin(), cells.end(), std::make_pair(key, 0u));
        for (; lo != cells.end() && lo->first == key; ++lo)
          if (!taken[lo->second]) idx.push_back(lo->second);
      }
    }
    if (idx.size() < min_votes) continue;
    const double grid_tempo = search.Best(idx, members);
    if (members.size() < min_votes) continue;
    std::vector<int> shifts;
    for (std::uint32_t i : members) shifts.push_back(hits[i].shift);
    std::nth_element(shifts.begin(), shifts.begin() + shifts.size() / 2, shifts.end());
    const int shift = shifts[shifts.size() / 2];
    auto centre = [&](const std::vector<std::uint32_t>& m, double& cq, double& cr) {
      cq = cr = 0;
      for (std::uint32_t i : m) cq += hits[i].query_frame, cr += hits[i].ref_frame;
      cq /= m.size(), cr /= m.size();
    };
    double cq, cr, tempo = grid_tempo;
    centre(members, cq, cr);
    // Extend over the whole query: least squares through the members, then
    // every hit of the reference near that line with the same shift; twice.
    for (int round = 0; round < 2; ++round) {
      double sqq = 0, sqr = 0;
      for (std::uint32_t i : members) {
        sqq += (hits[i].query_frame - cq) * (hits[i].query_frame - cq);
        sqr += (hits[i].query_frame - cq) * (hits[i].ref_frame - cr);
      }
      const double fit =
          sqq > 400.0 * members.size() ? std::clamp(sqr / sqq, kMinTempo, kMaxTempo) : tempo;
      std::vector<std::uint32_t> more;
      for (std::size_t i = 0; i < n; ++i) {
        if (!taken[i] && std::abs(hits[i].shift - shift) <= kShiftWindow &&
            std::abs(hits[i].ref_frame - (cr + fit * (hits[i].query_frame - cq))) <= kOffsetWindow)
          more.push_back(static_cast<std::uint32_t>(i));
      }
      if (more.size() < members.size()) break;
      members = std::move(more);
      tempo = fit;
      centre(members, cq, cr);
    }
    bool two = false;
    double ssum = 0;
    for (std::uint32_t i : members) {
      two = two || hits[i].query_frame != hits[members.front()].query_frame;
      ssum += hits[i].shift;
      taken[i] = true;
    }
    // At least two query anchors: one anchor hitting a repeated group is not a line.
    if (!two) continue;
    Candidate c = proto;
    c.tempo = tempo;
    c.shift = ssum / members.size();
    c.center_query = cq;
    c.center_ref = cr;
    c.votes = members.size();
    out.push_back(c);
    ++lines;
  }
}

struct Verified {
  LandmarkAlignment alignment;
  double log10_best = 0;
};

// Stage 3 and 4 for one candidate.
Verified Verify(const Slots& slots, const QueryPeaks& query, const QueryPeaks& tight,
                const Candidate& c, const LandmarkScoreModel& model) {
  Verified v;
  v.alignment.ref_id = slots.Id(c.slot);
  const double qf = query.frames();
  const std::uint32_t rf = slots.Frames(c.slot);
  const auto map_ref = [&](double tempo, double cq, double cr, double query_frame) {
    return cr + tempo * (query_frame - cq);
  };
  const double r_lo = std::max(0.0, map_ref(c.tempo * 1.02, c.center_query, c.center_ref, -5));
  const double r_hi =
      std::min<double>(rf, map_ref(c.tempo * 1.02, c.center_query, c.center_ref, qf + 5));
  std::vector<LandmarkPeak> ref;
  if (r_hi <= r_lo) return v;
  slots.Peaks(c.slot, static_cast<std::uint32_t>(r_lo), static_cast<std::uint32_t>(r_hi) + 1, ref);
  if (ref.size() < static_cast<std::size_t>(kMinSegmentPeaks)) return v;

  // Refine tempo, offset and shift (from the votes), coarse then fine.
  // Ties (alignments a frame apart confirm the same peaks at the loose
  // tolerance) go to the one that confirms most at the tight one.
  auto count = [&](double tempo, double cr, double d) {
    int n = 0;
    for (const auto& r : ref) {
      const double t = c.center_query + (r.frame - cr) / tempo;
      if (query.Confirms(t, r.pitch + d)) n += 1024 + tight.Confirms(t, r.pitch + d);
    }
    return n;
  };
  double tempo = c.tempo, cr = c.center_ref, d = std::round(c.shift);
  int best = count(tempo, cr, d);
  for (double o : {cr - 2, cr + 2}) {
    const int n = count(tempo, o, d);
    if (n > best) best = n, cr = o;
  }
  // Lines of chance hits confirm about as many peaks as the query's average
  // density predicts; only clearly better ones are refined and scored.
  const double avg = query.AverageChance();
  const double expect = avg * static_cast<double>(ref.size());
  if (best / 1024 < kMinSegmentMatches || best / 1024 < expect + 3 * std::sqrt(expect) + 2)
    return v;
  const struct {
    double tempo_step;
    int tempo_n;
    double offset_step;
    int offset_n;
  } passes[] = {{0.002, 2, 1.0, 2}, {0.0005, 2, 0.5, 1}};
  for (const auto& pass : passes) {
    const double t0 = tempo, c0 = cr;
    for (int i = -pass.tempo_n; i <= pass.tempo_n; ++i) {
      for (int j = -pass.offset_n; j <= pass.offset_n; ++j) {
        const double t = t0 * (1 + i * pass.tempo_step), o = c0 + j * pass.offset_step;
        const int n = count(t, o, d);
        if (n > best) best = n, tempo = t, cr = o;
      }
    }
    const double d0 = d;
    for (int k = -2; k <= 2; ++k) {
      const int n = count(tempo, cr, d0 + k);
      if (n > best) best = n, d = d0 + k;
    }
  }
  v.alignment.tempo = tempo;
  v.alignment.pitch_semitones = d / kLandmarkUnitsPerSemitone;
  v.alignment.votes = c.votes;

  // Confirmations and chances of the reference peaks inside the query.
  struct Point {
    double t;  // query frame
    std::uint32_t ref_frame;
    int pitch;  // query pitch where the reference peak lands
    bool hit;
    double chance;
    std::uint32_t decoys;  // bit j: confirmed at decoy alignment j
    bool tight_hit;        // the same at the tight tolerance
    double tight_chance;
    std::uint32_t tight_decoys;
  };
  std::vector<Point> pts;
  for (const auto& r : ref) {
    const double t = c.center_query + (r.frame - cr) / tempo;
    if (t < 0 || t > qf) continue;
    const bool hit = query.Confirms(t, r.pitch + d);
    const bool tight_hit = tight.Confirms(t, r.pitch + d);
    std::uint32_t decoys = 0, tight_decoys = 0;
    for (std::size_t j = 0; j < std::size(kDecoyFrames); ++j) {
      decoys |= static_cast<std::uint32_t>(query.Confirms(t + kDecoyFrames[j], r.pitch + d)) << j;
      tight_decoys |= static_cast<std::uint32_t>(tight.Confirms(t + kDecoyFrames[j], r.pitch + d))
                      << j;
    }
    pts.push_back({t, r.frame, static_cast<int>(r.pitch + d), hit,
                   query.ChanceAt(t, r.pitch + d, hit), decoys, tight_hit,
                   tight.ChanceAt(t, r.pitch + d, tight_hit), tight_decoys});
  }
  std::sort(pts.begin(), pts.end(), [](const Point& a, const Point& b) { return a.t < b.t; });

  // Segments: best-scoring runs, then again left and right of each.
  struct Column {  // one reference peak
    double t_first, t_last;
    std::uint32_t ref_first, ref_last;
    bool hit;
    double chance;
  };
  std::vector<Column> cols;
  for (const Point& p : pts) cols.push_back({p.t, p.t, p.ref_frame, p.ref_frame, p.hit, p.chance});
  // Decoy confirmations, prefix sums per decoy alignment.
  const std::size_t nd = std::size(kDecoyFrames);
  std::vector<std::uint32_t> decoy_prefix((pts.size() + 1) * nd, 0);
  std::vector<std::uint32_t> tight_prefix((pts.size() + 1) * nd, 0);
  for (std::size_t i = 0; i < pts.size(); ++i) {
    for (std::size_t j = 0; j < nd; ++j) {
      decoy_prefix[(i + 1) * nd + j] = decoy_prefix[i * nd + j] + ((pts[i].decoys >> j) & 1);
      tight_prefix[(i + 1) * nd + j] = tight_prefix[i * nd + j] + ((pts[i].tight_decoys >> j) & 1);
    }
  }
  std::vector<std::pair<std::size_t, std::size_t>> todo = {{0, cols.size()}};
  v.log10_best = 0;
  while (!todo.empty()) {
    auto [lo, hi] = todo.back();
    todo.pop_back();
    double sum = 0, best_sum = 0;
    std::size_t start = lo, best_lo = lo, best_hi = lo;
    for (std::size_t i = lo; i < hi; ++i) {
      if (sum <= 0) sum = 0, start = i;
      sum += (cols[i].hit ? 1.0 : 0.0) - kSegmentRate;
      if (sum > best_sum) best_sum = sum, best_lo = start, best_hi = i + 1;
    }
    if (best_hi - best_lo < static_cast<std::size_t>(kMinSegmentPeaks)) continue;
    int k = 0;
    double lambda = 0;
    for (std::size_t i = best_lo; i < best_hi; ++i) k += cols[i].hit, lambda += cols[i].chance;
    if (k < kMinSegmentMatches) continue;
    // The same reference peaks at decoy alignments (the query shifted in
    // time): structure the density misses (a repeated chord, a beat that a
    // tempo search lines up, a held note) confirms them there too. The best
    // decoy bounds the chance from below.
    std::uint32_t decoy = 0;
    for (std::size_t j = 0; j < nd; ++j)
      decoy = std::max(decoy, decoy_prefix[best_hi * nd + j] - decoy_prefix[best_lo * nd + j]);
    lambda = std::max(lambda, static_cast<double>(decoy));
    double tail = PoissonLog10Tail(k, lambda);
    // The tight look over the same peaks: confirmations, chances and decoys
    // at the tight tolerance. The better of the two looks, counted twice.
    int tight_k = 0;
    double tight_lambda = 0;
    std::uint32_t tight_decoy = 0;
    for (std::size_t i = best_lo; i < best_hi; ++i)
      tight_k += pts[i].tight_hit, tight_lambda += pts[i].tight_chance;
    for (std::size_t j = 0; j < nd; ++j)
      tight_decoy =
          std::max(tight_decoy, tight_prefix[best_hi * nd + j] - tight_prefix[best_lo * nd + j]);
    tight_lambda = std::max(tight_lambda, static_cast<double>(tight_decoy));
    if (const double t = PoissonLog10Tail(tight_k, tight_lambda); t < tail)
      k = tight_k, lambda = tight_lambda, tail = t;
    tail = std::min(0.0, tail + kLog10TwoLooks);
    LandmarkSegment s;
    s.query_start = cols[best_lo].t_first * kLandmarkFrameSeconds;
    s.query_end = cols[best_hi - 1].t_last * kLandmarkFrameSeconds;
    s.ref_start = cols[best_lo].ref_first * kLandmarkFrameSeconds;
    s.ref_end = cols[best_hi - 1].ref_last * kLandmarkFrameSeconds;
    s.ref_peaks = static_cast<int>(best_hi - best_lo);
    s.matched_peaks = k;
    s.expected_chance = lambda;
    s.log10_tail = tail;
    s.log10_pair_probability = model.Log10PairProbability(s.log10_tail);
    v.log10_best = std::min(v.log10_best, s.log10_pair_probability);
    v.alignment.segments.push_back(s);
    todo.push_back({lo, best_lo});
    todo.push_back({best_hi, hi});
  }
  std::sort(v.alignment.segments.begin(), v.alignment.segments.end(),
            [](const LandmarkSegment& a, const LandmarkSegment& b) {
              return a.query_start < b.query_start;
            });
  return v;
}

}  // namespace

double LandmarkScoreModel::Log10PairProbability(double log10_tail) const {
  return std::min(0.0, log10_a + gamma * log10_tail);
}

LandmarkMatcher::LandmarkMatcher(const LandmarkIndex& index, LandmarkMatchOptions options)
    : index_(index), options_(options) {}

std::vector<LandmarkAlignment> LandmarkMatcher::Alignments(const LandmarkPrint& query,
                                                           LandmarkScan* scan) const {
  std::vector<LandmarkAlignment> out;
  if (scan != nullptr) *scan = {};
  if (query.peaks.empty()) return out;
  LandmarkHashParams query_params = internal::HashParamsV1();
  query_params.query_candidates = options_.query_candidates;
  const std::vector<QueryHash> lookups = QueryHashes(query, query_params);
  const QueryPeaks qp(query);
  const QueryPeaks qt(query, {internal::kTightMatchFrames, internal::kTightMatchPitch});

  auto lock = index_.ReadLock();
  const LandmarkBase& base = *index_.base_;
  const Slots slots(base, index_.frozen_.get(), *index_.delta_);

  // Stage 1: hits whose reference anchor pitch and span fit the searched
  // pitch shifts and tempos; base hits by global frame, delta hits per slot.
  const LandmarkHashParams& params = internal::HashParamsV1();
  std::vector<BaseHit> base_hits;
  std::vector<std::pair<std::uint32_t, Hit>> delta_hits;
  const std::uint64_t frame_mask = (std::uint64_t{1} << base.frame_bits) - 1;
  const double max_shift = params.max_pitch_shift + params.pitch_tolerance + 1;
  // Runs of postings the lookups name: a base run covers one pitch class's
  // span classes, a delta run one (pitch class, span class) list.
  struct Run {
    std::uint32_t lookup;
    std::uint8_t pitch_class;
    const std::vector<std::uint64_t>* list;  // delta; nullptr: base [begin, end)
    std::uint32_t delta_first;               // the delta's first slot
    std::uint32_t begin, end;
    std::size_t size() const { return list ? list->size() : end - begin; }
  };
  std::vector<Run> runs;
  std::size_t total = 0;
  for (std::uint32_t l = 0; l < lookups.size(); ++l) {
    const QueryHash& h = lookups[l];
    for (int pc = h.pitch_lo; pc <= h.pitch_hi; ++pc) {
      const auto cls = static_cast<std::uint8_t>(pc);
      const std::uint32_t b = base.bucket_start[base.Key(h.hash, pc, h.span_lo)];
      const std::uint32_t e = base.bucket_start[base.Key(h.hash, pc, h.span_hi) + 1];
      if (e > b) runs.push_back({l, cls, nullptr, 0, b, e}), total += e - b;
      for (const LandmarkDelta* d : {index_.frozen_.get(), index_.delta_.get()}) {
        if (d == nullptr || d->postings.empty()) continue;
        const std::uint32_t first =
            d == index_.frozen_.get() ? slots.FrozenStart() : slots.DeltaStart();
        for (int sc = h.span_lo; sc <= h.span_hi; ++sc) {
          auto it = d->postings.find(LandmarkDelta::Key(h.hash, pc, sc));
          if (it == d->postings.end()) continue;
          runs.push_back({l, cls, &it->second, first, 0, 0});
          total += it->second.size();
        }
      }
    }
  }
  // Over the budget (a large registry, where every key's list is long), the
  // rarest runs first: a short list says more per posting read, and the
  // cost stays bounded whatever the index's size.
  const double query_seconds =
      std::max(kBudgetMinSeconds, static_cast<double>(query.frames) * kLandmarkFrameSeconds);
  const auto budget =
      static_cast<std::size_t>(options_.max_scanned_postings_per_second * query_seconds);
  std::size_t read = total;
  if (total > budget) {
    std::stable_sort(runs.begin(), runs.end(),
                     [](const Run& a, const Run& b) { return a.size() < b.size(); });
    std::size_t n = 0;
    read = 0;
    while (n < runs.size() && read + runs[n].size() <= budget) read += runs[n++].size();
    runs.resize(n);
  }
  if (scan != nullptr) *scan = {total, read};
  for (const Run& run : runs) {
    const QueryHash& h = lookups[run.lookup];
    const int pc = run.pitch_class;
    const double span_lo = (h.span - params.time_tolerance) / params.max_time_factor - 0.5;
    const double span_hi = (h.span + params.time_tolerance) / params.min_time_factor + 0.5;
    const auto qspan = static_cast<std::uint8_t>(std::min<int>(h.span, 255));
    auto keep = [&](double ref_pitch, double ref_span) {
      return std::abs(h.anchor_pitch - ref_pitch) <= max_shift && ref_span >= span_lo &&
             ref_span <= span_hi;
    };
    if (run.list != nullptr) {
      for (std::uint64_t e : *run.list) {
        const double pitch = LandmarkDelta::Pitch(e);
        const auto span = LandmarkDelta::Span(e);
        if (!keep(pitch, span)) continue;
        delta_hits.push_back({run.delta_first + LandmarkDelta::Row(e),
                              {LandmarkDelta::Frame(e), h.anchor_frame,
                               static_cast<std::int16_t>(std::lround(h.anchor_pitch - pitch)),
                               qspan, static_cast<std::uint8_t>(span)}});
      }
      continue;
    }
    const std::uint32_t check = base.Check(h.hash);
    for (std::uint32_t i = run.begin; i < run.end; ++i) {
      const std::uint64_t entry = base.Entry(i);
      // A mapped segment vouches for its arrays, not for every entry in them.
      if ((entry & frame_mask) >= base.total_frames) continue;
      std::uint64_t rest = entry >> base.frame_bits;
      const auto span = static_cast<int>(rest & ((1u << internal::kSpanBits) - 1)) + params.min_dt;
      rest >>= internal::kSpanBits;
      const double pitch =
          pc * params.anchor_cell +
          2.0 * static_cast<double>(rest & ((1u << internal::kFinePitchBits) - 1)) + 0.5;
      rest >>= internal::kFinePitchBits;
      if (rest != check || !keep(pitch, span)) continue;
      base_hits.push_back(
          {entry & frame_mask,
           {0, h.anchor_frame, static_cast<std::int16_t>(std::lround(h.anchor_pitch - pitch)),
            qspan, static_cast<std::uint8_t>(span)}});
    }
  }

  // Stage 2: group by reference, vote per reference.
  std::vector<Candidate> candidates;
  std::vector<Hit> hits;
  // A reference whose hits cannot put min_votes on one line within the
  // query's length (at the slowest tempo) is skipped before the Hough.
  const double reach = query.frames * kMaxTempo + 2 * kOffsetWindow + 1;
  auto vote = [&](std::uint32_t slot) {
    if (hits.size() < options_.min_votes || !slots.Live(slot)) return;
    std::sort(hits.begin(), hits.end(),
              [](const Hit& a, const Hit& b) { return a.ref_frame < b.ref_frame; });
    bool dense = false;
    for (std::size_t i = 0, j = 0; j < hits.size() && !dense; ++j) {
      while (hits[j].ref_frame - hits[i].ref_frame > reach) ++i;
      dense = j - i + 1 >= options_.min_votes;
    }
    if (!dense) return;
    Lines(hits, options_.min_votes, query.frames, Candidate{slot, 1, 0, 0, 0, 0}, candidates);
  };
  std::sort(base_hits.begin(), base_hits.end(),
            [](const BaseHit& a, const BaseHit& b) { return a.frame < b.frame; });
  std::uint32_t row = 0;
  std::uint64_t row_end = 0;
  bool have_row = false;
  for (const BaseHit& h : base_hits) {
    if (!have_row || h.frame >= row_end) {
      if (have_row) vote(row);
      hits.clear();
      row = base.RefOfFrame(h.frame);
      row_end = base.refs[row].frame_start + base.refs[row].frames;
      have_row = true;
    }
    Hit hit = h.hit;
    hit.ref_frame = static_cast<std::uint32_t>(h.frame - base.refs[row].frame_start);
    hits.push_back(hit);
  }
  if (have_row) vote(row);
  std::sort(delta_hits.begin(), delta_hits.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < delta_hits.size();) {
    std::size_t j = i;
    hits.clear();
    for (; j < delta_hits.size() && delta_hits[j].first == delta_hits[i].first; ++j)
      hits.push_back(delta_hits[j].second);
    vote(delta_hits[i].first);
    i = j;
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.votes > b.votes; });
  if (candidates.size() > options_.max_candidates) candidates.resize(options_.max_candidates);

  // Stages 3 and 4.
  for (const Candidate& c : candidates) {
    Verified v = Verify(slots, qp, qt, c, options_.model);
    if (!v.alignment.segments.empty()) out.push_back(std::move(v.alignment));
  }
  return out;
}

std::vector<LandmarkMatch> LandmarkMatcher::Find(const LandmarkPrint& query,
                                                 LandmarkScan* scan) const {
  const std::vector<LandmarkAlignment> alignments = Alignments(query, scan);
  const double searched = static_cast<double>(std::max<std::size_t>(1, index_.size()));
  const double bar = std::log10(options_.max_pair_probability);
  std::vector<LandmarkMatch> out;
  for (const LandmarkAlignment& a : alignments) {
    double best = 0;
    for (const auto& s : a.segments) best = std::min(best, s.log10_pair_probability);
    if (best > bar) continue;
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const LandmarkMatch& m) { return m.ref_id == a.ref_id; });
    if (it == out.end()) {
      out.push_back({a.ref_id, a.tempo, a.pitch_semitones, {}, best, 1});
      it = out.end() - 1;
    } else if (best < it->log10_pair_probability) {
      it->tempo = a.tempo, it->pitch_semitones = a.pitch_semitones;
      it->log10_pair_probability = best;
    }
    for (const auto& s : a.segments) {
      if (s.log10_pair_probability > bar) continue;
      // Another alignment's segment over the same query stretch is a duplicate.
      const bool dup = std::any_of(it->segments.begin(), it->segments.end(), [&](const auto& o) {
        return std::min(o.query_end, s.query_end) - std::max(o.query_start, s.query_start) >
               0.5 * (s.query_end - s.query_start);
      });
      if (!dup) it->segments.push_back(s);
    }
  }
  for (auto& m : out) {
    std::sort(m.segments.begin(), m.segments.end(),
              [](const auto& a, const auto& b) { return a.query_start < b.query_start; });
    m.e_value = std::pow(10.0, m.log10_pair_probability) * searched;
  }
  std::sort(out.begin(), out.end(), [](const LandmarkMatch& a, const LandmarkMatch& b) {
    return a.log10_pair_probability < b.log10_pair_probability;
  });
  if (out.size() > options_.max_matches) out.resize(options_.max_matches);
  return out;
}

}  // namespace signet::fp

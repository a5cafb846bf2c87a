#include "fingerprint/matcher.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "fingerprint/index_internal.h"

namespace signet::fp {
namespace {

// Sliding window of the segmenter: 16 positions (~2 s). Shorter windows
// fragment degraded matches, longer ones blur boundaries between works.
constexpr int kWindow = 16;
// A window is part of a segment when its bit error rate is below this. True
// alignments sit at 0.0-0.20 even under a -6 dB background, unrelated audio at
// 0.32-0.47 (corpus README).
constexpr double kSegmentBer = 0.26;
// Segment edges are trimmed while the last few positions err this much.
constexpr double kEdgeBer = 0.30;
constexpr int kMinSegmentPositions = 8;
constexpr double kBits = internal::kVerifyBits;
// Diagonals need this many index hits to be verified.
constexpr std::uint32_t kMinVotes = 2;
// Votes (IndexView::Vote) carry the query position in their low 16 bits;
// query fingerprints longer than 2^16 positions are cut (over 2 h of audio).
using internal::IndexView;
using internal::kMaxQueryPositions;
using internal::RefWindow;

struct FoundSegment {
  std::uint64_t slot;
  Segment segment;
};

// The reference's low-information mask over [start, start + low.size()).
struct RefMask {
  std::vector<bool> low;
  long start = 0;
};

// The mask Segments needs for diagonals diag_lo..diag_hi of a query of nq
// positions: the aligned reference range plus the context LowInformationMask
// reads (flips 2 positions either way, a flip reaching one further back), so
// that it equals the mask of the whole reference there.
// The reference window [max(0, diag_lo - 3), min(nr, nq + diag_hi + 2)) it
// reads must be decoded (MaskWindow).
RefMask MaskFor(const RefWindow& r, long nq, long diag_lo, long diag_hi) {
  const long nr = r.length;
  RefMask m;
  m.start = std::max<long>(0, diag_lo - 3);
  const long end = std::min<long>(nr, nq + diag_hi + 2);
  if (end > m.start) m.low = LowInformationMask(r.Span(m.start, end));
  return m;
}

// The shifted background of a stretch (ShiftedBackground): reference shifts
// of 16-61 positions (2-7.5 s) either way, past the ~16 positions over which
// neighbouring sub-fingerprints share audio, so that a true alignment's own
// neighbourhood does not count as background.
constexpr int kShiftMin = 16;
constexpr int kShiftStep = 3;
constexpr int kShiftsPerSide = 16;
constexpr int kShiftMax = kShiftMin + kShiftStep * (kShiftsPerSide - 1);

// Query positions [qa, qb) against the reference on diagonal `diag` shifted
// by every background shift; `rmask` must cover the shifted ranges it can,
// and reads of `r` stay inside it (so inside the window MaskWindow gives).
ShiftedBackground Background(std::span<const std::uint32_t> q, const std::vector<bool>& qlow,
                             const RefWindow& r, const RefMask& rmask, long qa, long qb, long diag,
                             int informative) {
  std::vector<double> bers;
  bers.reserve(2 * kShiftsPerSide);
  const long rlo = rmask.start, rhi = rmask.start + static_cast<long>(rmask.low.size());
  for (int k = 0; k < 2 * kShiftsPerSide; ++k) {
    const long shift = (k % 2 == 0 ? 1 : -1) * (kShiftMin + kShiftStep * (k / 2));
    const long d = diag + shift;
    const long lo = std::max(qa, rlo - d), hi = std::min(qb, rhi - d);
    int errors = 0, count = 0;
    for (long i = lo; i < hi; ++i) {
      if (qlow[i] || rmask.low[i + d - rlo]) continue;
      errors += internal::PopCount((q[i] ^ r[i + d]) & internal::kVerifyMask);
      ++count;
    }
    if (count >= kMinSegmentPositions && 2 * count >= informative) {
      bers.push_back(errors / (kBits * count));
    }
  }
  ShiftedBackground bg;
  bg.shifts = static_cast<int>(bers.size());
  if (bers.empty()) return bg;
  const auto q3 = bers.begin() + static_cast<long>(3 * bers.size() / 4);
  std::nth_element(bers.begin(), q3, bers.end());
  bg.upper_quartile = *q3;
  return bg;
}

// The reference window MaskFor(r, nq, diag_lo, diag_hi) reads, and with it
// what Segments (and its Background) read for diagonals whose shifted ranges
// lie within diag_lo..diag_hi: callers pass the verified diagonals widened by
// kShiftMax either way.
std::pair<long, long> MaskWindow(long nq, long diag_lo, long diag_hi) {
  return {std::max<long>(0, diag_lo - 3), nq + diag_hi + 2};
}

// Segments of one aligned pair. `qlow` is the query's low-information mask,
// `rmask` covers the aligned reference range (MaskFor) and, where the
// reference allows, kShiftMax positions more either way.
std::vector<Segment> Segments(std::span<const std::uint32_t> q, const std::vector<bool>& qlow,
                              const RefWindow& r, const RefMask& rmask, int diag,
                              const ScoreModel& model) {
  std::vector<Segment> out;
  const long nq = static_cast<long>(q.size());
  const long nr = r.length;
  const long i0 = std::max<long>(0, -diag);
  const long i1 = std::min<long>(nq, nr - diag);
  if (i1 - i0 < kMinSegmentPositions) return out;
  const long r0 = rmask.start;
  const std::vector<bool>& rlow = rmask.low;
  const long n = i1 - i0;
  // Prefix sums over the informative positions: errors and count.
  std::vector<int> err(n), pe(n + 1, 0), pc(n + 1, 0);
  std::vector<char> inf(n);
  for (long k = 0; k < n; ++k) {
    const long i = i0 + k;
    err[k] = internal::PopCount((q[i] ^ r[i + diag]) & internal::kVerifyMask);
    inf[k] = !qlow[i] && !rlow[i + diag - r0];
    pe[k + 1] = pe[k] + (inf[k] ? err[k] : 0);
    pc[k + 1] = pc[k] + (inf[k] ? 1 : 0);
  }
  const long w = std::min<long>(kWindow, n);
  // covered[k]: position k lies in some good window.
  std::vector<char> covered(n, 0);
  for (long s = 0; s + w <= n; ++s) {
    const int c = pc[s + w] - pc[s];
    if (c * 2 < w) continue;
    const double ber = (pe[s + w] - pe[s]) / (kBits * c);
    if (ber < kSegmentBer) std::fill(covered.begin() + s, covered.begin() + s + w, 1);
  }
  auto edge_bad = [&](long a, long b) {  // mean error of informative positions in [a, b)
    const int c = pc[b] - pc[a];
    return c > 0 && (pe[b] - pe[a]) / (kBits * c) > kEdgeBer;
  };
  for (long k = 0; k < n;) {
    if (!covered[k]) {
      ++k;
      continue;
    }
    long a = k, b = k;
    while (b < n && covered[b]) ++b;
    k = b;
    // Windows overshoot a boundary by up to half their length; trim back to
    // where the error rate stays low.
    while (b - a > kMinSegmentPositions && edge_bad(b - 4, b)) --b;
    while (b - a > kMinSegmentPositions && edge_bad(a, a + 4)) ++a;
    const int c = pc[b] - pc[a];
    if (c < kMinSegmentPositions) continue;
    Segment s;
    s.bit_error_rate = (pe[b] - pe[a]) / (kBits * c);
    s.informative_positions = c;
    s.query_start = static_cast<double>(i0 + a) * kSecondsPerPosition;
    s.query_end = static_cast<double>(i0 + b) * kSecondsPerPosition;
    s.ref_start = static_cast<double>(i0 + a + diag) * kSecondsPerPosition;
    s.ref_end = static_cast<double>(i0 + b + diag) * kSecondsPerPosition;
    const ShiftedBackground bg = Background(q, qlow, r, rmask, i0 + a, i0 + b, diag, c);
    s.pair_probability =
        model.PairProbability(s.bit_error_rate, c, static_cast<int>(nq), static_cast<int>(nr), bg);
    s.e_value = s.pair_probability;
    s.background = bg;
    out.push_back(s);
  }
  return out;
}

// Seed check before verifying a candidate: around the query position whose
// vote made it, the alignment (one of the three diagonals) must look like a
// match at all. A true segment errs at 0.0-0.20 there; chance alignments at
// 0.37-0.47. Rejects most chance candidates for ~100 popcounts instead of a
// full verification over the whole overlap.
constexpr int kSeedHalfWindow = 16;
constexpr double kSeedBer = 0.38;

// Seed window errors and positions on diagonal d around query position i.
std::pair<int, long> SeedErrors(std::span<const std::uint32_t> q, const RefWindow& r, long i,
                                long d) {
  const long nq = static_cast<long>(q.size()), nr = r.length;
  const long lo = std::max({0L, i - kSeedHalfWindow, -d});
  const long hi = std::min({nq, i + kSeedHalfWindow, nr - d});
  int errors = 0;
  for (long k = lo; k < hi; ++k) {
    errors += internal::PopCount((q[k] ^ r[k + d]) & internal::kVerifyMask);
  }
  return {errors, hi - lo};
}

// Reverb and other smearing move the vote peak a few steps off the best
// alignment (measured: 2 of 20 reverb_80 excerpts verified 2 steps off, at
// BER 0.22 instead of 0.15). Once a seed passes, the diagonals this far
// either way are compared on the seed window and the best is verified.
constexpr int kRefineDiagonals = 4;

// The diagonal to verify, or nullopt when the seed check fails: one of
// diag-1, diag, diag+1 must err below kSeedBer (the check costs the same as
// before refinement, so queries that match nothing pay nothing more).
// Reads the reference window SeedWindow gives.
std::optional<int> SeedDiagonal(std::span<const std::uint32_t> q, const RefWindow& r, long i,
                                int diag) {
  bool passed = false;
  for (int dd = -1; dd <= 1 && !passed; ++dd) {
    const auto [errors, n] = SeedErrors(q, r, i, diag + dd);
    passed = n >= kMinSegmentPositions && errors < kSeedBer * kBits * static_cast<double>(n);
  }
  if (!passed) return std::nullopt;
  int best = diag;
  double best_ber = 2;
  for (int dd = -kRefineDiagonals; dd <= kRefineDiagonals; ++dd) {
    const auto [errors, n] = SeedErrors(q, r, i, diag + dd);
    if (n < kMinSegmentPositions) continue;
    const double ber = errors / (kBits * static_cast<double>(n));
    if (ber < best_ber) {
      best_ber = ber;
      best = diag + dd;
    }
  }
  return best;
}

// What SeedDiagonal reads around query position i: the seed window on every
// diagonal it compares (the +-1 check and the +-kRefineDiagonals refinement).
std::pair<long, long> SeedWindow(long i, int diag) {
  static_assert(kRefineDiagonals >= 1);
  return {i - kSeedHalfWindow + diag - kRefineDiagonals,
          i + kSeedHalfWindow + diag + kRefineDiagonals};
}

double Overlap(double a0, double a1, double b0, double b1) {
  return std::max(0.0, std::min(a1, b1) - std::max(a0, b0));
}

// Key bits in the order multi-probe flips them (MatchOptions::probe_bits):
// index 0 is the key's most significant (most robust) bit; listed by falling
// flip rate under sox reverb 80 on 20 corpus excerpts (signet-eval
// --brute-force, EVALUATION.md), whose order is not the key's (bit 11, robust
// to codecs and noise, flips at 20 % under reverb). Key bits 24-26 (flipping
// 19-25 %) are only in prefixes of 25-27 bits (from ~160k recordings on): a
// 24-bit prefix probes what it did before the key was widened.
constexpr std::array<int, kIndexKeyBits> kProbeOrder = {26, 23, 25, 11, 20, 24, 13, 16, 19,
                                                        21, 2,  17, 18, 22, 6,  5,  14, 15,
                                                        8,  9,  10, 12, 3,  1,  7,  4,  0};

// The XOR masks of the first `probes` flips of kProbeOrder that fall inside a
// key prefix of `key_bits` (the top key_bits of the key, what IndexView::Vote
// looks up), as that prefix's own bits.
std::vector<std::uint32_t> ProbeMasks(int probes, int key_bits) {
  std::vector<std::uint32_t> masks;
  for (const int j : kProbeOrder) {
    if (static_cast<int>(masks.size()) >= probes) break;
    if (j < key_bits) masks.push_back(std::uint32_t{1} << (key_bits - 1 - j));
  }
  return masks;
}

// Sorts votes ascending. Vote emits each diagonal's votes by ascending query
// position (the low 16 bits), so a stable sort by diagonal alone gives the
// full order: an LSD radix sort on the diagonal's bits, ~5x faster than
// std::sort on the ~8,000 votes of a 10 s query at a million recordings.
void SortVotes(std::vector<std::uint64_t>& votes) {
  if (votes.size() < 1024) {
    std::sort(votes.begin(), votes.end());
    return;
  }
  std::uint64_t max = 0;
  for (const std::uint64_t v : votes) max = std::max(max, v);
  const int bits = static_cast<int>(std::bit_width(max >> 16));
  constexpr int kDigit = 11;
  thread_local std::vector<std::uint64_t> tmp;
  tmp.resize(votes.size());
  std::array<std::uint32_t, (1u << kDigit) + 1> count;
  for (int shift = 16; shift < 16 + bits; shift += kDigit) {
    count.fill(0);
    for (const std::uint64_t v : votes) ++count[((v >> shift) & ((1u << kDigit) - 1)) + 1];
    for (std::size_t d = 1; d < count.size(); ++d) count[d] += count[d - 1];
    for (const std::uint64_t v : votes) tmp[count[(v >> shift) & ((1u << kDigit) - 1)]++] = v;
    votes.swap(tmp);
  }
}

// N and V of the E-value contract for one query, and the mean reference
// length: the chances of all N references add up to N times those of a
// reference of mean length.
struct EValueScale {
  double references = 0;
  double looks = 0;  // every variant is a look, plus other prints'
  int mean_ref_positions = 0;

  // E of a segment found against a reference of `ref_length` positions by a
  // query (variant) of `nq` positions.
  double EValueOf(const Segment& s, int nq, long ref_length, const ScoreModel& model) const {
    const int len = s.informative_positions;
    const double p = s.pair_probability >= 1.0
                         ? 1.0
                         : s.pair_probability * model.Chances(len, nq, mean_ref_positions) /
                               model.Chances(len, nq, static_cast<int>(ref_length));
    return EValue(p, references, looks);
  }
};

EValueScale ScaleOf(const Index& index, const MatchOptions& options, std::size_t variants) {
  const double live = static_cast<double>(index.size());
  EValueScale scale;
  scale.references = std::max(live, options.min_references);
  scale.looks = static_cast<double>(variants) + options.other_looks;
  scale.mean_ref_positions =
      static_cast<int>(live > 0 ? static_cast<double>(index.positions()) / live : 0.0);
  return scale;
}

// The query positions multi-probe looks up at: up to max_probed_positions
// informative positions, evenly spread (a long query has votes enough
// without them); empty when probes are off.
std::vector<bool> ProbedPositions(const std::vector<bool>& qlow, const MatchOptions& options) {
  if (options.probe_bits <= 0 || options.max_probed_positions == 0) return {};
  std::vector<bool> probed(qlow.size(), false);
  const auto informative = static_cast<std::size_t>(std::count(qlow.begin(), qlow.end(), false));
  const std::size_t want = std::min(informative, options.max_probed_positions);
  std::size_t seen = 0, taken = 0;
  for (std::size_t i = 0; i < qlow.size() && taken < want; ++i) {
    if (qlow[i]) continue;
    // Position `seen` of `informative` is probed when it starts a new
    // want/informative step.
    if ((seen * want) / informative == taken) {
      probed[i] = true;
      ++taken;
    }
    ++seen;
  }
  return probed;
}

// A diagonal cluster worth verifying: its best vote (the middle vote of its
// best-voted diagonal) and its total votes.
struct Cluster {
  std::uint64_t best_vote;
  std::uint32_t best_count;
  std::uint32_t total;
  std::uint64_t last_diag;
  std::uint32_t first_position;
  bool several_positions;
};

// The max_candidates best clusters of sorted `votes`, best first.
// Runs of equal global diagonal; neighbouring diagonals (+-1, the query's
// sub-fingerprint grid is not the reference's) are pooled into one cluster.
// A cluster is evidence only when its votes come from more than one query
// position: one query value that hits a reference where that value repeats
// (a held note) votes for neighbouring diagonals on its own, and verifying
// such clusters was a third of the cost of a query that matches nothing.
std::vector<Cluster> Clusters(const std::vector<std::uint64_t>& votes, std::size_t max_candidates) {
  // Only clusters that can be candidates are kept: most votes are a
  // diagonal's only one (at 100k recordings ~6,000 of a 10 s query's ~7,000).
  auto evidence = [](const Cluster& c) { return c.total >= kMinVotes && c.several_positions; };
  std::vector<Cluster> clusters;
  Cluster open{};
  bool is_open = false;
  for (std::size_t k = 0; k < votes.size();) {
    const std::uint64_t d = votes[k] >> 16;
    std::size_t e = k;
    while (e < votes.size() && (votes[e] >> 16) == d) ++e;
    // Votes of one diagonal are sorted by query position: first != last
    // means more than one position.
    const auto position = static_cast<std::uint32_t>(votes[k] & 0xffff);
    const bool several = (votes[e - 1] & 0xffff) != position;
    const auto count = static_cast<std::uint32_t>(e - k);
    if (is_open && open.last_diag + 1 >= d) {
      open.total += count;
      open.last_diag = d;
      open.several_positions = open.several_positions || several || position != open.first_position;
      if (count > open.best_count) {
        open.best_count = count;
        open.best_vote = votes[k + (e - k) / 2];  // the run's middle query position
      }
    } else {
      if (is_open && evidence(open)) clusters.push_back(open);
      open = {votes[k + (e - k) / 2], count, count, d, position, several};
      is_open = true;
    }
    k = e;
  }
  if (is_open && evidence(open)) clusters.push_back(open);
  const std::size_t keep = std::min(max_candidates, clusters.size());
  std::partial_sort(clusters.begin(), clusters.begin() + static_cast<long>(keep), clusters.end(),
                    [](const Cluster& a, const Cluster& b) { return a.total > b.total; });
  clusters.resize(keep);
  return clusters;
}

// One candidate's verification: what stage 3 found for the reference in
// `slot` seeded at query position `seed_at` on `diagonal` (segments empty:
// none, or the seed check failed). A function of those three alone, so a
// second pass reuses it for a candidate the first pass verified.
struct Verified {
  std::uint64_t slot;
  int diagonal;
  long seed_at;
  std::vector<Segment> segments;
};

// Stage 3 for `clusters`, appending every candidate's segments to `found`;
// candidates in `done` (an earlier pass's) are not verified again, and those
// verified here are added to it.
void Verify(const IndexView& view, std::span<const std::uint32_t> q, const std::vector<bool>& qlow,
            const std::vector<Cluster>& clusters, const MatchOptions& options,
            std::vector<Verified>& done, std::vector<FoundSegment>& found) {
  std::vector<internal::VoteTarget> targets;
  targets.reserve(clusters.size());
  for (const Cluster& c : clusters) targets.push_back(view.Resolve(c.best_vote));
  auto verified = [&](const internal::VoteTarget& t, long seed_at) -> const Verified* {
    for (const Verified& v : done) {
      if (v.slot == t.slot && v.diagonal == t.diagonal && v.seed_at == seed_at) return &v;
    }
    return nullptr;
  };
  // Every candidate's seed window is read from memory nobody touched yet
  // (block offsets, then the blocks): prefetched for all of them in two
  // rounds before the first is checked.
  for (int stage = 0; stage < 2; ++stage) {
    for (std::size_t k = 0; k < clusters.size(); ++k) {
      const auto seed_at = static_cast<long>(clusters[k].best_vote & 0xffff);
      if (!done.empty() && verified(targets[k], seed_at) != nullptr) continue;
      const auto [s0, s1] = SeedWindow(seed_at, targets[k].diagonal);
      view.PrefetchWindow(targets[k].slot, s0, s1, stage);
    }
  }
  internal::WindowBuffer buffer;
  const long nq = static_cast<long>(q.size());
  for (std::size_t k = 0; k < clusters.size(); ++k) {
    const Cluster& c = clusters[k];
    const internal::VoteTarget cand = targets[k];
    if (!view.Live(cand.slot)) continue;
    const auto seed_at = static_cast<long>(c.best_vote & 0xffff);
    if (const Verified* v = done.empty() ? nullptr : verified(cand, seed_at)) {
      for (const auto& s : v->segments) found.push_back({cand.slot, s});
      continue;
    }
    Verified& v = done.emplace_back(Verified{cand.slot, cand.diagonal, seed_at, {}});
    // The reference's values are decoded only where each step reads them:
    // the seed window (with the refined diagonals), then the alignment of
    // the best of three diagonals with its shifted background.
    const auto [s0, s1] = SeedWindow(seed_at, cand.diagonal);
    const std::optional<int> seeded =
        SeedDiagonal(q, view.Window(cand.slot, s0, s1, buffer), seed_at, cand.diagonal);
    if (!seeded) continue;
    const int diagonal = *seeded;
    // The vote peak can sit one step off the best alignment: keep the best of
    // three. Over a long match every probability underflows to the same floor
    // (the neighbours of the true diagonal err ~0.14, which is still far from
    // chance), so ties go to the alignment that errs least: else a
    // byte-identical full track was reported one position off at BER ~0.14.
    const long diag_lo = diagonal - 1 - kShiftMax, diag_hi = diagonal + 1 + kShiftMax;
    const auto [m0, m1] = MaskWindow(nq, diag_lo, diag_hi);
    const RefWindow ref = view.Window(cand.slot, m0, m1, buffer);
    const RefMask rmask = MaskFor(ref, nq, diag_lo, diag_hi);
    double best_fp = 2, best_ber = 1;
    for (int dd = -1; dd <= 1; ++dd) {
      std::vector<Segment> segs = Segments(q, qlow, ref, rmask, diagonal + dd, options.score_model);
      double fp = 2, ber = 1;
      for (const auto& s : segs) {
        if (s.pair_probability < fp || (s.pair_probability == fp && s.bit_error_rate < ber)) {
          fp = s.pair_probability;
          ber = s.bit_error_rate;
        }
      }
      if (fp < best_fp || (fp == best_fp && ber < best_ber)) {
        best_fp = fp;
        best_ber = ber;
        v.segments = std::move(segs);
      }
    }
    for (const auto& s : v.segments) found.push_back({cand.slot, s});
  }
}

// A match found through the keys alone makes the probes pointless when it is
// certain (E <= max_e_value * kCertainFactor) and covers the query so that
// fewer informative positions than a segment needs lie outside it: no other
// work can then hold a segment of the query except over the same stretch
// (the same material registered twice, whose keys the query hits as well
// unless that copy is degraded and this one is not).
constexpr double kCertainFactor = 1e-3;
// The keys' candidates are verified before the probes when a diagonal has
// votes from at least 1/kKeyVotesForCertain of the query's informative
// positions.
constexpr std::uint32_t kKeyVotesForCertain = 4;

bool CoversQueryCertainly(const std::vector<FoundSegment>& found, const IndexView& view,
                          std::span<const std::uint32_t> q, const std::vector<bool>& qlow,
                          const EValueScale& scale, const MatchOptions& options) {
  const long nq = static_cast<long>(q.size());
  // inf_before[i]: informative query positions before i.
  std::vector<int> inf_before(q.size() + 1, 0);
  for (std::size_t i = 0; i < q.size(); ++i) inf_before[i + 1] = inf_before[i] + (qlow[i] ? 0 : 1);
  const int informative = inf_before.back();
  for (const FoundSegment& f : found) {
    const Segment& s = f.segment;
    const long a = std::clamp(std::lround(s.query_start / kSecondsPerPosition), 0L, nq);
    const long b = std::clamp(std::lround(s.query_end / kSecondsPerPosition), a, nq);
    if (informative - (inf_before[b] - inf_before[a]) >= kMinSegmentPositions) continue;
    const double e =
        scale.EValueOf(s, static_cast<int>(nq), view.Length(f.slot), options.score_model);
    if (e <= options.max_e_value * kCertainFactor) return true;
  }
  return false;
}

// The most votes one diagonal has, whatever their order: a hash count
// (cheaper than sorting the few hundred votes of a query's keys).
std::size_t MostVotesOnADiagonal(const std::vector<std::uint64_t>& votes) {
  const int log_size = std::max(6, static_cast<int>(std::bit_width(2 * votes.size())));
  thread_local std::vector<std::uint64_t> diagonals;
  thread_local std::vector<std::uint32_t> counts;
  constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  diagonals.assign(std::size_t{1} << log_size, kEmpty);
  counts.assign(std::size_t{1} << log_size, 0);
  const std::size_t mask = (std::size_t{1} << log_size) - 1;
  std::uint32_t most = 0;
  for (const std::uint64_t v : votes) {
    const std::uint64_t d = v >> 16;
    std::size_t h = static_cast<std::size_t>((d * 0x9e3779b97f4a7c15ULL) >> (64 - log_size));
    while (diagonals[h] != kEmpty && diagonals[h] != d) h = (h + 1) & mask;
    diagonals[h] = d;
    most = std::max(most, ++counts[h]);
  }
  return most;
}

// Stages 1-3 for one query variant: segments per slot, times in variant seconds.
// With probes (and MatchOptions::skip_probes_when_certain) in two passes: the
// keys alone, and only when they found no certain match of the whole query,
// the probes, whose votes join the keys' for a second clustering (the same
// candidates as one pass over both; those verified already are not verified
// again).
std::vector<FoundSegment> FindVariant(const IndexView& view, std::span<const std::uint32_t> q,
                                      const MatchOptions& options, const EValueScale& scale) {
  std::vector<FoundSegment> found;
  if (q.size() > kMaxQueryPositions) q = q.first(kMaxQueryPositions);
  const std::vector<bool> qlow = LowInformationMask(q);
  const std::vector<bool> probed = ProbedPositions(qlow, options);
  const std::vector<std::uint32_t> masks = ProbeMasks(options.probe_bits, view.KeyBits());
  const bool any_probe =
      !masks.empty() && std::find(probed.begin(), probed.end(), true) != probed.end();
  std::vector<Verified> done;
  std::vector<std::uint64_t> votes;
  votes.reserve(q.size() * 16);
  if (!any_probe || !options.skip_probes_when_certain) {
    view.Vote(q, qlow, options.max_posting_list, masks, probed, votes);
    SortVotes(votes);
    Verify(view, q, qlow, Clusters(votes, options.max_candidates), options, done, found);
    return found;
  }
  view.Vote(q, qlow, options.max_posting_list, {}, {}, votes);
  // A whole-query match votes on its diagonal through most of its positions'
  // keys: the keys' candidates are verified now only when some diagonal has
  // such votes (not the usual case of a query that matches nothing, nor a
  // small index's dense votes, where pooled neighbouring diagonals add up).
  const auto informative = static_cast<std::size_t>(std::count(qlow.begin(), qlow.end(), false));
  if (MostVotesOnADiagonal(votes) * kKeyVotesForCertain >= informative) {
    std::vector<std::uint64_t> sorted = votes;
    SortVotes(sorted);
    std::vector<Cluster> strong, rest;
    for (const Cluster& c : Clusters(sorted, options.max_candidates)) {
      (c.best_count * kKeyVotesForCertain >= informative ? strong : rest).push_back(c);
    }
    Verify(view, q, qlow, strong, options, done, found);
    if (CoversQueryCertainly(found, view, q, qlow, scale, options)) {
      Verify(view, q, qlow, rest, options, done, found);
      return found;
    }
    found.clear();
  }
  // The probes' votes after the keys': sorted by diagonal (stably), a
  // diagonal's votes are two runs by ascending query position, which an
  // insertion sort merges in one pass (it moves only the probe votes that
  // land among a diagonal's key votes): the one pass's votes, in its order.
  view.Vote(q, qlow, options.max_posting_list, masks, probed, votes, /*keys=*/false);
  SortVotes(votes);
  for (std::size_t k = 1; k < votes.size(); ++k) {
    const std::uint64_t v = votes[k];
    std::size_t j = k;
    for (; j > 0 && votes[j - 1] > v; --j) votes[j] = votes[j - 1];
    votes[j] = v;
  }
  Verify(view, q, qlow, Clusters(votes, options.max_candidates), options, done, found);
  return found;
}

}  // namespace

double ScoreOfEValue(double e_value) {
  return -std::log10(std::max(e_value, std::numeric_limits<double>::min()));
}

double ScoreModel::Tail(double bit_error_rate, int informative_positions,
                        const ShiftedBackground& background) const {
  if (informative_positions <= 0) return 1.0;
  const double len = std::max(1.0, informative_positions - correlated_positions);
  double mu = null_ber;
  double sigma = null_sigma * std::pow(len / 32.0, sigma_growth) / std::sqrt(len);
  if (background.shifts >= min_background_shifts) {
    mu = std::min(mu, background.upper_quartile - 0.674 * sigma);
  }
  return 0.5 * std::erfc((mu - bit_error_rate) / sigma / std::sqrt(2.0));
}

double ScoreModel::Chances(int informative_positions, int query_positions,
                           int ref_positions) const {
  // Diagonals ((query + reference) / L: neighbouring ones are correlated)
  // times segment placements along a diagonal, which grow like sqrt(overlap /
  // L) empirically (EVALUATION.md, "Null model").
  const double len = std::max(1.0, static_cast<double>(informative_positions));
  const double overlap = static_cast<double>(std::min(query_positions, ref_positions));
  return std::max(1.0, tests_per_position * static_cast<double>(query_positions + ref_positions) /
                           len * std::sqrt(std::max(1.0, overlap / len)));
}

double ScoreModel::PairProbability(double bit_error_rate, int informative_positions,
                                   int query_positions, int ref_positions,
                                   const ShiftedBackground& background) const {
  return std::min(1.0, Tail(bit_error_rate, informative_positions, background) *
                           Chances(informative_positions, query_positions, ref_positions));
}

std::vector<Segment> AlignSegments(std::span<const std::uint32_t> query,
                                   std::span<const std::uint32_t> ref, int diagonal,
                                   const ScoreModel& model) {
  const long nq = static_cast<long>(query.size());
  const long nr = static_cast<long>(ref.size());
  const RefWindow r{ref.data(), 0, nr, nr};
  return Segments(query, LowInformationMask(query), r,
                  MaskFor(r, nq, diagonal - kShiftMax, diagonal + kShiftMax), diagonal, model);
}

Segment BestSegmentAnyDiagonal(std::span<const std::uint32_t> query,
                               std::span<const std::uint32_t> ref, const ScoreModel& model) {
  Segment best;
  for (const Segment& s : SegmentsAnyDiagonal(query, ref, model)) {
    if (s.pair_probability < best.pair_probability || best.informative_positions == 0) best = s;
  }
  return best;
}

std::vector<Segment> SegmentsAnyDiagonal(std::span<const std::uint32_t> query,
                                         std::span<const std::uint32_t> ref,
                                         const ScoreModel& model) {
  const long nq = static_cast<long>(query.size()), nr = static_cast<long>(ref.size());
  const std::vector<bool> qlow = LowInformationMask(query);
  const RefWindow r{ref.data(), 0, nr, nr};
  const RefMask rmask{LowInformationMask(ref), 0};
  std::vector<Segment> out;
  std::vector<int> err(static_cast<std::size_t>(nq)), inf(static_cast<std::size_t>(nq));
  for (long d = kMinSegmentPositions - nq; d <= nr - kMinSegmentPositions; ++d) {
    // Most diagonals have no window Segments would accept: find out with one
    // pass of a running window before building its segments.
    const long i0 = std::max<long>(0, -d), i1 = std::min<long>(nq, nr - d);
    const long n = i1 - i0, w = std::min<long>(kWindow, n);
    bool any = false;
    int we = 0, wc = 0;
    for (long k = 0; k < n && !any; ++k) {
      const long i = i0 + k;
      inf[k] = !qlow[i] && !rmask.low[i + d];
      err[k] = inf[k] ? internal::PopCount((query[i] ^ ref[i + d]) & internal::kVerifyMask) : 0;
      we += err[k];
      wc += inf[k];
      if (k >= w) {
        we -= err[k - w];
        wc -= inf[k - w];
      }
      if (k >= w - 1 && wc * 2 >= w && we < kSegmentBer * kBits * wc) any = true;
    }
    if (!any) continue;
    for (const Segment& s : Segments(query, qlow, r, rmask, static_cast<int>(d), model)) {
      out.push_back(s);
    }
  }
  return out;
}

Matcher::Matcher(const Index& index, MatchOptions options) : index_(index), options_(options) {}

std::vector<Match> Matcher::Find(std::span<const std::uint32_t> query) const {
  const QueryVariant v{query, 1.0};
  return Find(std::span<const QueryVariant>(&v, 1));
}

std::vector<Match> Matcher::Find(std::span<const QueryVariant> variants) const {
  return Search(variants, nullptr, nullptr);
}

std::vector<Match> Matcher::Find(std::span<const std::uint32_t> query, IndexMark* searched) const {
  const QueryVariant v{query, 1.0};
  return Search(std::span<const QueryVariant>(&v, 1), nullptr, searched);
}

std::vector<Match> Matcher::FindAddedSince(std::span<const std::uint32_t> query,
                                           const IndexMark& since) const {
  const QueryVariant v{query, 1.0};
  return Search(std::span<const QueryVariant>(&v, 1), &since, nullptr);
}

std::vector<Match> Matcher::FindSettled(std::span<const std::uint32_t> query,
                                        IndexMark* rest) const {
  const QueryVariant v{query, 1.0};
  return Search(std::span<const QueryVariant>(&v, 1), nullptr, rest, true);
}

std::optional<Match> Matcher::AlongLine(std::span<const QueryVariant> variants,
                                        const AlignmentLine& line, double window_seconds,
                                        double tempo_tolerance) const {
  const QueryVariant* variant = nullptr;
  for (const QueryVariant& v : variants) {
    const double off = std::abs(v.speed / line.tempo - 1);
    if (off <= tempo_tolerance &&
        (variant == nullptr || off < std::abs(variant->speed / line.tempo - 1))) {
      variant = &v;
    }
  }
  if (variant == nullptr) return std::nullopt;
  std::span<const std::uint32_t> q = variant->values;
  if (q.size() > kMaxQueryPositions) q = q.first(kMaxQueryPositions);
  const long nq = static_cast<long>(q.size());
  if (nq < kMinSegmentPositions) return std::nullopt;
  IndexView view(index_);
  const std::optional<std::uint64_t> slot = view.SlotOf(line.ref_id);
  if (!slot) return std::nullopt;
  // Variant time is query time x speed, and the variant lines up with the
  // reference at rate 1: diagonal = reference time - variant time.
  const double diagonal_seconds = line.ref_time - variant->speed * line.query_time;
  const int center = static_cast<int>(std::lround(diagonal_seconds / kSecondsPerPosition));
  const int reach = static_cast<int>(std::ceil(window_seconds / kSecondsPerPosition));
  const long diag_lo = center - reach - kShiftMax, diag_hi = center + reach + kShiftMax;
  const auto [m0, m1] = MaskWindow(nq, diag_lo, diag_hi);
  internal::WindowBuffer buffer;
  const RefWindow ref = view.Window(*slot, m0, m1, buffer);
  const RefMask rmask = MaskFor(ref, nq, diag_lo, diag_hi);
  const std::vector<bool> qlow = LowInformationMask(q);
  // One look at the window: its diagonals, each counted as independent (a
  // bound: neighbouring ones share most of their audio), times the segment
  // placements along one of them (ScoreModel::Chances' sqrt(overlap / L)).
  const ScoreModel& model = options_.score_model;
  const double diagonals = 2.0 * reach + 1;
  const double overlap = static_cast<double>(std::min(nq, ref.length));
  std::optional<Segment> best;
  for (int d = center - reach; d <= center + reach; ++d) {
    for (Segment& s : Segments(q, qlow, ref, rmask, d, model)) {
      const double len = std::max(1, s.informative_positions);
      s.line_probability =
          std::min(1.0, model.Tail(s.bit_error_rate, s.informative_positions, s.background) *
                            diagonals * std::sqrt(std::max(1.0, overlap / len)));
      if (!best || s.line_probability < best->line_probability ||
          (s.line_probability == best->line_probability &&
           s.bit_error_rate < best->bit_error_rate)) {
        best = s;
      }
    }
  }
  if (!best) return std::nullopt;
  best->e_value = ScaleOf(index_, options_, variants.size())
                      .EValueOf(*best, static_cast<int>(nq), ref.length, options_.score_model);
  best->query_start /= variant->speed;
  best->query_end /= variant->speed;
  Match m;
  m.ref_id = line.ref_id;
  m.e_value = best->e_value;
  m.score = ScoreOfEValue(m.e_value);
  m.speed = variant->speed;
  m.segments.push_back(*best);
  return m;
}

std::vector<Match> Matcher::Search(std::span<const QueryVariant> variants, const IndexMark* since,
                                   IndexMark* searched, bool settled_only) const {
  // Per reference: the accepted segments of the best variant.
  std::unordered_map<std::uint64_t, Match> by_ref;
  {
    // A snapshot: no lock is held while the query runs.
    IndexView view(index_);
    if (options_.key_bits > 0) view.SetKeyBits(options_.key_bits);
    const IndexMark end = settled_only ? view.SettledMark() : view.Mark();
    if (searched) *searched = end;
    if (settled_only) view.OnlyBefore(end);
    if (since) view.OnlyAddedSince(*since);
    const EValueScale scale = ScaleOf(index_, options_, variants.size());
    for (const QueryVariant& variant : variants) {
      std::vector<FoundSegment> found = FindVariant(view, variant.values, options_, scale);
      const int nq = static_cast<int>(std::min(variant.values.size(), kMaxQueryPositions));
      for (FoundSegment& f : found) {
        f.segment.e_value =
            scale.EValueOf(f.segment, nq, view.Length(f.slot), options_.score_model);
      }
      // Best first, then drop segments of the same reference that cover the same
      // query stretch (neighbouring candidates, repeats found twice).
      std::sort(found.begin(), found.end(), [](const FoundSegment& a, const FoundSegment& b) {
        return a.segment.e_value < b.segment.e_value;
      });
      std::unordered_map<std::uint64_t, Match> here;
      for (FoundSegment& f : found) {
        if (f.segment.e_value > options_.max_e_value) break;
        Segment s = f.segment;
        s.query_start /= variant.speed;
        s.query_end /= variant.speed;
        Match& m = here[view.RefId(f.slot)];
        bool duplicate = false;
        for (const Segment& o : m.segments) {
          const double ov = Overlap(s.query_start, s.query_end, o.query_start, o.query_end);
          if (ov > 0.5 * std::min(s.query_end - s.query_start, o.query_end - o.query_start)) {
            duplicate = true;
            break;
          }
        }
        if (duplicate) continue;
        if (m.segments.empty()) {
          m.ref_id = view.RefId(f.slot);
          m.e_value = s.e_value;
          m.speed = variant.speed;
        }
        m.segments.push_back(s);
      }
      for (auto& [id, m] : here) {
        auto it = by_ref.find(id);
        if (it == by_ref.end() || m.e_value < it->second.e_value) by_ref[id] = std::move(m);
      }
    }
  }
  std::vector<Match> out;
  out.reserve(by_ref.size());
  for (auto& [id, m] : by_ref) {
    m.score = ScoreOfEValue(m.e_value);
    std::sort(m.segments.begin(), m.segments.end(),
              [](const Segment& a, const Segment& b) { return a.query_start < b.query_start; });
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(), [](const Match& a, const Match& b) {
    return a.score != b.score ? a.score > b.score : a.ref_id < b.ref_id;
  });
  if (out.size() > options_.max_matches) out.resize(options_.max_matches);
  return out;
}

}  // namespace signet::fp

#include "fingerprint/matcher.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <mutex>
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

// What MaskFor and Segments read for diagonals diag_lo..diag_hi.
std::pair<long, long> MaskWindow(long nq, long diag_lo, long diag_hi) {
  return {std::max<long>(0, diag_lo - 3), nq + diag_hi + 2};
}

// Segments of one aligned pair. `qlow` is the query's low-information mask,
// `rmask` covers the aligned reference range (MaskFor).
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
    s.false_positive_probability = model.FalsePositiveProbability(
        s.bit_error_rate, c, static_cast<int>(nq), static_cast<int>(nr));
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

// Reads the reference window SeedWindow gives.
bool SeedLooksAligned(std::span<const std::uint32_t> q, const RefWindow& r, long i, int diag) {
  const long nq = static_cast<long>(q.size()), nr = r.length;
  for (int dd = -1; dd <= 1; ++dd) {
    const long d = diag + dd;
    const long lo = std::max({0L, i - kSeedHalfWindow, -d});
    const long hi = std::min({nq, i + kSeedHalfWindow, nr - d});
    if (hi - lo < kMinSegmentPositions) continue;
    int errors = 0;
    for (long k = lo; k < hi; ++k) {
      errors += internal::PopCount((q[k] ^ r[k + d]) & internal::kVerifyMask);
    }
    if (errors < kSeedBer * kBits * static_cast<double>(hi - lo)) return true;
  }
  return false;
}

std::pair<long, long> SeedWindow(long i, int diag) {
  return {i - kSeedHalfWindow + diag - 1, i + kSeedHalfWindow + diag + 1};
}

double Overlap(double a0, double a1, double b0, double b1) {
  return std::max(0.0, std::min(a1, b1) - std::max(a0, b0));
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

// Stages 1-3 for one query variant: segments per slot, times in variant seconds.
std::vector<FoundSegment> FindVariant(const IndexView& view, std::span<const std::uint32_t> q,
                                      const MatchOptions& options) {
  std::vector<FoundSegment> found;
  if (q.size() > kMaxQueryPositions) q = q.first(kMaxQueryPositions);
  const std::vector<bool> qlow = LowInformationMask(q);

  std::vector<std::uint64_t> votes;
  votes.reserve(q.size() * 16);
  view.Vote(q, qlow, options.max_posting_list, votes);
  SortVotes(votes);

  // Runs of equal global diagonal; neighbouring diagonals (+-1, the query's
  // sub-fingerprint grid is not the reference's) are pooled into one cluster.
  // A cluster is evidence only when its votes come from more than one query
  // position: one query value that hits a reference where that value repeats
  // (a held note) votes for neighbouring diagonals on its own, and verifying
  // such clusters was a third of the cost of a query that matches nothing.
  struct Cluster {
    std::uint64_t best_vote;
    std::uint32_t best_count;
    std::uint32_t total;
    std::uint64_t last_diag;
    std::uint32_t first_position;
    bool several_positions;
  };
  std::vector<Cluster> clusters;
  for (std::size_t k = 0; k < votes.size();) {
    const std::uint64_t d = votes[k] >> 16;
    std::size_t e = k;
    while (e < votes.size() && (votes[e] >> 16) == d) ++e;
    // Votes of one diagonal are sorted by query position: first != last
    // means more than one position.
    const auto position = static_cast<std::uint32_t>(votes[k] & 0xffff);
    const bool several = (votes[e - 1] & 0xffff) != position;
    const auto count = static_cast<std::uint32_t>(e - k);
    if (!clusters.empty() && clusters.back().last_diag + 1 >= d) {
      Cluster& c = clusters.back();
      c.total += count;
      c.last_diag = d;
      c.several_positions = c.several_positions || several || position != c.first_position;
      if (count > c.best_count) {
        c.best_count = count;
        c.best_vote = votes[k + (e - k) / 2];  // the run's middle query position
      }
    } else {
      clusters.push_back({votes[k + (e - k) / 2], count, count, d, position, several});
    }
    k = e;
  }
  std::erase_if(clusters,
                [](const Cluster& c) { return c.total < kMinVotes || !c.several_positions; });
  const std::size_t keep = std::min(options.max_candidates, clusters.size());
  std::partial_sort(clusters.begin(), clusters.begin() + static_cast<long>(keep), clusters.end(),
                    [](const Cluster& a, const Cluster& b) { return a.total > b.total; });
  clusters.resize(keep);

  internal::WindowBuffer buffer;
  const long nq = static_cast<long>(q.size());
  for (const Cluster& c : clusters) {
    const internal::VoteTarget cand = view.Resolve(c.best_vote);
    if (!view.Live(cand.slot)) continue;
    // The reference's values are decoded only where each step reads them.
    const long seed_at = static_cast<long>(c.best_vote & 0xffff);
    const auto [s0, s1] = SeedWindow(seed_at, cand.diagonal);
    if (!SeedLooksAligned(q, view.Window(cand.slot, s0, s1, buffer), seed_at, cand.diagonal)) {
      continue;
    }
    // The vote peak can sit one step off the best alignment: keep the best of three.
    const auto [m0, m1] = MaskWindow(nq, cand.diagonal - 1, cand.diagonal + 1);
    const RefWindow ref = view.Window(cand.slot, m0, m1, buffer);
    const RefMask rmask = MaskFor(ref, nq, cand.diagonal - 1, cand.diagonal + 1);
    std::vector<Segment> best;
    double best_fp = 2;
    for (int dd = -1; dd <= 1; ++dd) {
      std::vector<Segment> segs =
          Segments(q, qlow, ref, rmask, cand.diagonal + dd, options.score_model);
      double fp = 2;
      for (const auto& s : segs) fp = std::min(fp, s.false_positive_probability);
      if (fp < best_fp) {
        best_fp = fp;
        best = std::move(segs);
      }
    }
    for (const auto& s : best) found.push_back({cand.slot, s});
  }
  return found;
}

}  // namespace

double ScoreModel::FalsePositiveProbability(double bit_error_rate, int informative_positions,
                                            int query_positions, int ref_positions) const {
  if (informative_positions <= 0) return 1.0;
  const double z = (null_ber - bit_error_rate) *
                   std::sqrt(static_cast<double>(informative_positions)) / null_sigma;
  const double tail = 0.5 * std::erfc(z / std::sqrt(2.0));
  // Chances per pair: diagonals ((query + reference) / L, neighbouring ones
  // are correlated) times segment placements along a diagonal, which grow
  // like sqrt(overlap / L) empirically (EVALUATION.md, "Calibration").
  const double len = static_cast<double>(informative_positions);
  const double overlap = static_cast<double>(std::min(query_positions, ref_positions));
  const double tests =
      std::max(1.0, tests_per_position * static_cast<double>(query_positions + ref_positions) /
                        len * std::sqrt(std::max(1.0, overlap / len)));
  return std::min(1.0, tail * tests);
}

std::vector<Segment> AlignSegments(std::span<const std::uint32_t> query,
                                   std::span<const std::uint32_t> ref, int diagonal,
                                   const ScoreModel& model) {
  const long nq = static_cast<long>(query.size());
  const long nr = static_cast<long>(ref.size());
  const RefWindow r{ref.data(), 0, nr, nr};
  return Segments(query, LowInformationMask(query), r, MaskFor(r, nq, diagonal, diagonal), diagonal,
                  model);
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

std::vector<Match> Matcher::Search(std::span<const QueryVariant> variants, const IndexMark* since,
                                   IndexMark* searched) const {
  // Per reference: the accepted segments of the best variant.
  std::unordered_map<std::uint64_t, Match> by_ref;
  const auto speed_variants = static_cast<std::size_t>(std::count_if(
      variants.begin(), variants.end(), [](const QueryVariant& v) { return v.speed != 1.0; }));
  {
    // A snapshot: no lock is held while the query runs.
    IndexView view(index_);
    if (searched) *searched = view.Mark();
    if (since) view.OnlyAddedSince(*since);
    for (const QueryVariant& variant : variants) {
      std::vector<FoundSegment> found = FindVariant(view, variant.values, options_);
      // Best first, then drop segments of the same reference that cover the same
      // query stretch (neighbouring candidates, repeats found twice).
      std::sort(found.begin(), found.end(), [](const FoundSegment& a, const FoundSegment& b) {
        return a.segment.false_positive_probability < b.segment.false_positive_probability;
      });
      std::unordered_map<std::uint64_t, Match> here;
      // The query itself is judged as if alone; the speed variants are a family
      // of looks with a bar of its own, shared among them (Bonferroni).
      const double chances = variant.speed == 1.0 ? 1.0 : static_cast<double>(speed_variants);
      const double threshold = variant.speed == 1.0
                                   ? options_.max_false_positive_rate
                                   : options_.max_false_positive_rate_speed_variant;
      for (FoundSegment& f : found) {
        f.segment.false_positive_probability =
            std::min(1.0, f.segment.false_positive_probability * chances);
        if (f.segment.false_positive_probability > threshold) break;
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
          m.false_positive_probability = s.false_positive_probability;
          m.speed = variant.speed;
        }
        m.segments.push_back(s);
      }
      for (auto& [id, m] : here) {
        auto it = by_ref.find(id);
        if (it == by_ref.end() ||
            m.false_positive_probability < it->second.false_positive_probability) {
          by_ref[id] = std::move(m);
        }
      }
    }
  }
  std::vector<Match> out;
  out.reserve(by_ref.size());
  for (auto& [id, m] : by_ref) {
    m.score =
        -std::log10(std::max(m.false_positive_probability, std::numeric_limits<double>::min()));
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

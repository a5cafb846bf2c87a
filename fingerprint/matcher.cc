#include "fingerprint/matcher.h"

#include <algorithm>
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
// Votes are (virtual position - query position + kBias) << 16 | query position;
// query fingerprints longer than 2^16 positions are cut (over 2 h of audio).
constexpr std::uint64_t kBias = std::uint64_t{1} << 17;
constexpr std::size_t kMaxQueryPositions = 0xffff;

struct Candidate {
  std::uint32_t slot;
  int diagonal;
  std::uint32_t votes;
};

struct FoundSegment {
  std::uint32_t slot;
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
RefMask MaskFor(std::span<const std::uint32_t> r, long nq, long diag_lo, long diag_hi) {
  const long nr = static_cast<long>(r.size());
  RefMask m;
  m.start = std::max<long>(0, diag_lo - 3);
  const long end = std::min<long>(nr, nq + diag_hi + 2);
  if (end > m.start) {
    m.low = LowInformationMask(
        r.subspan(static_cast<std::size_t>(m.start), static_cast<std::size_t>(end - m.start)));
  }
  return m;
}

// Segments of one aligned pair. `qlow` is the query's low-information mask,
// `rmask` covers the aligned reference range (MaskFor).
std::vector<Segment> Segments(std::span<const std::uint32_t> q, const std::vector<bool>& qlow,
                              std::span<const std::uint32_t> r, const RefMask& rmask, int diag,
                              const ScoreModel& model) {
  std::vector<Segment> out;
  const long nq = static_cast<long>(q.size());
  const long nr = static_cast<long>(r.size());
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

bool SeedLooksAligned(std::span<const std::uint32_t> q, std::span<const std::uint32_t> r, long i,
                      int diag) {
  const long nq = static_cast<long>(q.size()), nr = static_cast<long>(r.size());
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

double Overlap(double a0, double a1, double b0, double b1) {
  return std::max(0.0, std::min(a1, b1) - std::max(a0, b0));
}

// Read access to an Index's segments; valid while the caller holds its shared
// lock. Slots: the base's refs, then the frozen delta's (while a merge runs),
// then the delta's; "delta slot" d counts across the frozen delta and the
// delta, and a delta position is base positions + (d << 16 | offset).
class View {
 public:
  View(const internal::BaseSegment& base, const internal::DeltaSegment* frozen,
       const internal::DeltaSegment& delta)
      : base_(base),
        frozen_(frozen),
        delta_(delta),
        nbase_refs_(static_cast<std::uint32_t>(base.refs.size())),
        nfrozen_refs_(frozen ? static_cast<std::uint32_t>(frozen->refs.size()) : 0) {}

  // Restricts Vote to the delta slots from `first_delta_slot` on (the
  // recordings added after an IndexMark).
  void OnlyDeltaFrom(std::uint32_t first_delta_slot) {
    with_base_ = false;
    first_delta_slot_ = first_delta_slot;
  }

  std::span<const std::uint32_t> Values(std::uint32_t slot) const {
    if (slot < nbase_refs_) {
      const auto& r = base_.refs[slot];
      return {base_.values.data() + r.start, r.length};
    }
    return DeltaRef(slot - nbase_refs_).values;
  }
  bool Live(std::uint32_t slot) const {
    if (slot < nbase_refs_) return base_.live[slot];
    const std::uint32_t d = slot - nbase_refs_;
    return d < nfrozen_refs_ ? frozen_->live[d] : delta_.live[d - nfrozen_refs_];
  }
  std::uint64_t RefId(std::uint32_t slot) const {
    return slot < nbase_refs_ ? base_.refs[slot].ref_id : DeltaRef(slot - nbase_refs_).ref_id;
  }

  // Appends one vote per posting of every informative query position.
  void Vote(std::span<const std::uint32_t> q, const std::vector<bool>& qlow, std::size_t max_list,
            std::vector<std::uint64_t>& votes) const {
    const std::uint64_t nbase = base_.values.size();
    // A delta segment's postings, its slots counted from `first_slot`.
    auto vote_delta = [&](const internal::DeltaSegment& d, std::uint32_t first_slot,
                          std::uint32_t key, std::size_t i) {
      if (d.postings.empty()) return;
      auto it = d.postings.find(key);
      if (it == d.postings.end() || it->second.size() > max_list) return;
      for (const std::uint32_t packed : it->second) {
        const std::uint64_t slot = first_slot + (packed >> 16);
        if (slot < first_delta_slot_) continue;
        const std::uint64_t pos = nbase + (slot << 16) + (packed & 0xffff);
        votes.push_back((pos + kBias - i) << 16 | i);
      }
    };
    for (std::size_t i = 0; i < q.size(); ++i) {
      if (qlow[i]) continue;
      const std::uint32_t key = IndexKey(q[i]);
      const std::uint32_t b = base_.BucketOf(key);
      const std::uint32_t lo = base_.bucket_start[b], hi = base_.bucket_start[b + 1];
      if (with_base_ && hi - lo <= max_list) {
        for (std::uint32_t e = lo; e < hi; ++e) {
          const std::uint64_t pos = base_.Entry(e);
          votes.push_back((pos + kBias - i) << 16 | i);
        }
      }
      if (frozen_ != nullptr) vote_delta(*frozen_, 0, key, i);
      vote_delta(delta_, nfrozen_refs_, key, i);
    }
  }

  // The (slot, diagonal) a vote stands for.
  Candidate Resolve(std::uint64_t vote, std::uint32_t count) const {
    const std::uint64_t i = vote & 0xffff;
    const std::uint64_t pos = (vote >> 16) - kBias + i;
    std::uint32_t slot;
    std::uint64_t offset;
    if (pos < base_.values.size()) {
      slot = base_.RefOfPosition(static_cast<std::uint32_t>(pos));
      offset = pos - base_.refs[slot].start;
    } else {
      const std::uint64_t d = pos - base_.values.size();
      slot = nbase_refs_ + static_cast<std::uint32_t>(d >> 16);
      offset = d & 0xffff;
    }
    return {slot, static_cast<int>(static_cast<long>(offset) - static_cast<long>(i)), count};
  }

 private:
  const internal::DeltaRef& DeltaRef(std::uint32_t d) const {
    return d < nfrozen_refs_ ? frozen_->refs[d] : delta_.refs[d - nfrozen_refs_];
  }

  const internal::BaseSegment& base_;
  const internal::DeltaSegment* frozen_;
  const internal::DeltaSegment& delta_;
  std::uint32_t nbase_refs_;
  std::uint32_t nfrozen_refs_;
  bool with_base_ = true;
  std::uint32_t first_delta_slot_ = 0;
};

// Stages 1-3 for one query variant: segments per slot, times in variant seconds.
std::vector<FoundSegment> FindVariant(const View& view, std::span<const std::uint32_t> q,
                                      const MatchOptions& options) {
  std::vector<FoundSegment> found;
  if (q.size() > kMaxQueryPositions) q = q.first(kMaxQueryPositions);
  const std::vector<bool> qlow = LowInformationMask(q);

  std::vector<std::uint64_t> votes;
  votes.reserve(q.size() * 16);
  view.Vote(q, qlow, options.max_posting_list, votes);
  std::sort(votes.begin(), votes.end());

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

  for (const Cluster& c : clusters) {
    const Candidate cand = view.Resolve(c.best_vote, c.total);
    if (!view.Live(cand.slot)) continue;
    const auto ref = view.Values(cand.slot);
    if (!SeedLooksAligned(q, ref, static_cast<long>(c.best_vote & 0xffff), cand.diagonal)) {
      continue;
    }
    // The vote peak can sit one step off the best alignment: keep the best of
    // three. Over a long match every probability underflows to the same floor
    // (the neighbours of the true diagonal err ~0.14, which is still far from
    // chance), so ties go to the alignment that errs least: else a
    // byte-identical full track was reported one position off at BER ~0.14.
    const RefMask rmask =
        MaskFor(ref, static_cast<long>(q.size()), cand.diagonal - 1, cand.diagonal + 1);
    std::vector<Segment> best;
    double best_fp = 2, best_ber = 1;
    for (int dd = -1; dd <= 1; ++dd) {
      std::vector<Segment> segs =
          Segments(q, qlow, ref, rmask, cand.diagonal + dd, options.score_model);
      double fp = 2, ber = 1;
      for (const auto& s : segs) {
        if (s.false_positive_probability < fp ||
            (s.false_positive_probability == fp && s.bit_error_rate < ber)) {
          fp = s.false_positive_probability;
          ber = s.bit_error_rate;
        }
      }
      if (fp < best_fp || (fp == best_fp && ber < best_ber)) {
        best_fp = fp;
        best_ber = ber;
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
  return Segments(query, LowInformationMask(query), ref, MaskFor(ref, nq, diagonal, diagonal),
                  diagonal, model);
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
    const auto lock = index_.ReadLock();
    View view(*index_.base_, index_.frozen_.get(), *index_.delta_);
    const std::size_t frozen_refs = index_.frozen_ ? index_.frozen_->refs.size() : 0;
    if (searched) *searched = {index_.merges_, frozen_refs + index_.delta_->refs.size()};
    if (since && since->merges == index_.merges_) {
      view.OnlyDeltaFrom(static_cast<std::uint32_t>(since->delta_refs));
    }
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

#include "registry/matching.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

namespace signet::registry {
namespace {

// Fills everything a match result shows about a work.
Result<WorkMatch> Describe(const Queries& queries, Work w) {
  WorkMatch m;
  SIGNET_ASSIGN_OR_RETURN(Artist a, queries.GetArtist(w.artist));
  m.artist_display_name = a.display_name;
  for (const auto& did : w.open_disputes) {
    SIGNET_ASSIGN_OR_RETURN(Dispute d, queries.GetDispute(did));
    m.disputes.push_back(std::move(d));
  }
  m.terms =
      ResolveTerms(w.terms ? &*w.terms : nullptr, a.default_terms ? &*a.default_terms : nullptr);
  m.work = std::move(w);
  return m;
}

// A work the index found, described; nullopt when it is not (yet) committed
// or has been withdrawn since.
Result<std::optional<WorkMatch>> DescribeLive(const Queries& queries, const std::string& id) {
  auto w = queries.GetWork(id);
  if (!w.ok()) {
    if (w.status().code() == Status::Code::kNotFound) return std::optional<WorkMatch>();
    return w.status();
  }
  if (w->withdrawn) return std::optional<WorkMatch>();
  SIGNET_ASSIGN_OR_RETURN(WorkMatch m, Describe(queries, std::move(*w)));
  return std::optional<WorkMatch>(std::move(m));
}

// The Chromaprint bit error rate of the segment `s` overlaps most, if any.
std::optional<double> ChromaprintBer(const fp::Match& c, const fp::FusedSegment& s) {
  std::optional<double> ber;
  double best = 0;
  for (const fp::Segment& cs : c.segments) {
    const double overlap =
        std::min(cs.query_end, s.query_end) - std::max(cs.query_start, s.query_start);
    if (overlap > best) {
      best = overlap;
      ber = cs.bit_error_rate;
    }
  }
  return ber;
}

Result<std::vector<WorkMatch>> DescribeFused(const Queries& queries,
                                             std::vector<WorkIndex::FusedFound> fused) {
  std::vector<WorkMatch> out;
  for (WorkIndex::FusedFound& f : fused) {
    SIGNET_ASSIGN_OR_RETURN(std::optional<WorkMatch> found, DescribeLive(queries, f.work_id));
    if (!found) continue;
    WorkMatch& m = *found;
    m.score = f.match.score;
    m.e_value = f.match.e_value;
    m.speed = f.match.tempo;
    m.tempo = f.match.tempo;
    m.pitch_semitones = f.match.pitch_semitones;
    m.chromaprint = f.match.chromaprint;
    m.landmark = f.match.landmark;
    for (const fp::FusedSegment& s : f.match.segments) {
      MatchSegment seg{s.query_start, s.query_end, s.ref_start, s.ref_end, 0,
                       s.chromaprint, s.landmark};
      if (s.chromaprint && f.chromaprint) {
        if (auto ber = ChromaprintBer(*f.chromaprint, s)) seg.bit_error_rate = *ber;
      }
      m.segments.push_back(seg);
    }
    out.push_back(std::move(m));
  }
  // In fp::Fuse's order: by significance, but among certain works those both
  // prints found first (fusion.h), so not re-sorted by score here.
  return out;
}

}  // namespace

Result<std::vector<WorkMatch>> MatchWorks(const Queries& queries, const IndexBackend& index,
                                          std::span<const fp::QueryVariant> variants,
                                          const fp::LandmarkPrint* landmark,
                                          SearchCoverage* coverage) {
  if (landmark) {
    if (auto fused = index.FindFused(variants, *landmark)) {
      if (coverage) *coverage = SearchCoverage{};
      return DescribeFused(queries, std::move(*fused));
    }
  }
  SIGNET_ASSIGN_OR_RETURN(FoundWorks found, index.Find(variants));
  if (coverage) *coverage = found.coverage;
  std::vector<WorkMatch> out;
  for (WorkIndex::Found& f : found.found) {
    SIGNET_ASSIGN_OR_RETURN(std::optional<WorkMatch> described, DescribeLive(queries, f.work_id));
    if (!described) continue;
    WorkMatch& m = *described;
    m.score = f.match.score;
    m.e_value = f.match.e_value;
    m.speed = f.match.speed;
    m.tempo = f.match.speed;
    for (const auto& s : f.match.segments) {
      m.segments.push_back({s.query_start, s.query_end, s.ref_start, s.ref_end, s.bit_error_rate});
    }
    out.push_back(std::move(m));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const WorkMatch& a, const WorkMatch& b) { return a.score > b.score; });
  return out;
}

Result<CheckResult> CheckItem(const Queries& queries, const IndexBackend& index,
                              const CheckRequest& req) {
  if (!req.fingerprint && !req.sha256) {
    return Status::InvalidArgument("a check item needs a fingerprint, a sha256, or both");
  }
  if (req.landmark && !req.fingerprint) {
    return Status::InvalidArgument(
               "a check item's landmark print goes with its fingerprint; send both")
        .WithField("landmark");
  }
  std::vector<WorkMatch> works;
  SearchCoverage coverage;
  if (req.sha256) {
    SIGNET_ASSIGN_OR_RETURN(auto id, queries.WorkIdBySha256(*req.sha256));
    if (id) {
      SIGNET_ASSIGN_OR_RETURN(Work w, queries.GetWork(*id));
      if (!w.withdrawn) {
        SIGNET_ASSIGN_OR_RETURN(WorkMatch m, Describe(queries, std::move(w)));
        m.score = 1.0;
        m.e_value = 0;
        works.push_back(std::move(m));
      }
    }
  }
  if (req.fingerprint) {
    const fp::QueryVariant query{*req.fingerprint, 1.0};
    SIGNET_ASSIGN_OR_RETURN(auto matched,
                            MatchWorks(queries, index, std::span<const fp::QueryVariant>(&query, 1),
                                       req.landmark ? &*req.landmark : nullptr, &coverage));
    for (auto& m : matched) {
      bool seen = false;
      for (const auto& e : works) seen = seen || e.work.id == m.work.id;
      if (!seen) works.push_back(std::move(m));
    }
  }
  CheckResult out;
  out.coverage = coverage;
  std::vector<VerdictResult> verdicts;
  for (auto& m : works) {
    VerdictResult v = DecideVerdict(m.terms, req.purpose, req.licences, !m.disputes.empty());
    verdicts.push_back(v);
    out.works.push_back({std::move(m), std::move(v)});
  }
  out.verdict = CombineVerdicts(verdicts);
  // More works can only make a verdict stricter, so a search of part of the
  // registry (a cluster with a shard down) is final only when it is already
  // the strictest; anything else could clear an item the rest would not.
  if (!coverage.complete() && out.verdict.verdict != Verdict::kNotAllowed) {
    return Status::Unavailable(
        "only " + std::to_string(coverage.shards_searched) + " of " +
        std::to_string(coverage.shards) +
        " parts of the fingerprint index answered; a verdict from part of the registry could "
        "clear this item wrongly, so check it again later");
  }
  return out;
}

}  // namespace signet::registry

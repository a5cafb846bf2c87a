#include "registry/matching.h"

#include <algorithm>
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

}  // namespace

Result<std::vector<WorkMatch>> MatchWorks(const Queries& queries, const WorkIndex& index,
                                          std::span<const fp::QueryVariant> variants) {
  std::vector<WorkMatch> out;
  for (WorkIndex::Found& f : index.Find(variants)) {
    auto w = queries.GetWork(f.work_id);
    if (!w.ok()) {
      if (w.status().code() == Status::Code::kNotFound) continue;  // not yet committed
      return w.status();
    }
    if (w->withdrawn) continue;
    SIGNET_ASSIGN_OR_RETURN(WorkMatch m, Describe(queries, std::move(*w)));
    m.score = f.match.score;
    m.speed = f.match.speed;
    for (const auto& s : f.match.segments) {
      m.segments.push_back({s.query_start, s.query_end, s.ref_start, s.ref_end, s.bit_error_rate});
    }
    out.push_back(std::move(m));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const WorkMatch& a, const WorkMatch& b) { return a.score > b.score; });
  return out;
}

Result<CheckResult> CheckItem(const Queries& queries, const WorkIndex& index,
                              const CheckRequest& req) {
  if (!req.fingerprint && !req.sha256) {
    return Status::InvalidArgument("a check item needs a fingerprint, a sha256, or both");
  }
  std::vector<WorkMatch> works;
  if (req.sha256) {
    SIGNET_ASSIGN_OR_RETURN(auto id, queries.WorkIdBySha256(*req.sha256));
    if (id) {
      SIGNET_ASSIGN_OR_RETURN(Work w, queries.GetWork(*id));
      if (!w.withdrawn) {
        SIGNET_ASSIGN_OR_RETURN(WorkMatch m, Describe(queries, std::move(w)));
        m.score = 1.0;
        works.push_back(std::move(m));
      }
    }
  }
  if (req.fingerprint) {
    const fp::QueryVariant query{*req.fingerprint, 1.0};
    SIGNET_ASSIGN_OR_RETURN(
        auto matched, MatchWorks(queries, index, std::span<const fp::QueryVariant>(&query, 1)));
    for (auto& m : matched) {
      bool seen = false;
      for (const auto& e : works) seen = seen || e.work.id == m.work.id;
      if (!seen) works.push_back(std::move(m));
    }
  }
  CheckResult out;
  std::vector<VerdictResult> verdicts;
  for (auto& m : works) {
    VerdictResult v = DecideVerdict(m.terms, req.purpose, req.licences, !m.disputes.empty());
    verdicts.push_back(v);
    out.works.push_back({std::move(m), std::move(v)});
  }
  out.verdict = CombineVerdicts(verdicts);
  return out;
}

}  // namespace signet::registry

#include "registry/work_index.h"

#include <algorithm>
#include <iterator>
#include <mutex>
#include <utility>

#include "registry/keys.h"
#include "registry/records.h"

namespace signet::registry {

WorkIndex::WorkIndex(fp::IndexOptions index, fp::MatcherOptions matcher)
    : index_(std::move(index)), matcher_(std::move(matcher)) {}

Status WorkIndex::Load(const Store& store) {
  // One base build at Compact() instead of a geometric series of merges.
  index_.BeginBulkLoad();
  Status decode_status;
  SIGNET_RETURN_IF_ERROR(
      store.Scan(Column::kFingerprints, "", "", [&](std::string_view key, std::string_view value) {
        auto ref = keys::ParseU64Key(key);
        auto rec = records::DecodeFingerprint(value);
        if (!ref.ok() || !rec.ok()) {
          decode_status = ref.ok() ? rec.status() : ref.status();
          return false;
        }
        if (rec->live) {
          Status added = index_.Add(*ref, rec->values);
          if (!added.ok()) {
            decode_status = added.WithContext("rebuilding the fingerprint index");
            return false;
          }
          refs_[*ref] = rec->work_id;
        }
        return true;
      }));
  SIGNET_RETURN_IF_ERROR(decode_status);
  index_.Compact();
  return Status::Ok();
}

EarlySearch WorkIndex::SearchEarly(std::span<const std::uint32_t> values) const {
  EarlySearch s;
  s.matches = MakeMatcher().Find(values, &s.mark);
  return s;
}

Result<std::vector<Overlap>> WorkIndex::FindOverlaps(std::span<const std::uint32_t> values,
                                                     const EarlySearch* early) const {
  std::vector<fp::Match> matches;
  if (early) {
    matches = early->matches;
    std::vector<fp::Match> since = MakeMatcher().FindAddedSince(values, early->mark);
    matches.insert(matches.end(), std::make_move_iterator(since.begin()),
                   std::make_move_iterator(since.end()));
  } else {
    matches = MakeMatcher().Find(values);
  }
  return ToOverlaps(matches);
}

namespace {

// The union of the segments' query spans, in seconds.
double SharedSeconds(const fp::Match& m) {
  std::vector<std::pair<double, double>> spans;
  for (const fp::Segment& s : m.segments) spans.emplace_back(s.query_start, s.query_end);
  std::sort(spans.begin(), spans.end());
  double total = 0, end = -1;
  for (const auto& [a, b] : spans) {
    const double from = std::max(a, end);
    if (b > from) total += b - from;
    end = std::max(end, b);
  }
  return total;
}

}  // namespace

std::vector<Overlap> WorkIndex::ToOverlaps(const std::vector<fp::Match>& matches) const {
  std::vector<Overlap> out;
  for (const fp::Match& m : matches) {
    std::shared_lock lock(refs_mu_);
    auto it = refs_.find(m.ref_id);
    if (it == refs_.end()) continue;
    out.push_back({it->second, m.score, SharedSeconds(m)});
  }
  return out;
}

std::vector<WorkIndex::Found> WorkIndex::Find(std::span<const fp::QueryVariant> variants) const {
  std::vector<fp::Match> found = MakeMatcher().Find(variants);
  std::vector<Found> out;
  for (fp::Match& m : found) {
    std::string id;
    {
      std::shared_lock lock(refs_mu_);
      auto it = refs_.find(m.ref_id);
      if (it == refs_.end()) continue;
      id = it->second;
    }
    out.push_back({std::move(id), std::move(m)});
  }
  return out;
}

Status WorkIndex::Add(std::uint64_t ref, std::string work_id,
                      std::span<const std::uint32_t> values) {
  std::unique_lock lock(refs_mu_);
  SIGNET_RETURN_IF_ERROR(index_.Add(ref, values));
  refs_[ref] = std::move(work_id);
  return Status::Ok();
}

void WorkIndex::Remove(std::span<const std::uint64_t> refs) {
  if (refs.empty()) return;
  std::unique_lock lock(refs_mu_);
  for (std::uint64_t ref : refs) {
    index_.Remove(ref);
    refs_.erase(ref);
  }
}

std::size_t WorkIndex::works() const {
  std::shared_lock lock(refs_mu_);
  return refs_.size();
}

}  // namespace signet::registry

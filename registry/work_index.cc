#include "registry/work_index.h"

#include <algorithm>
#include <iterator>
#include <mutex>
#include <utility>

#include "fingerprint/landmark_matcher.h"
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

  landmarks_.BeginBulkLoad();
  SIGNET_RETURN_IF_ERROR(
      store.Scan(Column::kLandmarks, "", "", [&](std::string_view key, std::string_view value) {
        auto ref = keys::ParseU64Key(key);
        if (!ref.ok()) {
          decode_status = ref.status();
          return false;
        }
        if (!refs_.contains(*ref)) return true;  // withdrawn: its print stays stored
        auto rec = records::DecodeLandmark(value);
        if (!rec.ok()) {
          decode_status = rec.status();
          return false;
        }
        Status added = landmarks_.Add(*ref, rec->print);
        if (!added.ok()) {
          decode_status = added.WithContext("rebuilding the landmark index");
          return false;
        }
        return true;
      }));
  SIGNET_RETURN_IF_ERROR(decode_status);
  landmarks_.Compact();
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

std::vector<WorkIndex::FusedFound> WorkIndex::FindFused(std::span<const fp::QueryVariant> variants,
                                                        const fp::LandmarkPrint& landmark) const {
  // Each print reports candidates up to a looser bar than its own default, so
  // that fusion sees agreements; fp::Fuse applies the one bar (fusion.h).
  const double refs = static_cast<double>(works());
  const fp::MatchOptions chroma_options = fp::ChromaprintLoosened(matcher_, refs);
  fp::LandmarkMatchOptions landmark_options;
  landmark_options.max_pair_probability = 1e-4;
  std::vector<fp::Match> chroma = fp::Matcher(index_, chroma_options).Find(variants);
  std::vector<fp::LandmarkMatch> marks =
      fp::LandmarkMatcher(landmarks_, landmark_options).Find(landmark);
  std::vector<FusedFound> out;
  fp::FusionOptions fusion;
  fusion.chromaprint_references = std::max(refs, chroma_options.min_references);
  for (fp::FusedMatch& f : fp::Fuse(chroma, marks, works(), fusion)) {
    FusedFound found;
    {
      std::shared_lock lock(refs_mu_);
      auto it = refs_.find(f.ref_id);
      if (it == refs_.end()) continue;
      found.work_id = it->second;
    }
    for (fp::Match& c : chroma) {
      if (c.ref_id == f.ref_id) found.chromaprint = std::move(c);
    }
    found.match = std::move(f);
    out.push_back(std::move(found));
  }
  return out;
}

Status WorkIndex::AddLandmark(std::uint64_t ref, const fp::LandmarkPrint& print) {
  std::unique_lock lock(refs_mu_);
  return landmarks_.Add(ref, print);
}

void WorkIndex::RestoreLandmarks(const Store& store, std::span<const std::uint64_t> refs) {
  for (std::uint64_t ref : refs) {
    std::optional<fp::LandmarkPrint> print;
    auto stored = store.Get(Column::kLandmarks, keys::LandmarkKey(ref));
    if (stored.ok() && *stored) {
      if (auto rec = records::DecodeLandmark(**stored); rec.ok()) print = std::move(rec->print);
    }
    std::unique_lock lock(refs_mu_);
    if (print && refs_.contains(ref)) {
      if (landmarks_.Add(ref, *print).ok()) continue;
    }
    landmarks_.Remove(ref);
  }
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
    landmarks_.Remove(ref);
    refs_.erase(ref);
  }
}

std::size_t WorkIndex::works() const {
  std::shared_lock lock(refs_mu_);
  return refs_.size();
}

}  // namespace signet::registry

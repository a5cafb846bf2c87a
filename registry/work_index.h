// WorkIndex: the in-memory indexes of live works, Chromaprint's (fingerprint/
// index.h) and the landmark print's (fingerprint/landmark_index.h, for the
// works whose registration carries one), with the map from their ref ids to
// work ids. A work's ref id is the log index of its first registration
// (registry/STORAGE.md, kFingerprints and kLandmarks); both indexes use it.
// Rebuilt from the Store at Open; afterwards the group-commit writer adds a
// work's recording as soon as its statement is applied (so that later
// statements of the same group find it), removes added ones again when the
// group's write fails, and removes withdrawn works once their group is
// durable. It answers the dispute search of the statement applier
// (OverlapFinder) and the matches of queries.
//
// Thread safety: every method may be called from any thread at once; Load
// only before the others.
#pragma once

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "fingerprint/fusion.h"
#include "fingerprint/index.h"
#include "fingerprint/landmark_index.h"
#include "fingerprint/matcher.h"
#include "registry/overlap_finder.h"
#include "registry/store.h"

namespace signet::registry {

class WorkIndex : public OverlapFinder {
 public:
  WorkIndex(fp::IndexOptions index, fp::MatcherOptions matcher);

  // Indexes every live entry of kFingerprints and the landmark prints of
  // those works (kLandmarks); one base build each (fingerprint/INDEX.md).
  // REQUIRES: called once, on an empty index, before anything else.
  Status Load(const Store& store);

  // The dispute search of a verified work.register, on the submitter's thread.
  EarlySearch SearchEarly(std::span<const std::uint32_t> values) const;
  // OverlapFinder: completes `early` (or searches everything without it).
  Result<std::vector<Overlap>> FindOverlaps(std::span<const std::uint32_t> values,
                                            const EarlySearch* early) const override;

  // The works a query contains, in the matcher's order; refs whose work has
  // just been removed are left out.
  struct Found {
    std::string work_id;
    fp::Match match;
  };
  std::vector<Found> Find(std::span<const fp::QueryVariant> variants) const;

  // An audio query's both prints, merged per work (fingerprint/fusion.h):
  // Chromaprint over `variants` and the landmark matcher over `landmark` (a
  // query print, LandmarkOptions::Query()), each at the looser bar fusion
  // needs, then one bar over the whole registry. `chromaprint` is that
  // print's own match of the work, when it found one (for its bit error rates).
  struct FusedFound {
    std::string work_id;
    fp::FusedMatch match;
    std::optional<fp::Match> chromaprint;
  };
  std::vector<FusedFound> FindFused(std::span<const fp::QueryVariant> variants,
                                    const fp::LandmarkPrint& landmark) const;

  // Indexes `values` under `ref` for `work_id` (errors: fingerprint/index.h).
  Status Add(std::uint64_t ref, std::string work_id, std::span<const std::uint32_t> values);
  // Drops each ref from both indexes and the map.
  void Remove(std::span<const std::uint64_t> refs);
  // Indexes a landmark print under `ref`, replacing one indexed before.
  // REQUIRES: `ref` was added (Add or Load). Errors: fingerprint/landmark_index.h.
  Status AddLandmark(std::uint64_t ref, const fp::LandmarkPrint& print);
  // After a failed write: each ref's landmark print as `store` holds it
  // (dropped when it holds none, or the work is no longer indexed).
  void RestoreLandmarks(const Store& store, std::span<const std::uint64_t> refs);

  std::size_t works() const;  // indexed (live) works
  std::size_t positions() const { return index_.positions(); }
  std::size_t landmark_works() const { return landmarks_.size(); }
  // Walks the index's mutable part: ask rarely (fingerprint/index.h).
  std::size_t MemoryBytes() const { return index_.MemoryBytes(); }

 private:
  fp::Matcher MakeMatcher() const { return fp::Matcher(index_, matcher_); }
  std::vector<Overlap> ToOverlaps(const std::vector<fp::Match>& matches) const;

  fp::Index index_;
  fp::LandmarkIndex landmarks_;
  fp::MatcherOptions matcher_;
  // Guards refs_ and orders index updates with it: a ref is in refs_ for as
  // long as the index holds it.
  mutable std::shared_mutex refs_mu_;
  std::unordered_map<std::uint64_t, std::string> refs_;
};

}  // namespace signet::registry

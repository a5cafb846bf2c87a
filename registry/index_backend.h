// IndexBackend: where the registry's fingerprint index lives. Everything the
// registry does with the index goes through it: the rebuild at Open, the
// dispute search of a work.register (early on the submitter's thread, then
// completed by the writer: OverlapFinder), the matches of queries, and the
// additions and removals of applied statements.
//
// LocalIndex is one machine's backend, one WorkIndex (registry/work_index.h)
// holding every live work; the Registry makes one unless RegistryOptions names
// another. A cluster (cluster/sharded_index.h) indexes only some shards
// locally and fans the rest out to other machines; its searches can fail or
// cover less than the whole registry, which is why Find answers how much it
// searched and why the early dispute search is a Result.
//
// Thread safety: every method may be called from any thread at once; Open only
// before the others.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "crypto/sha256.h"
#include "fingerprint/index.h"
#include "fingerprint/matcher.h"
#include "registry/model.h"
#include "registry/overlap_finder.h"
#include "registry/store.h"
#include "registry/work_index.h"

namespace signet::registry {

class TransparencyLog;

// The works a query contains and how much of the registry was searched.
struct FoundWorks {
  std::vector<WorkIndex::Found> found;  // the matcher's order, best first
  SearchCoverage coverage;
};

class IndexBackend : public OverlapFinder {
 public:
  // Indexes the live entries of kFingerprints that this backend holds:
  // resumes a persisted index (replaying the log after its cover) or starts
  // rebuilding it (registry/work_index.h). REQUIRES: called once, before
  // anything else; `store` and `log` outlive the backend.
  virtual Status Open(const Store& store, const TransparencyLog& log) = 0;
  // Every live work this backend holds is indexed (false while a rebuild runs:
  // searches then answer from the works indexed so far).
  virtual bool complete() const = 0;
  // Waits for complete(); false when `timeout` passed first or the rebuild failed.
  virtual bool WaitUntilComplete(std::chrono::milliseconds timeout) const = 0;
  // Why a rebuild failed; Ok otherwise.
  virtual Status failed() const = 0;

  // The dispute search of a verified work.register so far. An error
  // (Unavailable) when part of the index cannot be searched: the statement is
  // refused rather than accepted with a dispute missed.
  virtual Result<EarlySearch> SearchEarly(std::span<const std::uint32_t> values) const = 0;

  // The works the query's variants contain (fingerprint/matcher.h Find),
  // refs whose work has just been removed left out.
  virtual Result<FoundWorks> Find(std::span<const fp::QueryVariant> variants) const = 0;

  // An applied statement made a work live / withdrew it (registry/applier.h
  // IndexUpdate). Add's errors: fingerprint/index.h.
  virtual Status Add(std::uint64_t ref, std::string work_id,
                     std::span<const std::uint32_t> values) = 0;
  virtual void Remove(std::span<const std::uint64_t> refs) = 0;
  // A group is durable and its index changes applied: the index reflects the
  // log of `tree_size` leaves with root `root` (what a persisted index resumes from).
  virtual void Committed(std::uint64_t tree_size, const crypto::Digest& root) = 0;

  // The landmark prints of live works (registry/work_index.h). A backend that
  // holds none (a cluster's sharded index, for now: docs/CLUSTER.md) keeps
  // these defaults and answers audio queries with Chromaprint alone.
  virtual Status AddLandmark(std::uint64_t /*ref*/, const fp::LandmarkPrint& /*print*/) {
    return Status::Ok();
  }
  virtual void RestoreLandmarks(const Store& /*store*/, std::span<const std::uint64_t> /*refs*/) {}
  // Both prints merged per work (WorkIndex::FindFused); nullopt when this
  // backend holds no landmark prints.
  virtual std::optional<std::vector<WorkIndex::FusedFound>> FindFused(
      std::span<const fp::QueryVariant> /*variants*/, const fp::LandmarkPrint& /*landmark*/) const {
    return std::nullopt;
  }
  virtual std::size_t landmark_works() const { return 0; }

  // Sizes for statistics: works and positions indexed here; MemoryBytes walks
  // the index's mutable part (ask rarely).
  virtual std::size_t works() const = 0;
  virtual std::size_t positions() const = 0;
  virtual std::size_t MemoryBytes() const = 0;
  // The local index's figures (segments, disk bytes; fingerprint/index.h).
  virtual fp::IndexStats IndexStats() const = 0;
};

class LocalIndex final : public IndexBackend {
 public:
  explicit LocalIndex(WorkIndexOptions options) : index_(std::move(options)) {}

  Status Open(const Store& store, const TransparencyLog& log) override {
    return index_.Open(store, log);
  }
  bool complete() const override { return index_.complete(); }
  bool WaitUntilComplete(std::chrono::milliseconds timeout) const override {
    return index_.WaitUntilComplete(timeout);
  }
  Status failed() const override { return index_.failed(); }
  Result<EarlySearch> SearchEarly(std::span<const std::uint32_t> values) const override {
    return index_.SearchEarly(values);
  }
  Result<std::vector<Overlap>> FindOverlaps(std::span<const std::uint32_t> values,
                                            const EarlySearch* early) const override {
    return index_.FindOverlaps(values, early);
  }
  Result<FoundWorks> Find(std::span<const fp::QueryVariant> variants) const override {
    return FoundWorks{index_.Find(variants), {}};
  }
  Status Add(std::uint64_t ref, std::string work_id,
             std::span<const std::uint32_t> values) override {
    return index_.Add(ref, work_id, values);
  }
  void Remove(std::span<const std::uint64_t> refs) override { index_.Remove(refs); }
  void Committed(std::uint64_t tree_size, const crypto::Digest& root) override {
    index_.Committed(tree_size, root);
  }
  Status AddLandmark(std::uint64_t ref, const fp::LandmarkPrint& print) override {
    return index_.AddLandmark(ref, print);
  }
  void RestoreLandmarks(const Store& store, std::span<const std::uint64_t> refs) override {
    index_.RestoreLandmarks(store, refs);
  }
  std::optional<std::vector<WorkIndex::FusedFound>> FindFused(
      std::span<const fp::QueryVariant> variants,
      const fp::LandmarkPrint& landmark) const override {
    return index_.FindFused(variants, landmark);
  }
  std::size_t landmark_works() const override { return index_.landmark_works(); }
  std::size_t works() const override { return index_.works(); }
  std::size_t positions() const override { return index_.positions(); }
  std::size_t MemoryBytes() const override { return index_.MemoryBytes(); }
  fp::IndexStats IndexStats() const override { return index_.IndexStats(); }

 private:
  WorkIndex index_;
};

}  // namespace signet::registry

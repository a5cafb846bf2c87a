// The landmark index: for every registered recording, its reference peaks (kept
// for verification, ~2.1 B per peak) and one posting per triplet group
// (landmark_hash.h), in bucket lists keyed by the group's invariant hash and
// its anchor-pitch and span classes, so that a query scans each class range it
// may fall into as one contiguous run. Layout, sizes and why:
// fingerprint/LANDMARK.md, "Index layout".
//
// Structure, like the Chromaprint index (index.h): an immutable base of flat
// POD arrays (bucket offsets, bit-packed entries, peak codes, per-reference
// rows: what a persisted, memory-mapped segment holds) plus a mutable delta
// for run-time additions and tombstones for withdrawals; when the delta grows
// past a fraction of the base it is frozen and merged into a new base on a
// thread of its own, queries meanwhile searching old base + frozen delta +
// delta.
//
// Thread safety: all methods may be called from any threads. Add / Remove /
// Compact serialise among themselves; queries (LandmarkMatcher::Find) hold a
// shared lock for one query.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "common/status.h"
#include "fingerprint/index.h"
#include "fingerprint/landmark.h"

namespace signet::fp {

// Recordings longer than this many frames (about 3 h 10 min) are refused.
inline constexpr std::uint32_t kMaxLandmarkFrames = 1u << 19;
// And prints with more peaks than this (40 per second over that length).
inline constexpr std::size_t kMaxLandmarkPeaks = std::size_t{40} * 11'000;

struct LandmarkIndexOptions {
  std::size_t merge_min_postings = std::size_t{1} << 20;
  double merge_fraction = 0.25;
  // Where the base persists (created when missing; the registry's
  // index/landmark/); empty: in memory only. See the constructor.
  std::filesystem::path directory;
};

struct LandmarkIndexStats {
  std::size_t recordings = 0;  // live
  std::size_t peaks = 0;       // of live recordings
  std::size_t postings = 0;    // of live recordings
  double seconds = 0;          // audio of live recordings
  std::size_t base_postings = 0;
  std::size_t delta_postings = 0;
  int bucket_bits = 0;
  int entry_bits = 0;
  std::size_t posting_bytes = 0;  // bucket table + packed entries + delta postings
  std::size_t peak_bytes = 0;     // peak codes and their time checkpoints
  std::size_t memory_bytes = 0;   // everything
  std::size_t merges = 0;
  std::string last_error;  // the last failed write of the base, if any
};

class LandmarkMatcher;
namespace internal {
struct LandmarkBase;
struct LandmarkDelta;
}  // namespace internal

class LandmarkIndex {
 public:
  // With options.directory: opens the base a previous run left there
  // ("landmark-<id>.seg" and a MANIFEST, written by the code of the
  // Chromaprint index's: segment_manifest.h); open_report() says what was
  // found, and the cover it reflects. A missing, damaged or inconsistent file
  // discards the directory's landmark files (the report says why) and the
  // index starts empty, for the owner to rebuild. Every merge then writes the
  // new base and a manifest naming it with the cover set before the merge
  // froze the delta, so the owner replays from that cover.
  explicit LandmarkIndex(LandmarkIndexOptions options = {});
  ~LandmarkIndex();
  LandmarkIndex(const LandmarkIndex&) = delete;
  LandmarkIndex& operator=(const LandmarkIndex&) = delete;

  // Indexes a reference print under ref_id with the owner's tag (the
  // registry's work id, as in the Chromaprint index), replacing a previous one.
  // Errors: kInvalidArgument when the print is longer than kMaxLandmarkFrames
  // or holds more than kMaxLandmarkPeaks peaks or its peaks are out of order.
  Status Add(std::uint64_t ref_id, const LandmarkPrint& print, const IndexTag& tag = {});
  bool Remove(std::uint64_t ref_id);
  bool Contains(std::uint64_t ref_id) const;
  // The tag `ref_id` was added with; nullopt when it is not indexed.
  std::optional<IndexTag> Tag(std::uint64_t ref_id) const;

  // Start-up: Add only stores prints until Compact() builds the base once.
  void BeginBulkLoad();
  // Merges the delta now and returns when done; ends a bulk load.
  void Compact();
  void WaitForMerge();

  // Persistence of the base: the recordings the last merge or bulk load
  // indexed, not the delta. (The manifest and cover that make it a resumable
  // index directory are the next step of INDEX.md, "Landmark segments".)
  // Writes the base to the segment file `path` (landmark_segment.h) and serves
  // it from the file's mapping from then on; Add and Remove wait meanwhile.
  // Errors: kIoError when the file cannot be written; the index is unchanged.
  Status WriteBase(const std::filesystem::path& path);
  // Serves the base stored at `path`, verified in full. REQUIRES: nothing
  // indexed yet. Errors: kInternal for a missing, truncated, damaged or
  // inconsistent file (the message names the file and what is wrong),
  // kFailedPrecondition when the index is not empty; the index is unchanged.
  Status OpenBase(const std::filesystem::path& path);

  // Empties the index and removes its files (a rebuild follows).
  void Reset();
  // Whether merges and Persist write to the directory (on by default). An
  // owner rebuilding the index turns it off until everything is loaded, so
  // that no partial base is ever stored with a cover.
  void SetPersisting(bool on);
  // Clean shutdown: makes the directory reflect everything added and
  // withdrawn up to the last SetCover (a merge when the delta holds
  // recordings, else a manifest with the withdrawals), so the next start
  // replays nothing. Errors: kIoError; no-op without a directory.
  Status Persist();

  // The owner's state that the additions and withdrawals so far reflect (the
  // registry: log size and root); recorded with the next base written.
  void SetCover(const IndexCover& cover);
  const IndexOpenReport& open_report() const { return report_; }

  std::size_t size() const;
  LandmarkIndexStats Stats() const;

 private:
  friend class LandmarkMatcher;
  void StartMergeLocked();
  void RunMerge();
  void OpenDirectory();
  // Writes `fresh` and a manifest naming it with `cover`; returns the mapped
  // base, or `fresh` itself when writing failed (the error kept for Stats).
  std::unique_ptr<internal::LandmarkBase> WriteBaseFile(
      std::unique_ptr<internal::LandmarkBase> fresh, const std::optional<IndexCover>& cover);
  void WaitForMergeLocked(std::unique_lock<std::mutex>& writer);
  std::shared_lock<std::shared_mutex> ReadLock() const;
  std::unique_lock<std::shared_mutex> WriteLock();

  LandmarkIndexOptions options_;
  mutable std::mutex writer_;
  mutable std::mutex turnstile_;
  mutable std::shared_mutex mu_;
  std::unique_ptr<internal::LandmarkBase> base_;
  std::unique_ptr<internal::LandmarkDelta> frozen_;
  std::unique_ptr<internal::LandmarkDelta> delta_;
  // Live ref_id -> where it is: (segment 0 base, 1 frozen, 2 delta) << 32 | row.
  std::unordered_map<std::uint64_t, std::uint64_t> where_;
  std::size_t merges_ = 0;
  IndexOpenReport report_;
  std::optional<IndexCover> cover_;        // the latest SetCover
  std::optional<IndexCover> merge_cover_;  // cover_ when the merging delta was frozen
  std::uint64_t next_file_id_ = 1;
  std::uint64_t base_file_id_ = 0;  // the file base_ maps; 0: none
  bool persisting_ = true;
  std::string last_error_;
  bool bulk_load_ = false;
  bool merging_ = false;
  std::condition_variable merge_done_;
  std::thread merger_;
};

}  // namespace signet::fp

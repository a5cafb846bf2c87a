// The fingerprint index: every position of every registered recording, keyed
// on the bits of Chromaprint sub-fingerprints that survive degradation, so
// that an excerpt taken anywhere in a recording is found. Layout, formats,
// measured sizes and the reasons behind them: fingerprint/INDEX.md.
//
// Ownership: the Index keeps its own copy of every reference's sub-fingerprints
// (compressed, ~2.2 bytes per position, used by the Matcher to verify
// candidates) next to its posting lists (~3.4 bytes per position), and an
// owner-defined 16-byte tag per reference. The registry stays the source of
// truth (RocksDB) and tells the index, with SetCover, which of its states the
// index reflects, so that a restart only replays what came after.
//
// Structure: immutable segments (compressed postings and values, one file
// each when the index has a directory, memory-mapped) plus a mutable delta
// of recent additions and tombstones for withdrawals. A full delta is frozen
// and flushed into a new segment by a thread of its own, and a second thread
// merges segments in size tiers (and all of them into one once the index has
// been idle a while); a merge drops withdrawn recordings. Slots (a
// reference's place in the index) never change, so merging needs no
// renumbering and no lock while it runs.
//
// Thread safety: all methods may be called concurrently from any threads.
// Add/Remove/Compact serialise among themselves on a writer mutex held for
// the in-memory insertion only; queries (Matcher::Find) take a snapshot in a
// few hundred nanoseconds and then run without any lock, so neither waits for
// the other, a flush or a merge.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace signet::fp {

// Width of the index key derived from one sub-fingerprint (see IndexKey).
// Segments store all of it; lookups use a prefix that grows with the index
// (12 bits for a small index, 27 from ~630k recordings of 3.5 min on), so
// that a posting list holds ~8-16 entries at any size (INDEX.md).
inline constexpr int kIndexKeyBits = 27;

// The index key of one sub-fingerprint: kIndexKeyBits of its 32 bits, most
// robust first (measured bit flip rates under MP3 32 kbps and 10 dB white
// noise, INDEX.md), so that a shorter key is a prefix: key >> (27 - b).
std::uint32_t IndexKey(std::uint32_t value);

// True when position i of `values` lies in a near-silent or static stretch
// (neighbouring sub-fingerprints barely change). Such stretches in unrelated
// recordings match each other, so they are neither indexed nor counted as
// evidence. Returns one flag per position.
std::vector<bool> LowInformationMask(std::span<const std::uint32_t> values);

// An owner-defined label kept with each reference (the registry stores the
// work id in it); persisted with the segments.
using IndexTag = std::array<std::uint8_t, 16>;

// What the owner's state was when the index reflected it: a position in the
// owner's history (the registry: its log size) and a digest of that state
// (the registry: the log's root hash at that size). The index stores the
// cover it persisted with its segments; Open reports it, and the owner checks
// it against its own history and replays only what came after.
struct IndexCover {
  std::uint64_t position = 0;
  std::array<std::uint8_t, 32> digest{};
  bool operator==(const IndexCover&) const = default;
};

struct IndexOptions {
  // Where segments persist (created when missing); empty: in memory only.
  std::filesystem::path directory;
  // The delta is frozen and flushed into a segment when it holds this many
  // positions (at most 2^24 - 60,000).
  std::size_t delta_max_positions = std::size_t{8} << 20;
  // This many segments of one size class (a factor of merge_factor apart)
  // are merged into one.
  std::size_t merge_factor = 4;
  // Once no flush has happened for this long, every segment is merged into
  // one (so queries look up one posting list per key); zero: never.
  std::chrono::milliseconds compact_when_idle{20000};
  // The delta is flushed (or, when empty, the manifest rewritten) once the
  // owner's cover has moved this many positions past the persisted one, so a
  // restart never replays more than that.
  std::uint64_t max_cover_lag = 10000;
  // Checksums of large sections are verified by a background thread after
  // Open; on a mismatch `on_damage` is called from that thread.
  bool verify_in_background = true;
  std::function<void(const Status&)> on_damage;
  // Tests only: called on the background thread after a flushed or merged
  // segment is written and before it replaces its inputs.
  std::function<void()> before_merge_swap;
};

// What the constructor found in the directory.
struct IndexOpenReport {
  enum class State {
    kNone,       // no directory, or an empty one: nothing to open
    kOpened,     // segments opened; `cover` says what they reflect
    kDiscarded,  // something was damaged or inconsistent: started empty (see `message`)
  };
  State state = State::kNone;
  std::string message;
  std::optional<IndexCover> cover;  // kOpened with a cover set by the owner
  std::size_t segments = 0;
  std::size_t recordings = 0;
  double seconds = 0;
};

// Sizes, for metrics and benchmarks.
struct IndexStats {
  std::size_t recordings = 0;         // live references
  std::size_t positions = 0;          // sub-fingerprints of live references
  std::size_t segment_positions = 0;  // in segments (live or tombstoned)
  std::size_t delta_positions = 0;    // in the delta and frozen deltas (live or dead)
  std::size_t dead_positions = 0;     // tombstoned, reclaimed by later merges
  std::size_t segments = 0;
  int key_bits = 0;                     // the key prefix queries look up now (12-27, by size)
  std::size_t frozen_deltas = 0;        // waiting to be flushed
  std::size_t posting_bytes = 0;        // segment postings + delta postings
  std::size_t value_bytes = 0;          // verification copy (segments + delta)
  std::size_t segment_bytes = 0;        // segment files (on disk, mapped)
  std::size_t memory_bytes = 0;         // segments + deltas + bookkeeping
  std::size_t flushes = 0, merges = 0;  // since construction
  bool merging = false;                 // a background merge is running
  std::string last_error;               // the last failed flush or merge, if any
};

// A point in an index's history: the slots given out so far. Matcher::Find
// can report the mark of what it searched, and Matcher::FindAddedSince
// searches only what was added after it (slots never change, so a mark stays
// valid across flushes and merges).
struct IndexMark {
  std::uint64_t next_slot = 0;
};

class Matcher;
namespace internal {
struct IndexState;
class IndexView;
class LiveBitmap;
class ChromaSegment;
class DeltaSegment;
}  // namespace internal

class Index {
 public:
  // Opens what a previous run left in options.directory (open_report() says
  // what); a damaged or inconsistent directory is emptied and the index
  // starts empty.
  explicit Index(IndexOptions options = {});
  ~Index();  // stops the background threads (a running merge is abandoned)
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  const IndexOpenReport& open_report() const { return report_; }

  // Indexes every position of `values` under `ref_id`, replacing a previous
  // entry for the same id. Errors: kInvalidArgument when values.size() exceeds
  // kMaxFingerprintValues (codec.h). An empty fingerprint is accepted and
  // simply never matches.
  Status Add(std::uint64_t ref_id, std::span<const std::uint32_t> values, const IndexTag& tag = {});

  // Withdraws `ref_id`; returns false when it was not indexed. Effective for
  // every query that starts after the call returns.
  bool Remove(std::uint64_t ref_id);

  bool Contains(std::uint64_t ref_id) const;
  // The tag `ref_id` was added with; nullopt when it is not indexed.
  std::optional<IndexTag> Tag(std::uint64_t ref_id) const;

  // Start-up: until the next Compact(), Add only stores the values (no delta
  // postings), and full deltas are flushed into segments in the background,
  // which makes them searchable; so loading N positions costs one segment
  // build per delta plus the merges. Compact() ends it.
  void BeginBulkLoad();
  // Flushes the delta and merges everything into one segment, dropping
  // tombstones, and returns when done.
  void Compact();
  // Returns once no flush or merge is pending or running (tests, benchmarks).
  void WaitForMerge();

  // The owner's state that the index reflects now (every Add and Remove of
  // it applied, nothing beyond it). Persisted with the next manifest.
  void SetCover(const IndexCover& cover);
  // Flushes the delta and writes the manifest (a clean shutdown: the next
  // Open replays nothing). Errors: kIoError / kUnavailable from the disk.
  Status Persist();
  // Forgets everything, in memory and on disk (before a rebuild).
  Status Reset();

  std::size_t size() const;       // live recordings
  std::size_t positions() const;  // sub-fingerprints of live recordings
  std::size_t MemoryBytes() const;
  IndexStats Stats() const;

 private:
  friend class internal::IndexView;
  struct PendingCover {
    IndexCover cover;
    std::uint64_t slots;  // slots given out when it was set
  };

  std::shared_ptr<const internal::IndexState> Snapshot() const;
  void Publish(std::shared_ptr<const internal::IndexState> state);  // REQUIRES: writer_
  void FreezeLocked();                                              // REQUIRES: writer_
  bool RemoveLocked(std::uint64_t ref_id);                          // REQUIRES: writer_
  void FlushLoop();
  void MergeLoop();
  // Runs one merge of `inputs` (consecutive segments of the current state).
  void RunMerge(std::vector<std::shared_ptr<const internal::ChromaSegment>> inputs);
  std::filesystem::path NextSegmentPath();  // REQUIRES: writer_
  Status WriteManifest();
  void OpenDirectory();
  void RemoveFiles();
  void VerifyLoop(std::vector<std::shared_ptr<const internal::ChromaSegment>> segments);
  void StopThreads();
  void StartThreads();
  void NoteError(const Status& s);

  IndexOptions options_;
  IndexOpenReport report_;

  mutable std::mutex writer_;    // Add/Remove/Freeze/publication; short sections only
  mutable std::mutex state_mu_;  // the state_ pointer
  std::shared_ptr<const internal::IndexState> state_;         // written under writer_ and state_mu_
  mutable std::shared_mutex map_mu_;                          // slot_of_
  std::unordered_map<std::uint64_t, std::uint64_t> slot_of_;  // live ref_id -> slot

  // Guarded by writer_.
  std::uint64_t next_slot_ = 0;
  std::size_t live_positions_ = 0;
  std::size_t dead_positions_ = 0;
  bool bulk_load_ = false;
  std::deque<PendingCover> covers_;
  bool uses_covers_ = false;
  std::optional<PendingCover> persisted_cover_;
  std::uint64_t next_file_id_ = 1;
  std::vector<std::filesystem::path> obsolete_files_;  // unlinked after the next manifest
  std::size_t flushes_ = 0, merges_ = 0;
  bool merging_ = false;
  bool merger_idle_ = true;    // the merger found nothing to do since the last change
  std::uint64_t changes_ = 0;  // freezes, flushes and Compacts, for merger_idle_
  bool compacted_ = true;      // nothing changed since the last full merge
  Status flush_error_;         // the last flush failed (cleared by the next success)
  bool compact_requested_ = false;
  bool manifest_requested_ = false;
  std::chrono::steady_clock::time_point last_flush_;
  std::string last_error_;
  bool stopping_ = false;
  std::condition_variable work_cv_;  // with writer_: flusher and merger wake-ups
  std::condition_variable done_cv_;  // with writer_: a flush or merge finished
  std::mutex manifest_mu_;           // serialises manifest writes
  std::atomic<bool> cancel_{false};
  std::thread flusher_, merger_, verifier_;
};

}  // namespace signet::fp

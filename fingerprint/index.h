// The in-memory fingerprint index: every position of every registered
// recording, keyed on the bits of Chromaprint sub-fingerprints that survive
// degradation, so that an excerpt taken anywhere in a recording is found.
// Layout, measured sizes and the reasons behind them: fingerprint/INDEX.md.
//
// Ownership: the Index keeps its own copy of every reference's sub-fingerprints
// (4 bytes per position, used by the Matcher to verify candidates) next to its
// posting lists (under 4 bytes per position). The registry stays the source of
// truth (RocksDB) and calls Add for every work at start-up and on registration.
//
// Structure: an immutable base (CSR posting lists, bit-packed) plus a small
// mutable delta (hash map) for run-time additions and tombstones for
// withdrawals. When the delta grows past a fraction of the base it is frozen
// and merged into a new base on a background thread, while queries keep
// running on the old base and the frozen delta and Add goes on into a fresh
// delta; only the final swap excludes readers and writers, briefly. (Merging
// on the caller's thread stalled the registry's writer for seconds at 100k
// recordings.)
//
// Thread safety: all methods may be called concurrently from any threads.
// Add/Remove/Compact serialise among themselves; queries (Matcher::Find) hold a
// shared lock for the duration of one query.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace signet::fp {

// Width of the index key derived from one sub-fingerprint (see IndexKey).
inline constexpr int kIndexKeyBits = 24;

// The index key of one sub-fingerprint: kIndexKeyBits of its 32 bits, most
// robust first (measured bit flip rates under MP3 32 kbps and 10 dB white
// noise, INDEX.md), so that a shorter key is a prefix: key >> (24 - b).
std::uint32_t IndexKey(std::uint32_t value);

// True when position i of `values` lies in a near-silent or static stretch
// (neighbouring sub-fingerprints barely change). Such stretches in unrelated
// recordings match each other, so they are neither indexed nor counted as
// evidence. Returns one flag per position.
std::vector<bool> LowInformationMask(std::span<const std::uint32_t> values);

struct IndexOptions {
  // The delta is merged into the base when it holds more than
  // max(merge_min_positions, merge_fraction * base positions) positions.
  std::size_t merge_min_positions = std::size_t{1} << 21;
  double merge_fraction = 0.25;
  // Tests only: called on the merge thread after the new base is built and
  // before it replaces the old one, so that a test can act during a merge.
  std::function<void()> before_merge_swap;
};

// Sizes, for metrics and benchmarks.
struct IndexStats {
  std::size_t recordings = 0;       // live references
  std::size_t positions = 0;        // live indexed sub-fingerprints
  std::size_t base_positions = 0;   // in the CSR base (live or tombstoned)
  std::size_t delta_positions = 0;  // in the delta and a frozen one being merged (live or dead)
  std::size_t dead_positions = 0;   // tombstoned, reclaimed at the next merge
  int base_key_bits = 0;            // buckets in the base: 2^base_key_bits
  int entry_bits = 0;               // bits per packed posting entry in the base
  std::size_t posting_bytes = 0;    // base bucket table + packed entries + delta postings
  std::size_t value_bytes = 0;      // reference sub-fingerprints kept for verification
  std::size_t memory_bytes = 0;     // everything, including bookkeeping
  std::size_t merges = 0;           // merges since construction
  bool merging = false;             // a background merge is running
};

// A point in an index's history. Matcher::Find can report the one it searched,
// and Matcher::FindAddedSince searches only what was added after it: the
// delta slots (a frozen delta's, then the delta's) from `delta_refs` on,
// unless a merge (`merges` changed)
// renumbered the slots, in which case it searches everything.
struct IndexMark {
  std::size_t merges = 0;
  std::size_t delta_refs = 0;
};

class Matcher;
namespace internal {
struct BaseSegment;
struct DeltaSegment;
}  // namespace internal

class Index {
 public:
  explicit Index(IndexOptions options = {});
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  // Indexes every position of `values` under `ref_id`, replacing a previous
  // entry for the same id. Errors: kInvalidArgument when values.size() exceeds
  // kMaxFingerprintValues (codec.h); kResourceExhausted when the index would
  // pass 2^32 - 1 positions (about 17,000 years of audio). An empty fingerprint
  // is accepted and simply never matches.
  Status Add(std::uint64_t ref_id, std::span<const std::uint32_t> values);

  // Withdraws `ref_id`; returns false when it was not indexed. Effective for
  // every query that starts after the call returns.
  bool Remove(std::uint64_t ref_id);

  bool Contains(std::uint64_t ref_id) const;

  // Merges the delta and drops tombstones now and returns when done (e.g.
  // after the start-up load, so that queries run on one compact base). Ends a
  // bulk load.
  void Compact();

  // Returns once no background merge is running (tests, benchmarks).
  void WaitForMerge();

  // Start-up: until the next Compact(), Add only stores the values (no
  // postings, no intermediate merges), so loading N positions costs one base
  // build instead of a geometric series of merges. Recordings added in this
  // mode are not found by queries until Compact() returns.
  void BeginBulkLoad();

  std::size_t size() const;       // live recordings
  std::size_t positions() const;  // sub-fingerprints of live recordings
  std::size_t MemoryBytes() const;
  IndexStats Stats() const;

 private:
  friend class Matcher;

  // REQUIRES: writer_ held and no merge running. Freezes the delta and starts
  // merging it on merger_.
  void StartMergeLocked();
  void RunMerge();                                                // the body of merger_
  void WaitForMergeLocked(std::unique_lock<std::mutex>& writer);  // REQUIRES: writer_ held
  bool RemoveLocked(std::uint64_t ref_id);                        // REQUIRES: writer_ and mu_ held

  // glibc's shared_mutex prefers readers: back-to-back queries would starve
  // Add/Remove forever. Both sides pass a turnstile; a writer holds it while it
  // waits, so new readers queue behind the writer.
  std::shared_lock<std::shared_mutex> ReadLock() const;
  std::unique_lock<std::shared_mutex> WriteLock();

  IndexOptions options_;
  std::mutex writer_;             // serialises Add/Remove/Compact
  mutable std::mutex turnstile_;  // see ReadLock
  mutable std::shared_mutex mu_;  // readers: queries; writer: mutation of the members below
  // Slots: base refs first, then the frozen delta's (while a merge runs),
  // then the delta's. Freezing does not renumber; the end of a merge does.
  std::unique_ptr<internal::BaseSegment> base_;
  std::unique_ptr<internal::DeltaSegment> frozen_;  // being merged; null when no merge runs
  std::unique_ptr<internal::DeltaSegment> delta_;
  std::unordered_map<std::uint64_t, std::uint32_t> slot_of_;  // live ref_id -> slot
  std::size_t live_positions_ = 0;
  std::size_t dead_positions_ = 0;
  std::size_t merges_ = 0;
  bool bulk_load_ = false;
  bool merging_ = false;                // guarded by writer_
  std::condition_variable merge_done_;  // with writer_
  std::thread merger_;                  // started and joined under writer_
};

}  // namespace signet::fp

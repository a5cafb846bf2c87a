// Internal to fingerprint/: what an Index is made of, shared by index*.cc
// (which build it) and matcher.cc (which reads it through IndexView). Layout:
// fingerprint/INDEX.md. Not for other modules.
//
// Thread safety: an IndexState is immutable once published; an IndexView is
// a snapshot owned by one query (one thread) and needs no lock.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "fingerprint/chroma_segment.h"
#include "fingerprint/index.h"
#include "fingerprint/index_delta.h"

namespace signet::fp::internal {

// Bits of a sub-fingerprint by measured robustness, most robust first (flip
// rates under MP3 32 kbps mono and 10 dB white noise on ten corpus tracks,
// INDEX.md). The first kIndexKeyBits make the index key, MSB first.
inline constexpr std::array<int, 32> kBitOrder = {31, 29, 27, 3,  19, 30, 28, 26, 21, 2, 18,
                                                  20, 15, 7,  1,  25, 6,  11, 9,  8,  0, 14,
                                                  23, 10, 22, 24, 12, 4,  16, 13, 5,  17};

// Bits compared in verification (the kVerifyBits most robust). Comparing only
// the 16 most robust was tried: they flip less under noise (~12 % vs 28 %) but
// are more correlated between unrelated recordings (null sd x1.65), so the
// separation barely changed (INDEX.md); all 32 are used.
inline constexpr int kVerifyBits = 32;
constexpr std::uint32_t RobustMask(int bits) {
  std::uint32_t m = 0;
  for (int k = 0; k < bits; ++k) m |= std::uint32_t{1} << kBitOrder[k];
  return m;
}
inline constexpr std::uint32_t kVerifyMask = RobustMask(kVerifyBits);

// LowInformationMask: a position is low-information when its neighbourhood
// changes fewer than this many bits per step on average.
inline constexpr int kLowInformationFlips = 1;

// Set bits of a sub-fingerprint difference: the matcher's innermost operation.
// Debian builds for the x86-64 baseline, which has no POPCNT instruction, and
// there std::popcount is a call into libgcc (~9 % of a registration's CPU in
// perf); this inline bit-slice count costs a handful of ALU operations, and
// with -mpopcnt (or a newer -march) the instruction is used instead.
inline int PopCount(std::uint32_t x) {
#if defined(__POPCNT__)
  return __builtin_popcount(x);
#else
  x = x - ((x >> 1) & 0x55555555u);
  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
  x = (x + (x >> 4)) & 0x0f0f0f0fu;
  return static_cast<int>((x * 0x01010101u) >> 24);
#endif
}

// Live flag per slot, readable without a lock: 64 Ki-word chunks that never
// move. Written under the Index's writer mutex; a slot's chunk exists before
// the slot is published.
class LiveBitmap {
 public:
  static constexpr std::size_t kChunkWords = std::size_t{1} << 16;
  static constexpr std::size_t kMaxChunks = 1024;  // 2^32 slots

  bool Get(std::uint64_t slot) const {
    const auto& c = chunks_[slot / 64 / kChunkWords];
    return c && ((c[slot / 64 % kChunkWords].load(std::memory_order_relaxed) >> (slot % 64)) & 1);
  }
  // REQUIRES: slot < 2^32.
  void Set(std::uint64_t slot, bool live);
  void Clear() {
    for (auto& c : chunks_) c.reset();
  }

 private:
  std::array<std::unique_ptr<std::atomic<std::uint64_t>[]>, kMaxChunks> chunks_;
};

// What a query searches: segments (ascending slots), deltas waiting to be
// flushed, and the delta. Replaced as a whole when any of them changes.
struct IndexState {
  std::vector<std::shared_ptr<const ChromaSegment>> segments;
  std::vector<std::shared_ptr<const DeltaSegment>> frozen;
  std::shared_ptr<DeltaSegment> delta;
  std::shared_ptr<LiveBitmap> live;  // replaced only by Index::Reset
};

// Votes are (virtual position - query position + kVoteBias) << 16 | query
// position, where a virtual position numbers every position of a snapshot,
// part after part; query fingerprints longer than 2^16 positions are cut.
inline constexpr std::uint64_t kVoteBias = std::uint64_t{1} << 17;
inline constexpr std::size_t kMaxQueryPositions = 0xffff;

// Decoded values of one reference over [begin, end) of its `length`.
struct RefWindow {
  const std::uint32_t* data = nullptr;
  long begin = 0, end = 0;
  long length = 0;
  std::uint32_t operator[](long i) const { return data[i - begin]; }
  std::span<const std::uint32_t> Span(long from, long to) const {
    return {data + (from - begin), static_cast<std::size_t>(to - from)};
  }
};

// The decoded blocks [lo_block, hi_block) of one reference, kept by a query
// between the windows it asks for (a candidate's seed check, then its
// alignment window around it, read mostly the same blocks).
struct WindowBuffer {
  std::uint64_t slot = ~std::uint64_t{0};
  std::size_t lo_block = 0, hi_block = 0;
  std::vector<std::uint32_t> values;  // from value lo_block * kValueBlock on
};

struct VoteTarget {
  std::uint64_t slot;
  int diagonal;  // reference position - query position
};

// The key prefix a snapshot of `positions` positions (live or dead) looks
// up: 12 to kIndexKeyBits (27) bits, so that lists hold ~8-16 entries (at
// 24 bits a 1M-recording index's lists held ~100: INDEX.md, "Lookups").
inline int KeyBitsFor(std::uint64_t positions) {
  return std::clamp(static_cast<int>(std::bit_width(positions)) - 4, 12, kIndexKeyBits);
}

// A query's snapshot of an Index.
class IndexView {
 public:
  explicit IndexView(const Index& index);

  // What this snapshot holds (for FindAddedSince).
  IndexMark Mark() const { return {end_slot_}; }
  // Restricts Vote to slots from `since.next_slot` on.
  void OnlyAddedSince(const IndexMark& since);
  // Where the mutable delta starts: slots below it are in segments and frozen
  // deltas, which no Add changes.
  IndexMark SettledMark() const { return {parts_.back().first_slot}; }
  // Restricts Vote to slots below `until.next_slot` (with OnlyAddedSince too).
  void OnlyBefore(const IndexMark& until);

  // The key prefix Vote looks up: 12 to kIndexKeyBits, growing with the
  // index so that lists hold ~8-16 entries (a short key still votes through a
  // flip in its low bits on a small index).
  int KeyBits() const { return key_bits_; }
  // Looks up another prefix (MatchOptions::key_bits), clamped to 12..kIndexKeyBits.
  void SetKeyBits(int bits) { key_bits_ = std::clamp(bits, 12, kIndexKeyBits); }
  // Appends one vote per posting of every informative query position whose
  // key shares the query key's top KeyBits(), and (multi-probe) at positions
  // where `probed` is set, of the prefixes `query key prefix ^ mask` for each
  // of `probe_masks` (as the prefix's own bits); lists of a part longer than
  // `max_list` are skipped, each lookup on its own. A part keyed by fewer
  // bits than the prefix (a delta: DeltaSegment::kKeyBits) is looked up by
  // its own width, and probes of bits it does not hold are skipped there
  // (they would repeat the key's own votes). `keys` false: the probes only
  // (a second pass after one over the keys; the two sets of votes together
  // are the one pass's).
  void Vote(std::span<const std::uint32_t> q, const std::vector<bool>& qlow, std::size_t max_list,
            std::span<const std::uint32_t> probe_masks, const std::vector<bool>& probed,
            std::vector<std::uint64_t>& votes, bool keys = true) const;
  VoteTarget Resolve(std::uint64_t vote) const;
  bool Live(std::uint64_t slot) const;
  std::uint64_t RefId(std::uint64_t slot) const;
  long Length(std::uint64_t slot) const;
  IndexTag Tag(std::uint64_t slot) const;
  // The live slot of `ref_id` in this snapshot; nullopt when it is not
  // indexed, was withdrawn, or was added after the snapshot was taken.
  std::optional<std::uint64_t> SlotOf(std::uint64_t ref_id) const;
  // Values [from, to) of `slot`, clipped to the reference; `buffer` holds
  // them when they had to be decoded (and what it held is reused).
  RefWindow Window(std::uint64_t slot, long from, long to, WindowBuffer& buffer) const;
  // Ahead of Window(slot, from, to, ...) on a batch of candidates: every
  // candidate's stage 0, then every candidate's stage 1 (the values' bytes).
  void PrefetchWindow(std::uint64_t slot, long from, long to, int stage) const;

 private:
  struct Part {
    std::uint64_t vbase = 0;  // virtual position of its position 0
    std::uint64_t vend = 0;
    std::uint64_t first_slot = 0, end_slot = 0;
    const ChromaSegment* segment = nullptr;
    const DeltaSegment* delta = nullptr;
    DeltaSegment::Watermark watermark;
  };
  const Part& PartOfSlot(std::uint64_t slot) const;
  // The virtual position where `slot` starts (vend of the last part when
  // `slot` is past every part).
  std::uint64_t VposOfSlot(std::uint64_t slot) const;

  const Index& index_;
  std::shared_ptr<const IndexState> state_;
  std::vector<Part> parts_;
  int key_bits_ = kIndexKeyBits;  // lookups match this prefix of the key
  std::uint64_t end_slot_ = 0;
  std::uint64_t min_vpos_ = 0;
  std::uint64_t max_vpos_ = ~std::uint64_t{0};
};

}  // namespace signet::fp::internal

// Internal to fingerprint/: one immutable segment of the Chromaprint index,
// stored in a segment file (segment_file.h) of kind "chromaprint". Sections
// (INDEX.md, "Chromaprint segments"):
//   meta          one SegmentMeta
//   refs          RefRecord per slot, ascending start
//   values        the verification copy, ValueCodec blocks (value_codec.h)
//   value_blocks  u32 per block: its offset from its reference's value_offset
//   value_code    u8[1024]: the code lengths the values were written with
//   post_low, post_high, post_skip   the postings (posting_codec.h)
// A segment holds the consecutive slots [first_slot, first_slot + refs);
// positions are numbered from 0 within the segment, reference after
// reference. A reference withdrawn before the segment was written keeps its
// slot with no positions (kRefDropped), so slots never move.
//
// Thread safety: immutable; read from any number of threads.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "common/status.h"
#include "fingerprint/posting_codec.h"
#include "fingerprint/segment_file.h"
#include "fingerprint/value_codec.h"

namespace signet::fp::internal {

inline constexpr std::string_view kChromaSegmentKind = "chromaprint";
// 2: 27-bit keys in the postings (SegmentMeta::key_bits); version 1 kept 24
// and is refused at open (the owner rebuilds: INDEX.md, "Persistence").
inline constexpr std::uint32_t kChromaSegmentVersion = 2;

// An owner-defined label stored with every reference (the registry keeps the
// work id there, so that it needs no map of its own).
using RefTag = std::array<std::uint8_t, 16>;  // = IndexTag (index.h)

struct SegmentMeta {
  std::uint64_t first_slot;
  std::uint64_t refs;
  std::uint64_t positions;  // of live references (dropped ones have none)
  std::uint64_t entries;    // postings
  std::uint32_t pos_bits, low_bits, skip_bits, value_block;
  std::uint64_t value_bytes;
  std::uint32_t key_bits;  // of the postings' keys: kIndexKeyBits
  std::uint32_t reserved;
};
static_assert(sizeof(SegmentMeta) == 64);

inline constexpr std::uint32_t kRefDropped = 1;

struct RefRecord {
  std::uint64_t ref_id;
  std::uint32_t start;   // first position
  std::uint32_t length;  // positions; 0 when dropped
  std::uint64_t value_offset;
  std::uint32_t first_block;
  std::uint32_t flags;
  RefTag tag;
};
static_assert(sizeof(RefRecord) == 48);

// A reference to write: its values (in memory) and whether it is dropped.
struct RefSource {
  std::uint64_t ref_id = 0;
  std::span<const std::uint32_t> values;
  RefTag tag{};
  bool dropped = false;
};

class ChromaSegment {
 public:
  // Errors: kInternal when a section is missing or inconsistent.
  static Result<std::shared_ptr<const ChromaSegment>> Open(std::shared_ptr<const SegmentFile> file);

  const SegmentMeta& meta() const { return meta_; }
  std::uint64_t first_slot() const { return meta_.first_slot; }
  std::uint64_t end_slot() const { return meta_.first_slot + meta_.refs; }
  std::uint64_t positions() const { return meta_.positions; }
  std::span<const RefRecord> refs() const { return refs_; }
  const PostingReader& postings() const { return postings_; }
  const SegmentFile& file() const { return *file_; }

  // The local reference holding position `pos`. REQUIRES: pos < positions().
  std::size_t RefOfPosition(std::uint32_t pos) const;
  // Values [from, to) of local reference r into out.
  // REQUIRES: from < to <= refs()[r].length.
  void DecodeValues(std::size_t r, std::uint32_t from, std::uint32_t to, std::uint32_t* out) const;
  // Ahead of DecodeValues(r, from, to) on a batch of references: stage 0
  // prefetches the block offsets it reads, stage 1 (after stage 0 of the
  // whole batch) the blocks' bytes. REQUIRES: from < to <= refs()[r].length.
  void PrefetchValues(std::size_t r, std::uint32_t from, std::uint32_t to, int stage) const;
  // Bytes of the compressed values of local reference r.
  std::span<const std::uint8_t> ValueBytes(std::size_t r) const;
  std::span<const std::uint32_t> BlockOffsets(std::size_t r) const;

 private:
  ChromaSegment() = default;
  std::shared_ptr<const SegmentFile> file_;
  SegmentMeta meta_{};
  std::span<const RefRecord> refs_;
  std::span<const std::uint8_t> values_;
  std::span<const std::uint32_t> blocks_;
  std::optional<ValueCodec> codec_;
  PostingReader postings_;
};

// Writes the slots [first_slot, first_slot + refs.size()) from values in
// memory (a flushed delta, a bulk load) and opens the result.
Result<std::shared_ptr<const ChromaSegment>> WriteChromaSegment(const SegmentTarget& target,
                                                                std::uint64_t first_slot,
                                                                std::span<const RefSource> refs);

// Merges segments holding consecutive slots into one; references for which
// live(slot) is false are dropped. Streams: memory use does not grow with the
// segments' size beyond the refs table and the skip table.
// A merge stops with kUnavailable soon after *cancel becomes true.
Result<std::shared_ptr<const ChromaSegment>> MergeChromaSegments(
    const SegmentTarget& target, std::span<const std::shared_ptr<const ChromaSegment>> inputs,
    const std::function<bool(std::uint64_t slot)>& live, const std::atomic<bool>* cancel = nullptr);

}  // namespace signet::fp::internal

// Internal to fingerprint/: the segments a LandmarkIndex is made of, shared by
// landmark_index.cc (which builds them) and landmark_matcher.cc (which reads
// them under the index's shared lock). Layout: fingerprint/LANDMARK.md.
//
// The base is a handful of flat POD arrays (no pointers), viewed through
// spans: either arrays the base owns (built in memory by a merge) or the
// sections of a mapped segment file of kind "landmark" (landmark_segment.h),
// which holds them as they are: bucket_start, packed, codes, checkpoints, refs.
//
// Thread safety: read concurrently by queries, written only by the index under
// its exclusive lock.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "fingerprint/index.h"
#include "fingerprint/landmark.h"
#include "fingerprint/landmark_hash.h"
#include "fingerprint/segment_file.h"

namespace signet::fp::internal {

// Bucket key: [invariant hash bits][anchor pitch class: 3 bits][span class: 3
// bits], so that for one hash and pitch class the span classes are adjacent
// buckets and a query's class range is one run per pitch class.
inline constexpr int kPitchClassBits = 3;
inline constexpr int kSpanClassBits = 3;
inline constexpr int kClassBits = kPitchClassBits + kSpanClassBits;
// Packed base entries, low bits first: [global anchor frame: frame_bits]
// [span - min_dt: kSpanBits][anchor pitch within its class / 2: kFinePitchBits]
// [check bits: kCheckBits of the hash below the bucket's]. The fine pitch and
// span let a query drop hits whose pitch shift or tempo is out of range and
// give each hit its own pitch-shift and tempo estimates to vote with.
inline constexpr int kSpanBits = 6;
inline constexpr int kFinePitchBits = 6;
// Check bits: enough that bucket and check together use 20 bits of the hash
// (more than the ~14 bits of entropy a triplet has), at least 4.
inline constexpr int kMinCheckBits = 4;
inline constexpr int kHashBitsUsed = 20;

// Hash parameters of format version 1 (LANDMARK.md, "Hash layout").
const LandmarkHashParams& HashParamsV1();

// Peak codes: one uint16 per peak, pitch in the low 10 bits and the frames
// since the previous peak (the first: since frame 0) in the high 6; a gap of
// kEscapeGap or more is kEscapeGap, followed by one code holding the rest of
// the gap (repeated when it exceeds 65,535 frames).
inline constexpr std::uint16_t kEscapeGap = 63;
inline constexpr int kCheckpointEvery = 32;  // peaks between time checkpoints

struct Checkpoint {
  std::uint32_t code;   // index into codes, relative to the reference's first code
  std::uint32_t frame;  // frame of the previous peak (0 for the first checkpoint)
};
static_assert(sizeof(Checkpoint) == 8);

// Appends the codes of `peaks` (ordered by frame) and a checkpoint before every
// kCheckpointEvery-th peak.
void EncodePeaks(std::span<const LandmarkPeak> peaks, std::vector<std::uint16_t>& codes,
                 std::vector<Checkpoint>& checkpoints);

// One reference of the base. frame_start: where its frames begin in the
// base's global frame space (postings hold global frames). tag: the owner's
// label (the registry keeps the work id there, as in the Chromaprint refs).
struct LandmarkRefRow {
  std::uint64_t ref_id;
  std::uint64_t frame_start;
  std::uint32_t frames;
  std::uint32_t code_start;
  std::uint32_t code_count;
  std::uint32_t checkpoint_start;
  std::uint32_t peaks;
  std::uint32_t postings;
  IndexTag tag;
};
static_assert(sizeof(LandmarkRefRow) == 56);

// Decodes the peaks of one reference whose frames lie in [from, to).
void DecodePeaks(std::span<const std::uint16_t> codes, std::span<const Checkpoint> checkpoints,
                 std::uint32_t from, std::uint32_t to, std::vector<LandmarkPeak>& out);

// The arrays of a base built in memory.
struct LandmarkArrays {
  std::vector<std::uint32_t> bucket_start;
  std::vector<std::uint8_t> packed;
  std::vector<std::uint16_t> codes;
  std::vector<Checkpoint> checkpoints;
  std::vector<LandmarkRefRow> refs;
};

struct LandmarkBase {
  LandmarkBase() = default;
  LandmarkBase(const LandmarkBase&) = delete;  // the spans point into owned or file
  LandmarkBase& operator=(const LandmarkBase&) = delete;

  int bucket_bits = 12;
  int frame_bits = 1;
  int entry_bits = 1;  // frame_bits + kSpanBits + kFinePitchBits + CheckBits()
  std::span<const std::uint32_t> bucket_start;  // 2^bucket_bits + 1
  std::span<const std::uint8_t> packed;         // entries, entry_bits each, + 8 bytes
  std::span<const std::uint16_t> codes;
  std::span<const Checkpoint> checkpoints;
  std::span<const LandmarkRefRow> refs;  // consecutive frame ranges from frame 0
  std::vector<bool> live;
  std::uint64_t total_frames = 0;
  std::size_t postings = 0;
  // What the spans view: `owned` (a base built in memory) or `file` (a mapped
  // segment, which `owned` is then empty of).
  LandmarkArrays owned;
  std::shared_ptr<const SegmentFile> file;

  // Points the spans at `owned`.
  void ViewOwned();

  int HashBits() const { return bucket_bits - kClassBits; }
  int CheckBits() const { return std::max(kMinCheckBits, kHashBitsUsed - HashBits()); }
  std::uint32_t Key(std::uint32_t hash, int pitch_class, int span_class) const;
  std::uint32_t Check(std::uint32_t hash) const;
  std::uint64_t Entry(std::size_t i) const;
  static std::uint64_t Pack(std::uint64_t frame, int frame_bits, std::uint32_t span,
                            std::uint32_t pitch, std::uint32_t check);
  // REQUIRES: frame < total_frames.
  std::uint32_t RefOfFrame(std::uint64_t frame) const;
  std::span<const std::uint16_t> CodesOf(std::uint32_t row) const;
  std::span<const Checkpoint> CheckpointsOf(std::uint32_t row) const;
  std::size_t PostingBytes() const;
  std::size_t PeakBytes() const;
  std::size_t MemoryBytes() const;
};

struct LandmarkDeltaRef {
  std::uint64_t ref_id;
  IndexTag tag;
  std::vector<LandmarkPeak> peaks;
  std::uint32_t frames;
  std::uint32_t postings;
};

// Run-time additions: postings keyed by the full 32-bit hash and the classes,
// each packing row (24 bits), anchor pitch (10), span (6) and anchor frame (24).
struct LandmarkDelta {
  static std::uint64_t Posting(std::uint32_t row, const LandmarkPeak& anchor, std::uint32_t span) {
    return static_cast<std::uint64_t>(row) << 40 | static_cast<std::uint64_t>(anchor.pitch) << 30 |
           static_cast<std::uint64_t>(span) << 24 | anchor.frame;
  }
  static std::uint32_t Row(std::uint64_t p) { return static_cast<std::uint32_t>(p >> 40); }
  static std::uint32_t Pitch(std::uint64_t p) { return (p >> 30) & 0x3ff; }
  static std::uint32_t Span(std::uint64_t p) { return (p >> 24) & 0x3f; }
  static std::uint32_t Frame(std::uint64_t p) { return p & 0xffffff; }

  std::vector<LandmarkDeltaRef> refs;
  std::vector<bool> live;
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> postings;
  std::size_t posting_count = 0;

  static std::uint64_t Key(std::uint32_t hash, int pitch_class, int span_class) {
    return static_cast<std::uint64_t>(hash) << 8 | static_cast<std::uint64_t>(pitch_class) << 4 |
           static_cast<std::uint64_t>(span_class);
  }
  std::size_t MemoryBytes() const;
};

struct LandmarkSource {
  std::uint64_t ref_id;
  const std::vector<LandmarkPeak>* peaks;
  std::uint32_t frames;
  IndexTag tag{};
};
std::unique_ptr<LandmarkBase> BuildLandmarkBase(std::span<const LandmarkSource> refs);

}  // namespace signet::fp::internal

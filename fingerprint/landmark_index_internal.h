// Internal to fingerprint/: the segments a LandmarkIndex is made of, shared by
// landmark_index.cc (which builds them) and landmark_matcher.cc (which reads
// them under the index's shared lock). Layout: fingerprint/LANDMARK.md.
//
// The base is a handful of flat POD arrays (no pointers), viewed through
// spans: either arrays the base owns (built in memory by a merge) or the
// sections of a mapped segment file of kind "landmark" (landmark_segment.h),
// which holds them as they are: the bucket arrays, packed, the peak stream,
// checkpoints, refs.
//
// Thread safety: read concurrently by queries, written only by the index under
// its exclusive lock.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "fingerprint/index.h"
#include "fingerprint/landmark.h"
#include "fingerprint/landmark_hash.h"
#include "fingerprint/landmark_peak_codec.h"
#include "fingerprint/segment_file.h"

namespace signet::fp::internal {

// Bucket key: [invariant hash bits][anchor pitch class: 3 bits][span class: 3
// bits], so that for one hash and pitch class the span classes are adjacent
// buckets and a query's class range is one run per pitch class.
inline constexpr int kPitchClassBits = 3;
inline constexpr int kSpanClassBits = 3;
inline constexpr int kClassBits = kPitchClassBits + kSpanClassBits;
// Base entries as Entry() hands them out, low bits first: [global anchor
// frame: frame_bits][span - min_dt: kSpanBits][anchor pitch within its class /
// 2: kFinePitchBits][check bits: CheckBits() of the hash below the bucket's].
// The fine pitch and span let a query drop hits whose pitch shift or tempo is
// out of range and give each hit its own pitch-shift and tempo estimates to
// vote with. Stored (format 2) as [frame][span - min_dt + kSpanValues x fine
// pitch: kSpanPitchBits][check], the two fields' 38 x 48 values in 11 bits.
inline constexpr int kSpanBits = 6;
inline constexpr int kFinePitchBits = 6;
inline constexpr int kSpanValues = 38;       // spans min_dt..max_dt (3..40)
inline constexpr int kFinePitchValues = 48;  // anchor_cell / 2
inline constexpr int kSpanPitchBits = 11;
static_assert(kSpanValues * kFinePitchValues <= 1 << kSpanPitchBits);
// Check bits: enough that bucket and check together use 20 bits of the hash,
// none once the bucket alone uses 20 or more (2^30 postings, ~470k recordings
// of 3.5 min). A triplet's hash takes at most 25 x 25 x 8 = 5,000 values (two
// pitch-difference cells, one ratio cell; 4,541 seen on 2 h of music, 10.3
// bits of entropy), so 20 bits already leave only ~12 pairs of them sharing a
// key, and more bits buy nothing measurable. Format 1 kept at least 4 check
// bits: 4 bits of every posting at 1M recordings.
inline constexpr int kMinCheckBits = 0;
inline constexpr int kHashBitsUsed = 20;

// Hash parameters of format version 1 (LANDMARK.md, "Hash layout").
const LandmarkHashParams& HashParamsV1();

// One reference of the base. frame_start: where its frames begin in the
// base's global frame space (postings hold global frames). tag: the owner's
// label (the registry keeps the work id there, as in the Chromaprint refs).
struct LandmarkRefRow {
  std::uint64_t ref_id;
  std::uint64_t frame_start;
  std::uint64_t peak_bit_start;  // where its peaks start in the peak stream
  std::uint32_t frames;
  std::uint32_t peak_bits;  // bits its peaks take
  std::uint32_t checkpoint_start;
  std::uint32_t peaks;
  std::uint32_t postings;
  std::uint32_t reserved;
  IndexTag tag;
};
static_assert(sizeof(LandmarkRefRow) == 64);

// Appends to `out` the peaks of one reference whose frames lie in [from, to).
inline void DecodePeaks(const PeakStream& stream, std::span<const Checkpoint> checkpoints,
                        std::uint32_t from, std::uint32_t to, std::vector<LandmarkPeak>& out) {
  if (stream.codec != nullptr) stream.codec->Decode(stream, checkpoints, from, to, out);
}

// Where each bucket's entries start, for 2^bucket_bits buckets and one past
// the last: a bit per bucket that holds entries (words of 64), the count of
// such buckets before each word, and the first entry of each such bucket
// followed by the number of entries. Most keys of a large base are empty
// (a triplet's hash has ~10 bits of entropy), so this takes ~1.5 bits per
// bucket and 32 per non-empty one, where a table of every start took 32 per
// bucket (3-4 bits per posting at every size).
struct LandmarkBuckets {
  std::span<const std::uint64_t> occupied;  // 2^bucket_bits / 64 + 1 words, the last 0
  std::span<const std::uint32_t> rank;      // per word
  std::span<const std::uint32_t> start;     // per occupied bucket, then the entries

  // REQUIRES: k <= 2^bucket_bits (the arrays checked as OpenLandmarkSegment does).
  std::uint32_t operator[](std::size_t k) const {
    const std::size_t w = k >> 6;
    const std::uint64_t below = occupied[w] & ((std::uint64_t{1} << (k & 63)) - 1);
    return start[rank[w] + static_cast<std::uint32_t>(std::popcount(below))];
  }
  std::size_t size_bytes() const {
    return occupied.size_bytes() + rank.size_bytes() + start.size_bytes();
  }
};

// The arrays of a base built in memory.
struct LandmarkArrays {
  std::vector<std::uint64_t> occupied;
  std::vector<std::uint32_t> rank;
  std::vector<std::uint32_t> start;
  std::vector<std::uint8_t> packed;
  std::vector<std::uint8_t> peak_stream;
  std::vector<Checkpoint> checkpoints;
  std::vector<LandmarkRefRow> refs;
};

struct LandmarkBase {
  LandmarkBase() = default;
  LandmarkBase(const LandmarkBase&) = delete;  // the spans point into owned or file
  LandmarkBase& operator=(const LandmarkBase&) = delete;

  int bucket_bits = 12;
  int frame_bits = 1;
  int entry_bits = 1;  // stored: frame_bits + kSpanPitchBits + CheckBits()
  LandmarkBuckets bucket_start;
  std::span<const std::uint8_t> packed;       // entries, entry_bits each, + 8 bytes
  std::span<const std::uint8_t> peak_stream;  // peak codes (PeakCodec), + 8 bytes
  std::span<const Checkpoint> checkpoints;
  std::optional<PeakCodec> peak_codec;
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
  // Entry i in the layout above (kSpanBits, kFinePitchBits), whatever the
  // stored one. Inline: the matcher calls it for every entry it scans.
  std::uint64_t Entry(std::size_t i) const {
    const std::size_t bit = i * static_cast<std::size_t>(entry_bits);
    std::uint64_t word;
    std::memcpy(&word, packed.data() + bit / 8, sizeof word);
    const std::uint64_t stored = (word >> (bit % 8)) & ((std::uint64_t{1} << entry_bits) - 1);
    const auto sp =
        static_cast<std::uint32_t>((stored >> frame_bits) & ((1u << kSpanPitchBits) - 1));
    return Pack(stored & ((std::uint64_t{1} << frame_bits) - 1), frame_bits, sp % kSpanValues,
                sp / kSpanValues,
                static_cast<std::uint32_t>(stored >> (frame_bits + kSpanPitchBits)));
  }
  static std::uint64_t Pack(std::uint64_t frame, int frame_bits, std::uint32_t span,
                            std::uint32_t pitch, std::uint32_t check) {
    return ((static_cast<std::uint64_t>(check) << kFinePitchBits | pitch) << kSpanBits | span)
               << frame_bits |
           frame;
  }
  // REQUIRES: frame < total_frames.
  std::uint32_t RefOfFrame(std::uint64_t frame) const;
  PeakStream CodesOf(std::uint32_t row) const;
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

// Internal to fingerprint/: the peak codes of landmark segments, the copy of
// every reference peak that verification reads (LANDMARK.md, "Index layout";
// INDEX.md, "Landmark segments").
//
// A reference's peaks (ordered by frame, then pitch) are one bit stream,
// packed LSB-first, reference after reference. Per peak:
//   gap code    Huffman code of min(frame - previous frame, 31) (the first
//               peak: its frame); 31 is an escape followed by 20 raw bits of
//               the gap minus 31
//   pitch code  Huffman code of pitch >> 4 (0..47), then pitch & 15 raw (4 bits)
// Both codes are canonical of at most kPeakCodeBits bits; their 32 + 48 code
// lengths are built from the base's own peaks and stored with it. A peak
// takes at most 48 bits; on the Wesnoth corpus ~12.9 (the gap's entropy is
// 3.45 bits, the pitch's 7.9), against 16 for the u16 codes of format 1.
// A time checkpoint (Checkpoint) every kCheckpointEvery peaks gives the bit
// offset of a peak from its reference's first bit and the previous peak's
// frame, so a window decodes from the checkpoint before it.
//
// Decoding never reads outside the stream: it reads one 8-byte word per peak
// at a bit offset below the reference's end, and the stream carries 8 bytes
// of slack; a damaged stream decodes to wrong peaks, never out of bounds.
//
// Thread safety: a PeakCodec is immutable after Create; share it freely.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "fingerprint/landmark.h"

namespace signet::fp::internal {

inline constexpr int kPeakCodeBits = 12;
inline constexpr int kGapSymbols = 32;  // gaps 0..30; 31 escapes
inline constexpr int kEscapeGapBits = 20;
inline constexpr int kPitchSymbols = 48;  // pitch >> 4 for pitches 0..767
inline constexpr int kPitchLowBits = 4;
inline constexpr std::size_t kPeakCodeSymbols = kGapSymbols + kPitchSymbols;
inline constexpr int kCheckpointEvery = 64;  // peaks between time checkpoints

using PeakCodeLengths = std::array<std::uint8_t, kPeakCodeSymbols>;
using PeakSymbolCounts = std::array<std::uint64_t, kPeakCodeSymbols>;

struct Checkpoint {
  std::uint32_t bit;    // offset of the peak from its reference's first bit
  std::uint32_t frame;  // frame of the previous peak (0 for the first checkpoint)
};
static_assert(sizeof(Checkpoint) == 8);

// Adds the symbols of `peaks` to `counts`.
void CountPeakSymbols(std::span<const LandmarkPeak> peaks, PeakSymbolCounts& counts);
// Code lengths for `counts` (every symbol codable).
PeakCodeLengths BuildPeakCode(const PeakSymbolCounts& counts);

class PeakCodec;

// One reference's peaks in a stream: bits [begin, end) of `bytes`, which
// holds at least 8 bytes past bit `end`.
struct PeakStream {
  const std::uint8_t* bytes = nullptr;
  std::uint64_t begin = 0, end = 0;
  const PeakCodec* codec = nullptr;
};

class PeakCodec {
 public:
  // Errors: kInvalidArgument when `lengths` are not prefix codes of lengths
  // 1..kPeakCodeBits.
  static Result<PeakCodec> Create(const PeakCodeLengths& lengths);

  // Appends the codes of `peaks` (ordered by frame) to `bits` (a stream of
  // `*bit_count` bits; grown as needed, 8 bytes of slack kept) and a
  // checkpoint before every kCheckpointEvery-th peak, its offset relative to
  // the first bit appended.
  void Encode(std::span<const LandmarkPeak> peaks, std::vector<std::uint8_t>& bits,
              std::uint64_t* bit_count, std::vector<Checkpoint>& checkpoints) const;

  // Appends to `out` the peaks of `stream` whose frames lie in [from, to),
  // starting at the last checkpoint before `from`.
  void Decode(const PeakStream& stream, std::span<const Checkpoint> checkpoints, std::uint32_t from,
              std::uint32_t to, std::vector<LandmarkPeak>& out) const;

  const PeakCodeLengths& lengths() const { return lengths_; }

 private:
  PeakCodec() = default;
  PeakCodeLengths lengths_{};
  std::array<std::uint16_t, kPeakCodeSymbols> codes_{};  // bit-reversed, LSB-first
  // Gap table then pitch table, indexed by the next kPeakCodeBits bits:
  // symbol | length << 8.
  std::vector<std::uint16_t> table_;
};

}  // namespace signet::fp::internal

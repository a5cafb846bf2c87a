// Internal to fingerprint/: the segments an Index is made of, shared by
// index.cc (which builds them) and matcher.cc (which reads them under the
// Index's shared lock). Layout: fingerprint/INDEX.md. Not for other modules.
//
// Thread safety: a segment is read concurrently by queries and written only by
// the Index under its exclusive lock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

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

// Delta postings pack (delta slot << 16 | offset): offsets fit 16 bits because
// fingerprints are at most kMaxFingerprintValues (60,000) long.
inline constexpr std::size_t kMaxDeltaRefs = std::size_t{1} << 16;

struct BaseRef {
  std::uint64_t ref_id;
  std::uint32_t start;  // into BaseSegment::values
  std::uint32_t length;
};

// Immutable CSR posting lists. Bucket b holds the global positions (index into
// `values`) of every indexed sub-fingerprint whose key prefix is b, ascending;
// entries are bit-packed at entry_bits each.
struct BaseSegment {
  int key_bits = 12;
  int entry_bits = 1;
  std::vector<std::uint32_t> bucket_start;  // 2^key_bits + 1 offsets into entries
  std::vector<std::uint8_t> packed;         // entries, entry_bits each, + 8 bytes padding
  std::vector<std::uint32_t> values;        // every reference, concatenated
  std::vector<BaseRef> refs;                // ascending start
  std::vector<bool> live;                   // per ref; false: withdrawn (tombstone)
  std::size_t indexed_positions = 0;

  std::uint32_t BucketOf(std::uint32_t key24) const;
  std::size_t ListSize(std::uint32_t key24) const;
  std::uint32_t Entry(std::size_t i) const;
  // REQUIRES: pos < values.size().
  std::uint32_t RefOfPosition(std::uint32_t pos) const;
  std::size_t MemoryBytes() const;
};

struct DeltaRef {
  std::uint64_t ref_id;
  std::vector<std::uint32_t> values;
};

// Run-time additions since the last merge.
struct DeltaSegment {
  std::vector<DeltaRef> refs;
  std::vector<bool> live;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> postings;  // full key
  std::size_t positions = 0;

  std::size_t MemoryBytes() const;
};

struct RefSource {
  std::uint64_t ref_id;
  std::span<const std::uint32_t> values;
};
std::unique_ptr<BaseSegment> BuildBase(std::span<const RefSource> refs);

}  // namespace signet::fp::internal

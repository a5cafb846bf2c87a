// Internal to fingerprint/: the compressed verification copy of reference
// sub-fingerprints in Chromaprint segments (INDEX.md, "Values").
//
// Values are cut into blocks of kValueBlock; a block is its first value as 4
// little-endian bytes, then the XOR of every later value with its predecessor,
// each XOR as its four bytes (bits 0-7 first), each byte Huffman-coded with a
// code of its own lane (4 lanes x 256 symbols, codes of at most kMaxCodeBits,
// packed LSB-first, the block padded to a whole byte). Neighbouring
// sub-fingerprints differ in ~4 of 32 bits (Chromaprint's classifiers move one
// Gray step at a time), so a block costs ~2.1 bytes per value instead of 4,
// and any block decodes on its own: the matcher decodes only the few blocks a
// candidate alignment reads.
//
// Thread safety: a ValueCodec is immutable after Create; share it freely.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"

namespace signet::fp::internal {

inline constexpr std::size_t kValueBlock = 32;
inline constexpr int kMaxCodeBits = 12;
inline constexpr std::size_t kValueSymbols = 4 * 256;  // lane * 256 + byte

using ValueCodeLengths = std::array<std::uint8_t, kValueSymbols>;
using ValueSymbolCounts = std::array<std::uint64_t, kValueSymbols>;

// Adds the lane symbols of `values` (the XOR deltas a block codes) to `counts`.
void CountValueSymbols(std::span<const std::uint32_t> values, ValueSymbolCounts& counts);
// A length-limited Huffman code for `counts` (every symbol gets a code).
ValueCodeLengths BuildValueCode(const ValueSymbolCounts& counts);
// The code every segment is written with: built from the symbol counts of
// the Wesnoth corpus (40 recordings, silence excluded; INDEX.md).
const ValueCodeLengths& DefaultValueCodeLengths();

class ValueCodec {
 public:
  // Errors: kInvalidArgument when `lengths` is not a prefix code of lengths
  // 1..kMaxCodeBits for every lane.
  static Result<ValueCodec> Create(const ValueCodeLengths& lengths);
  static const ValueCodec& Default();

  // Appends the blocks of `values` to `out`, and to `block_offsets` the offset
  // of each block from the first byte appended.
  void Encode(std::span<const std::uint32_t> values, std::vector<std::uint8_t>& out,
              std::vector<std::uint32_t>& block_offsets) const;
  // Decodes one block holding `count` values (1..kValueBlock) from `bytes`
  // into `out`. Never reads outside `bytes`: a damaged block decodes to wrong
  // values, never out of bounds.
  void DecodeBlock(std::span<const std::uint8_t> bytes, std::size_t count,
                   std::uint32_t* out) const;
  // DecodeBlock of two blocks at once (faster than one after the other).
  void DecodeBlocks(std::span<const std::uint8_t> bytes_a, std::size_t count_a,
                    std::uint32_t* out_a, std::span<const std::uint8_t> bytes_b,
                    std::size_t count_b, std::uint32_t* out_b) const;

  const ValueCodeLengths& lengths() const { return lengths_; }

 private:
  ValueCodec() = default;
  ValueCodeLengths lengths_{};
  std::array<std::uint16_t, kValueSymbols> codes_{};  // bit-reversed, for LSB-first output
  // Per lane, indexed by the next kMaxCodeBits input bits: symbol | length << 8.
  std::vector<std::uint16_t> table_;
};

}  // namespace signet::fp::internal

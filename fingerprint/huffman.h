// Internal to fingerprint/: length-limited canonical Huffman codes, shared by
// the verification copy of Chromaprint segments (value_codec.h) and the peak
// codes of landmark segments (landmark_peak_codec.h).
//
// Codes are canonical (by length, then symbol) and written LSB-first, so a
// decoder looks the next `max_bits` input bits up in one table whose entries
// are `symbol | length << 8` (symbols < 256).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace signet::fp::internal {

// Code lengths (1..max_bits) for `counts` (every count > 0, at most 256
// symbols): Huffman by the two-queue method over symbols sorted by count,
// flattening the distribution until no code is longer than max_bits.
std::vector<std::uint8_t> LimitedHuffmanLengths(std::vector<std::uint64_t> counts, int max_bits);

// Fills `codes` (bit-reversed, for LSB-first output) and `table` (2^max_bits
// entries: symbol | length << 8) for the canonical code of `lengths`. Entries
// no valid stream reaches decode symbol 0 with length max_bits, so a damaged
// stream decodes wrong symbols and moves on.
// Errors: kInvalidArgument (naming `what`) when a length is outside
// 1..max_bits or the lengths are not a prefix code.
Status BuildCanonicalCode(std::span<const std::uint8_t> lengths, int max_bits,
                          std::span<std::uint16_t> codes, std::span<std::uint16_t> table,
                          const std::string& what);

}  // namespace signet::fp::internal

// The compressed fingerprint format that fpcalc prints (Chromaprint's
// base64url-encoded, bit-packed format). Our own bounds-checked codec:
// Debian's Chromaprint 1.5.1 decoder overflows the heap on malformed input,
// so untrusted strings never reach chromaprint_decode_fingerprint.
//
// Format (Chromaprint's fingerprint_compressor.cpp), before base64url without
// padding:
//   byte 0      algorithm (CHROMAPRINT_ALGORITHM_*, 0..4)
//   bytes 1..3  number of 32-bit values N, big-endian
//   normal      3-bit codes packed LSB-first into bytes. Each value is XORed
//               with the previous one (the first with 0); for each set bit of
//               that delta, from bit 0 up, the code is the distance from the
//               previous set bit (1-based), and a 0 code ends the value. A
//               distance >= 7 is coded as 7 plus an exceptional code.
//   exceptional 5-bit codes (distance - 7), packed LSB-first, starting on the
//               byte after the normal section.
//
// Strictness (decided here; Chromaprint is laxer, see DecodeFingerprint):
// exactly one string encodes a fingerprint, so decode then encode gives back the
// input byte for byte, which lets callers compare and hash the strings.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace signet::fp {

// Chromaprint makes ~8.08 values per second of audio: 60,000 values is ~2 h 3 min,
// above the decoder's default 2 h duration limit (audio_decoder.h). Longer
// recordings are refused rather than allocating for a count an attacker chose.
inline constexpr std::size_t kMaxFingerprintValues = 60'000;
// Highest CHROMAPRINT_ALGORITHM_* value (TEST5).
inline constexpr int kMaxFingerprintAlgorithm = 4;

struct RawFingerprint {
  int algorithm = 1;  // Chromaprint's CHROMAPRINT_ALGORITHM_DEFAULT (TEST2) is 1.
  std::vector<std::uint32_t> values;

  friend bool operator==(const RawFingerprint&, const RawFingerprint&) = default;
};

// Encodes to the string fpcalc prints. Byte-equal to Chromaprint's
// chromaprint_encode_fingerprint(..., base64=1).
// REQUIRES: 0 <= fp.algorithm <= 255 and fp.values.size() < 2^24.
std::string EncodeFingerprint(const RawFingerprint& fp);

// Decodes an untrusted string. Every malformed input is rejected with
// kInvalidArgument and a message; never reads outside `encoded`. Rejected, where
// Chromaprint would accept or misbehave:
//  - characters outside base64url, '=' padding, a length of 4k+1 characters,
//    or non-zero unused bits in the last character;
//  - an algorithm byte above kMaxFingerprintAlgorithm;
//  - more than kMaxFingerprintValues values, or fewer codes than the count says;
//  - a value with a set bit beyond bit 31;
//  - non-zero unused bits at the end of either packed section, and any bytes
//    after the exceptional section (Chromaprint ignores or overruns them).
// An empty fingerprint (count 0, header only) is valid here; whether it is
// acceptable is the caller's decision.
Result<RawFingerprint> DecodeFingerprint(std::string_view encoded);

}  // namespace signet::fp

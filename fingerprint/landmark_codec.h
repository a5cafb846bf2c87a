// The landmark print's wire format: what a signed work registration carries
// (registry/STATEMENTS.md, field "landmark") and what the CLI computes from
// the artist's audio. It holds the peaks, not the hashes, so that the server
// derives the indexed groups itself (landmark_hash.h) and a better hash
// scheme needs no new signatures.
//
// Format version 1, then base64url without padding (common/base64.h):
//   byte 0      format version (1)
//   varint      frames: length of the analysed audio in frames (kLandmarkHop
//               samples at kLandmarkSampleRate, 23.2 ms)
//   varint      N: number of peaks
//   N varints   one per peak in (frame, pitch) order:
//               ((frame - previous frame) * (kLandmarkMaxPitch + 1) + pitch)
//                 * (kLandmarkMaxSalience + 1) + salience
//               (the first peak's previous frame is 0)
// Varints are LEB128 (7 bits per byte, least significant first, high bit set
// on every byte but the last), at most 10 bytes.
// A reference print at ~12 peaks per second costs ~3 bytes a peak: ~2.2 KB a
// minute, ~2.9 KB a minute in base64 (LANDMARK.md has measured figures).
//
// Strictness: exactly one string encodes a print (no overlong varints, no
// trailing bytes, peaks strictly ordered, every peak inside `frames`, limits
// of landmark_index.h), so decode then encode gives back the input byte for
// byte and the string can be hashed and compared.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "fingerprint/landmark.h"

namespace signet::fp {

inline constexpr int kLandmarkFormatVersion = 1;

// REQUIRES: print satisfies what DecodeLandmarkPrint checks.
std::string EncodeLandmarkPrint(const LandmarkPrint& print);

// Decodes an untrusted string; kInvalidArgument with a message for every
// malformed input; never reads outside `encoded`.
Result<LandmarkPrint> DecodeLandmarkPrint(std::string_view encoded);

}  // namespace signet::fp

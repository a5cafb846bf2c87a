// The compressed fingerprint format that fpcalc prints (Chromaprint's
// base64url-encoded, bit-packed format). Our own bounds-checked codec:
// Debian's Chromaprint 1.5.1 decoder overflows the heap on malformed input,
// so untrusted strings never reach chromaprint_decode_fingerprint.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace signet::fp {

struct RawFingerprint {
  int algorithm = 1;  // Chromaprint's CHROMAPRINT_ALGORITHM_DEFAULT (TEST2) is 1.
  std::vector<std::uint32_t> values;
};

// Encodes to the string fpcalc prints.
std::string EncodeFingerprint(const RawFingerprint& fp);

// Decodes an untrusted string. Every malformed input is rejected with a message.
Result<RawFingerprint> DecodeFingerprint(std::string_view encoded);

}  // namespace signet::fp

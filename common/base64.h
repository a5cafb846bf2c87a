// Base64 (RFC 4648): the standard alphabet with '=' padding (section 4) and the
// URL-safe alphabet without padding (section 5), shared by crypto/encoding.h
// and the fingerprint codec so that both read untrusted text the same way.
//
// Decoding is strict: a character outside the alphabet, missing, wrong or
// misplaced padding, an impossible length or non-zero unused trailing bits is
// an error, so every byte string has exactly one accepted spelling: the one
// the encoder produces. Errors are InvalidArgument; messages name the form
// ("base64" or "base64url") and the offending length or position.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace signet {

enum class Base64Form {
  kStandard,  // "+/" alphabet, '=' padding to a multiple of 4
  kUrl,       // "-_" alphabet, no padding (as in JWS and Chromaprint fingerprints)
};

std::string EncodeBase64(std::span<const std::uint8_t> data, Base64Form form);
Result<std::vector<std::uint8_t>> DecodeBase64(std::string_view text, Base64Form form);

}  // namespace signet

// libFuzzer target for the compressed-fingerprint codec (fingerprint/codec.h),
// the parser the server runs on every fingerprint string it receives.
//
// Invariants checked on every input, beyond "no crash, no out-of-bounds read":
//  - an accepted string is canonical: encoding what it decodes to gives the
//    same string back, and never more than kMaxFingerprintValues values;
//  - any list of values (the input read as 32-bit words) survives
//    encode -> decode unchanged.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "fingerprint/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using signet::fp::DecodeFingerprint;
  using signet::fp::EncodeFingerprint;
  using signet::fp::RawFingerprint;

  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto decoded = DecodeFingerprint(text);
  if (decoded.ok()) {
    if (decoded->values.size() > signet::fp::kMaxFingerprintValues) __builtin_trap();
    if (EncodeFingerprint(*decoded) != text) __builtin_trap();
  }

  RawFingerprint raw;
  raw.algorithm = size > 0 ? data[0] % (signet::fp::kMaxFingerprintAlgorithm + 1) : 1;
  raw.values.resize(size / 4);
  if (!raw.values.empty()) std::memcpy(raw.values.data(), data, raw.values.size() * 4);
  auto back = DecodeFingerprint(EncodeFingerprint(raw));
  if (!back.ok() || !(*back == raw)) __builtin_trap();
  return 0;
}

#include "fingerprint/codec.h"

namespace signet::fp {

// Placeholder until the codec lands (foundation issue).
std::string EncodeFingerprint(const RawFingerprint&) { return {}; }

Result<RawFingerprint> DecodeFingerprint(std::string_view) {
  return Status::Internal("fingerprint codec not implemented yet");
}

}  // namespace signet::fp

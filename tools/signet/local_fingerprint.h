// What one audio file contributes to a statement or a check item, computed on
// this machine: its Chromaprint fingerprint (raw and as fpcalc prints it), its
// duration and the SHA-256 of its bytes.
//
// Thread safety: FingerprintLocalFile only reads the file; call it from any thread.
#pragma once

#include <filesystem>
#include <string>

#include "common/status.h"
#include "fingerprint/codec.h"

namespace signet::cli {

struct LocalFingerprint {
  fp::RawFingerprint fingerprint;
  std::string compressed;  // what fpcalc prints
  double duration_seconds = 0;
  std::string sha256;  // lowercase hex of the file's bytes
};

// Errors name the file ("cannot open x.mp3", "x.mp3: it is not audio ...").
Result<LocalFingerprint> FingerprintLocalFile(const std::filesystem::path& path);

}  // namespace signet::cli

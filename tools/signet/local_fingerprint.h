// What one audio file contributes to a statement or a check item, computed on
// this machine: its Chromaprint fingerprint (raw and as fpcalc prints it), its
// landmark print when asked for (fingerprint/landmark.h: the reference density
// for a registration, the query density for a check or a match, both from the
// same decode), its duration and the SHA-256 of its bytes.
//
// Thread safety: FingerprintLocalFile only reads the file; call it from any thread.
#pragma once

#include <filesystem>
#include <string>

#include "common/status.h"
#include "fingerprint/codec.h"

namespace signet::cli {

enum class LandmarkDensity {
  kNone,
  kReference,  // LandmarkOptions::Reference(): what work.register carries
  kQuery,      // LandmarkOptions::Query(), over at most kMaxQueryLandmarkSeconds
};
// signetd matches at most 30 min of a query (api::ApiOptions::max_audio_seconds
// by default); a query print covers the file's start up to this.
inline constexpr double kMaxQueryLandmarkSeconds = 30 * 60;

struct LocalFingerprint {
  fp::RawFingerprint fingerprint;
  std::string compressed;  // what fpcalc prints
  double duration_seconds = 0;
  std::string sha256;    // lowercase hex of the file's bytes
  std::string landmark;  // fingerprint/landmark_codec.h; empty with kNone
};

// Errors name the file ("cannot open x.mp3", "x.mp3: it is not audio ...").
Result<LocalFingerprint> FingerprintLocalFile(const std::filesystem::path& path,
                                              LandmarkDensity landmark = LandmarkDensity::kNone);

}  // namespace signet::cli

// Chromaprint fingerprint extraction (libchromaprint, CHROMAPRINT_ALGORITHM_DEFAULT)
// from an audio file, audio bytes or decoded PCM.
//
// FingerprintFile / FingerprintBuffer decode with audio_decoder.h at 11025 Hz
// mono through fpcalc's resampler settings, so EncodeFingerprint() of the result
// and FormatFpcalcText() are byte-equal to what `fpcalc -length 0 FILE` prints.
// FingerprintPcm fingerprints PCM at any rate and channel count (Chromaprint
// resamples internally); it equals fpcalc only for 11025 Hz mono input made by
// DecodeAudio's defaults.
//
// Thread safety: reentrant; each call owns its Chromaprint context.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "fingerprint/audio_decoder.h"
#include "fingerprint/codec.h"
#include "fingerprint/landmark.h"

namespace signet::fp {

struct FingerprintResult {
  RawFingerprint fingerprint;
  // As fpcalc reports it: the container's declared duration (milliseconds,
  // truncated), or 0 when the container does not declare one. For PCM input,
  // the PCM's own length.
  double duration_seconds = 0;
};

// Timing of Chromaprint's sub-fingerprints (the same for every input).
struct FingerprintTiming {
  double item_seconds;   // one sub-fingerprint step, ~0.1238 s (~8.08 per second)
  double delay_seconds;  // audio consumed before the first sub-fingerprint
};
FingerprintTiming GetFingerprintTiming();

// Errors: those of DecodeAudio, plus kInvalidArgument "audio is too short to
// fingerprint" when Chromaprint produces nothing (under ~3 s of audio).
Result<FingerprintResult> FingerprintAudio(const AudioSource& source,
                                           const DecodeLimits& limits = {});
Result<FingerprintResult> FingerprintFile(const std::string& path, const DecodeLimits& limits = {});
// REQUIRES: `bytes` stays valid during the call.
Result<FingerprintResult> FingerprintBuffer(std::span<const std::uint8_t> bytes,
                                            const DecodeLimits& limits = {});
// REQUIRES: pcm.sample_rate > 0 and 1 <= pcm.channels <= 8 (else kInvalidArgument).
Result<FingerprintResult> FingerprintPcm(const Pcm& pcm);

// A query's audio heard at other speeds, for finding copies that were sped up
// or slowed down (tempo and pitch together, as a record played fast). For each
// s in `speeds` the decoded audio is relabelled at 11025 / s Hz, so that a copy
// playing s times faster lines up with the registered recording again, and
// fingerprinted (matcher.h, QueryVariant). The audio is decoded once;
// `original` is exactly what FingerprintAudio returns. Variants cover the
// first `max_variant_seconds` of the audio (each costs a fingerprinting run),
// which `variant_seconds` reports.
// The speeds signetd hears an audio query at by default (api::ApiOptions):
// 1 % steps over +-6 %; with 2 % steps recall at 3 % fell to ~50 % (INDEX.md).
inline constexpr std::array<double, 12> kDefaultSpeedVariants = {
    0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 1.01, 1.02, 1.03, 1.04, 1.05, 1.06};

struct SpeedVariant {
  double speed = 1.0;
  std::vector<std::uint32_t> values;  // empty when that much audio is too short
};
struct SpeedVariantFingerprints {
  FingerprintResult original;
  std::vector<SpeedVariant> variants;  // in the order of `speeds`
  double variant_seconds = 0;
  // The landmark print of the same decode, when asked for (FingerprintAudioPrints).
  std::optional<LandmarkPrint> landmark;
};
// Errors: those of FingerprintAudio; kInvalidArgument for a speed outside
// (0.5, 2) or equal to 1.
Result<SpeedVariantFingerprints> FingerprintAudioAtSpeeds(const AudioSource& source,
                                                          const DecodeLimits& limits,
                                                          std::span<const double> speeds,
                                                          double max_variant_seconds);

// Both prints from one decode: Chromaprint (and its speed variants, as
// FingerprintAudioAtSpeeds) and, when `landmark` is set, the landmark print
// (landmark.h) at that density: LandmarkOptions::Query() for a query,
// Reference() for a registration. The landmark print covers the whole audio.
struct AudioPrintOptions {
  std::span<const double> speeds;
  double max_variant_seconds = 0;
  const LandmarkOptions* landmark = nullptr;
};
Result<SpeedVariantFingerprints> FingerprintAudioPrints(const AudioSource& source,
                                                        const DecodeLimits& limits,
                                                        const AudioPrintOptions& options);

// fpcalc's text output for one file: "DURATION=<int>\nFINGERPRINT=<string>\n".
std::string FormatFpcalcText(const FingerprintResult& result);
// fpcalc -json output for one file:
// {"duration": <%.2f>, "fingerprint": "<string>"}\n
std::string FormatFpcalcJson(const FingerprintResult& result);

}  // namespace signet::fp

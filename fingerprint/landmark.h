// The landmark fingerprint: spectral peaks of a log-frequency spectrogram, the
// second print beside Chromaprint. On a log-frequency axis a pitch shift is a
// translation and a tempo change a scaling of the time axis, so peaks (and the
// triplet hashes built from them in landmark_index.h) survive speed, tempo and
// pitch changes that defeat Chromaprint; peaks are sparse and local, so they
// also survive a second source mixed in and reverberation. Signal chain,
// parameters and the reasons behind them: fingerprint/LANDMARK.md.
//
// Input is mono PCM at kLandmarkSampleRate (Chromaprint's 11025 Hz, so one
// decode serves both prints). The transform is FFmpeg's av_tx real DFT.
//
// Two densities: a reference print (registered, stored, indexed) keeps about
// LandmarkOptions::Reference().peaks_per_second peaks; a query keeps more
// (LandmarkOptions::Query()), chosen by the same rule with a looser quota, so
// that a reference peak that survives a degradation is very likely among the
// query's peaks even when the degradation reorders peak strengths.
//
// Thread safety: a LandmarkExtractor is used by one thread at a time; the free
// functions are reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/status.h"

namespace signet::fp {

inline constexpr int kLandmarkSampleRate = 11025;
// Frames: one every kLandmarkHop samples (23.2 ms).
inline constexpr int kLandmarkHop = 256;
inline constexpr double kLandmarkFrameSeconds =
    static_cast<double>(kLandmarkHop) / kLandmarkSampleRate;
// Pitch: in units of 1/kLandmarkUnitsPerSemitone semitone above kLandmarkMinHz,
// 0 .. kLandmarkMaxPitch (110 Hz .. 4.4 kHz).
inline constexpr int kLandmarkUnitsPerSemitone = 12;
inline constexpr double kLandmarkMinHz = 110.0;
inline constexpr int kLandmarkMaxPitch = 64 * kLandmarkUnitsPerSemitone - 1;
inline constexpr int kLandmarkMaxSalience = 127;

struct LandmarkPeak {
  std::uint32_t frame = 0;  // time in frames from the start of the audio
  std::uint16_t pitch = 0;  // log frequency, see kLandmarkUnitsPerSemitone
  // How much the peak stands out of its neighbourhood: 0.5 dB steps,
  // 0..kLandmarkMaxSalience. Chooses which peaks a print keeps and which
  // triplets of a reference are indexed.
  std::uint8_t salience = 0;

  friend bool operator==(const LandmarkPeak&, const LandmarkPeak&) = default;
};

// Peaks ordered by (frame, pitch); `frames` is the length of the analysed audio.
struct LandmarkPrint {
  std::vector<LandmarkPeak> peaks;
  std::uint32_t frames = 0;

  double DurationSeconds() const { return frames * kLandmarkFrameSeconds; }
  friend bool operator==(const LandmarkPrint&, const LandmarkPrint&) = default;
};

// Every local maximum of the spectrogram with its salience, before the
// density rule: what an extraction produces, so that one pass can give a
// query's dense print and a reference's sparse one.
struct LandmarkCandidates {
  std::vector<LandmarkPeak> peaks;  // ordered by (frame, pitch)
  std::uint32_t frames = 0;
};

struct LandmarkOptions {
  // Target density. The rule is local (a candidate is kept when fewer than
  // peaks_per_second * 2 * density_window_seconds candidates within
  // +-density_window_seconds stand out more), so it does not depend on where
  // the audio starts; a denser selection contains every peak of a sparser one.
  double peaks_per_second = 12;
  double density_window_seconds = 1.0;

  static LandmarkOptions Reference() { return {}; }
  static LandmarkOptions Query() {
    LandmarkOptions o;
    o.peaks_per_second = 36;
    return o;
  }
};

// Streaming analysis: Feed blocks of mono samples, then Finish once.
class LandmarkExtractor {
 public:
  LandmarkExtractor();
  ~LandmarkExtractor();
  LandmarkExtractor(const LandmarkExtractor&) = delete;
  LandmarkExtractor& operator=(const LandmarkExtractor&) = delete;

  // Samples at kLandmarkSampleRate, mono.
  void Feed(std::span<const std::int16_t> samples);
  // Errors: kInternal when FFmpeg cannot set up the transform.
  Result<LandmarkCandidates> Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The density rule.
LandmarkPrint SelectLandmarks(const LandmarkCandidates& candidates,
                              const LandmarkOptions& options = LandmarkOptions::Reference());

// Feed + Finish + SelectLandmarks.
Result<LandmarkPrint> ExtractLandmarks(
    std::span<const std::int16_t> mono,
    const LandmarkOptions& options = LandmarkOptions::Reference());

}  // namespace signet::fp

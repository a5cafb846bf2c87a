// Internal to fingerprint/: the landmark matcher's null model for one query
// (LANDMARK.md, "Null model"): the query's dense peaks arranged so that the
// verify stage can ask whether a query peak confirms a place and how likely a
// query unrelated to the reference was to put one there, from the query's own
// local peak densities. And the Poisson tail those chances are scored with.
//
// Ownership: a QueryPeaks borrows the print, which must outlive it.
// Thread safety: const methods may run concurrently.
#pragma once

#include <cstdint>
#include <vector>

#include "fingerprint/landmark.h"

namespace signet::fp::internal {

// A reference peak is confirmed by a query peak within this many frames and
// pitch units of where the alignment puts it (measured jitter: LANDMARK.md).
inline constexpr int kMatchFrames = 2;
inline constexpr int kMatchPitch = 2;
// The tight look (the verify stage scores every segment at both tolerances
// and keeps the better, as two looks): an exact or re-encoded copy confirms
// nearly every peak within +-1 frame and pitch unit, where a held note or a
// chord of an unrelated query confirms ~9/25 as many as at +-2.
inline constexpr int kTightMatchFrames = 1;
inline constexpr int kTightMatchPitch = 1;

struct MatchTolerance {
  int frames = kMatchFrames;
  int pitch = kMatchPitch;
};

class QueryPeaks {
 public:
  explicit QueryPeaks(const LandmarkPrint& print, MatchTolerance tolerance = {});

  std::uint32_t frames() const { return frames_; }
  // The chance of a confirmation at a place where the query's peaks were
  // spread uniformly.
  double AverageChance() const;
  // A query peak within the match tolerance of (t, pitch).
  bool Confirms(double t, double pitch) const;
  // Probability that a query unrelated to the reference confirms a peak at
  // (t, pitch) by chance: from the query's own peak density around it.
  // `confirmed`: a query peak confirms this place; it is left out of the
  // count (the chance of a peak there is judged from the others).
  double ChanceAt(double t, double pitch, bool confirmed) const;

 private:
  double Independent(double t, double pitch, bool confirmed) const;
  double ColumnDensity(double t, bool confirmed) const;
  double Density(double t, double pitch, int half_pitch, bool confirmed) const;

  const std::vector<LandmarkPeak>& peaks_;
  MatchTolerance tol_;
  std::uint32_t frames_;
  std::vector<std::uint32_t> by_frame_;  // peaks of frame f: [by_frame_[f], by_frame_[f+1])
  std::vector<std::uint32_t> by_pitch_;  // into pitch_frames_
  std::vector<std::uint32_t> pitch_frames_;
  double pitch_range_ = kLandmarkMaxPitch;
};

// log10 P(K >= k) for K ~ Poisson(lambda).
double PoissonLog10Tail(int k, double lambda);

}  // namespace signet::fp::internal

#include "fingerprint/landmark_null.h"

#include <algorithm>
#include <cmath>

namespace signet::fp::internal {
namespace {

// The null's local density: query peaks within +-kDensityFrames x
// +-kDensityPitch of that place.
constexpr int kDensityFrames = 21;
constexpr int kDensityPitch = 12;
// The window of the independence estimate (QueryPeaks::Independent): +-2 s.
constexpr int kIndependentFrames = 86;

}  // namespace

QueryPeaks::QueryPeaks(const LandmarkPrint& print, MatchTolerance tolerance)
    : peaks_(print.peaks), tol_(tolerance), frames_(print.frames) {
  by_frame_.assign(frames_ + 2, 0);
  for (const auto& p : peaks_) ++by_frame_[std::min(p.frame, frames_) + 1];
  for (std::size_t f = 0; f + 1 < by_frame_.size(); ++f) by_frame_[f + 1] += by_frame_[f];
  by_pitch_.assign(kLandmarkMaxPitch + 2, 0);
  for (const auto& p : peaks_) ++by_pitch_[p.pitch + 1];
  for (std::size_t k = 0; k + 1 < by_pitch_.size(); ++k) by_pitch_[k + 1] += by_pitch_[k];
  pitch_frames_.resize(peaks_.size());
  std::vector<std::uint32_t> fill(by_pitch_.begin(), by_pitch_.end() - 1);
  for (const auto& p : peaks_) pitch_frames_[fill[p.pitch]++] = p.frame;  // frames ascend
  // The pitch range holding the middle 90 % of the query's peaks.
  if (!peaks_.empty()) {
    std::vector<std::uint16_t> pitches;
    for (const auto& p : peaks_) pitches.push_back(p.pitch);
    std::sort(pitches.begin(), pitches.end());
    const double lo = pitches[pitches.size() / 20], hi = pitches[pitches.size() * 19 / 20];
    pitch_range_ = std::max(120.0, hi - lo);
  }
}

double QueryPeaks::AverageChance() const {
  const double cells = std::max<double>(1, frames_) * (kLandmarkMaxPitch + 1);
  const double box = (2.0 * tol_.frames + 1) * (2.0 * tol_.pitch + 1);
  return 1 - std::exp(-static_cast<double>(peaks_.size()) * box / cells);
}

bool QueryPeaks::Confirms(double t, double pitch) const {
  const long lo = std::max<long>(static_cast<long>(std::ceil(t - tol_.frames)), 0);
  const long hi =
      std::min<long>(static_cast<long>(std::floor(t + tol_.frames)), static_cast<long>(frames_));
  if (lo > hi) return false;
  for (std::uint32_t i = by_frame_[lo]; i < by_frame_[hi + 1]; ++i)
    if (std::abs(peaks_[i].pitch - pitch) <= tol_.pitch) return true;
  return false;
}

double QueryPeaks::ChanceAt(double t, double pitch, bool confirmed) const {
  // The larger of two densities: over +-kDensityPitch units (the
  // neighbourhood), and over the match tolerance itself, so that a query
  // holding a note (a ridge of peaks on one pitch, where a drone or a
  // repeated note of the reference lands again and again) is not diluted.
  const double box = (2.0 * tol_.frames + 1) * (2.0 * tol_.pitch + 1);
  const double broad = Density(t, pitch, kDensityPitch, confirmed);
  const double narrow = Density(t, pitch, tol_.pitch, confirmed);
  const double dens = std::max({broad, narrow, ColumnDensity(t, confirmed)}) * box;
  return 1 - std::exp(-std::max(dens, Independent(t, pitch, confirmed)));
}

// Expected query peaks in the match box if the query's peaks over
// +-kIndependentFrames were spread by their time profile times their pitch
// profile: n(pitch) * n(time) / n. A held chord (its pitches busy at every
// time) or a repeated chord (its frames busy at every pitch, its pitches
// recurring) makes a reference peak there likely to be met by chance.
double QueryPeaks::Independent(double t, double pitch, bool confirmed) const {
  const long w0 = std::max<long>(0, static_cast<long>(std::floor(t - kIndependentFrames)));
  const long w1 = std::min<long>(frames_, static_cast<long>(std::ceil(t + kIndependentFrames)));
  const long f0 = std::max<long>(w0, static_cast<long>(std::ceil(t - tol_.frames)));
  const long f1 = std::min<long>(w1, static_cast<long>(std::floor(t + tol_.frames)));
  if (w1 < w0) return 0;
  double n = by_frame_[w1 + 1] - by_frame_[w0];
  double nt = f1 >= f0 ? by_frame_[f1 + 1] - by_frame_[f0] : 0;
  const int p0 = std::max(0, static_cast<int>(std::floor(pitch - tol_.pitch)));
  const int p1 = std::min(kLandmarkMaxPitch, static_cast<int>(std::ceil(pitch + tol_.pitch)));
  double np = 0;
  for (int p = p0; p <= p1; ++p) {
    const auto b = pitch_frames_.begin() + by_pitch_[p],
               e = pitch_frames_.begin() + by_pitch_[p + 1];
    np += std::upper_bound(b, e, static_cast<std::uint32_t>(w1)) -
          std::lower_bound(b, e, static_cast<std::uint32_t>(w0));
  }
  if (confirmed) n -= 1, nt -= 1, np -= 1;
  return n > 0 && nt > 0 && np > 0 ? np * nt / n : 0;
}

// Query peaks per (frame x pitch unit) in the match tolerance's frames,
// over the pitch range the query occupies: high where the query strikes a
// chord or a drum (a column of peaks), where a reference peak that the
// alignment puts on that frame has a good chance of meeting one. Periodic
// columns (a repeated chord) in query and reference are what an unrelated
// alignment lines up.
double QueryPeaks::ColumnDensity(double t, bool confirmed) const {
  const long f0 = std::max<long>(0, static_cast<long>(std::ceil(t - tol_.frames)));
  const long f1 = std::min<long>(frames_, static_cast<long>(std::floor(t + tol_.frames)));
  if (f1 < f0) return 0;
  std::size_t count = by_frame_[f1 + 1] - by_frame_[f0];
  if (confirmed && count > 0) --count;
  return static_cast<double>(count) / (static_cast<double>(f1 - f0 + 1) * pitch_range_);
}

// Query peaks per (frame x pitch unit) within +-kDensityFrames, +-half_pitch.
double QueryPeaks::Density(double t, double pitch, int half_pitch, bool confirmed) const {
  const long f0 = std::max<long>(0, static_cast<long>(std::floor(t - kDensityFrames)));
  const long f1 = std::min<long>(frames_, static_cast<long>(std::ceil(t + kDensityFrames)));
  const int p0 = std::max(0, static_cast<int>(std::floor(pitch - half_pitch)));
  const int p1 = std::min(kLandmarkMaxPitch, static_cast<int>(std::ceil(pitch + half_pitch)));
  if (f1 < f0 || p1 < p0) return 0;
  std::size_t count = 0;
  for (int p = p0; p <= p1; ++p) {
    const auto b = pitch_frames_.begin() + by_pitch_[p],
               e = pitch_frames_.begin() + by_pitch_[p + 1];
    count += std::upper_bound(b, e, static_cast<std::uint32_t>(f1)) -
             std::lower_bound(b, e, static_cast<std::uint32_t>(f0));
  }
  if (confirmed && count > 0) --count;
  return static_cast<double>(count) / (static_cast<double>(f1 - f0 + 1) * (p1 - p0 + 1));
}

// log10 P(K >= k) for K ~ Poisson(lambda).
double PoissonLog10Tail(int k, double lambda) {
  if (k <= 0) return 0;
  if (lambda <= 0) return -300;
  const double ln_l = std::log(lambda);
  double best = -1e300;
  std::vector<double> terms;
  for (int j = k; j < k + 400; ++j) {
    const double t = -lambda + j * ln_l - std::lgamma(j + 1.0);
    terms.push_back(t);
    best = std::max(best, t);
    if (j > lambda && t < best - 40) break;
  }
  double sum = 0;
  for (double t : terms) sum += std::exp(t - best);
  return std::min(0.0, (best + std::log(sum)) / std::log(10.0));
}

}  // namespace signet::fp::internal

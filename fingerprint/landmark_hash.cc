#include "fingerprint/landmark_hash.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

namespace signet::fp {
namespace {

constexpr int kMaxPartners = 3;

// The quantised description of a group, before mixing into 32 bits.
struct Cells {
  std::array<int, kMaxPartners> dpitch{};
  std::array<int, kMaxPartners> ratio{};
  int order = 0;
};

std::uint32_t Mix(const Cells& c, int partners) {
  std::uint64_t x = 0;
  for (int i = 0; i < partners; ++i) x = x * 1021 + static_cast<std::uint64_t>(c.dpitch[i]);
  for (int i = 0; i + 1 < partners; ++i) x = x * 67 + static_cast<std::uint64_t>(c.ratio[i]);
  x = x * 5 + static_cast<std::uint64_t>(c.order);
  // splitmix64's finaliser: every input bit moves every output bit.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return static_cast<std::uint32_t>(x >> 32);
}

// Cells are centred on multiples of pitch_cell: with a cell of one semitone,
// tempered intervals sit in the middle of their cell.
int PitchCell(double d, const LandmarkHashParams& p) {
  return static_cast<int>(std::floor((d + p.max_dpitch + 0.5 * p.pitch_cell) / p.pitch_cell));
}
int RatioCell(double r, const LandmarkHashParams& p) {
  return std::clamp(static_cast<int>(std::floor(r * p.ratio_cells)), 0, p.ratio_cells - 1);
}
int AnchorCell(double pitch, const LandmarkHashParams& p) {
  return std::clamp(static_cast<int>(std::floor(pitch / p.anchor_cell)), 0, kLandmarkClasses - 1);
}
int SpanCell(double span, const LandmarkHashParams& p) {
  return std::clamp(static_cast<int>(std::floor(std::log2(span / p.min_dt) / p.span_step)), 0,
                    kLandmarkClasses - 1);
}

// Cells [lo, hi] of a quantiser over an interval of values.
template <typename F>
std::pair<int, int> Range(double lo, double hi, F cell) {
  return {cell(lo), cell(hi)};
}

// Partners of `anchor`: peaks after it within the zone, the `count` most
// salient (ties to the earlier peak), returned in time order.
std::vector<std::uint32_t> TopPartners(const LandmarkPrint& print, std::uint32_t anchor,
                                       double max_dt, double min_dpitch, double max_dpitch,
                                       int count) {
  const auto& peaks = print.peaks;
  const LandmarkPeak& a = peaks[anchor];
  std::vector<std::uint32_t> zone;
  for (std::uint32_t j = anchor + 1; j < peaks.size(); ++j) {
    const LandmarkPeak& b = peaks[j];
    if (b.frame - a.frame > max_dt) break;
    if (b.frame == a.frame) continue;
    const int d = std::abs(static_cast<int>(b.pitch) - static_cast<int>(a.pitch));
    if (d > max_dpitch || d < min_dpitch) continue;
    zone.push_back(j);
  }
  const auto n = std::min<std::size_t>(zone.size(), static_cast<std::size_t>(count));
  std::partial_sort(zone.begin(), zone.begin() + static_cast<std::ptrdiff_t>(n), zone.end(),
                    [&](std::uint32_t x, std::uint32_t y) {
                      return peaks[x].salience != peaks[y].salience
                                 ? peaks[x].salience > peaks[y].salience
                                 : x < y;
                    });
  zone.resize(n);
  std::sort(zone.begin(), zone.end());  // peaks are in (frame, pitch) order
  return zone;
}

}  // namespace

std::vector<ReferenceHash> ReferenceHashes(const LandmarkPrint& print,
                                           const LandmarkHashParams& p) {
  std::vector<ReferenceHash> out;
  const auto& peaks = print.peaks;
  for (std::uint32_t i = 0; i < peaks.size(); ++i) {
    const auto partners = TopPartners(print, i, p.max_dt, p.min_dpitch, p.max_dpitch, p.partners);
    if (static_cast<int>(partners.size()) < p.partners) continue;
    const LandmarkPeak& a = peaks[i];
    const double span = peaks[partners.back()].frame - a.frame;
    if (span < p.min_dt) continue;
    Cells c;
    if (p.salience_order) {
      int best = 0, bs = a.salience;
      for (int k = 0; k < p.partners; ++k)
        if (peaks[partners[k]].salience > bs) bs = peaks[partners[k]].salience, best = k + 1;
      c.order = best;
    }
    for (int k = 0; k < p.partners; ++k) {
      const LandmarkPeak& b = peaks[partners[k]];
      c.dpitch[k] = PitchCell(static_cast<double>(b.pitch) - a.pitch, p);
      if (k + 1 < p.partners) c.ratio[k] = RatioCell((b.frame - a.frame) / span, p);
    }
    out.push_back({Mix(c, p.partners), static_cast<std::uint8_t>(AnchorCell(a.pitch, p)),
                   static_cast<std::uint8_t>(SpanCell(span, p)), static_cast<std::uint16_t>(span),
                   i});
  }
  return out;
}

std::vector<QueryHash> QueryHashes(const LandmarkPrint& print, const LandmarkHashParams& p) {
  std::vector<QueryHash> out;
  const auto& peaks = print.peaks;
  const double max_dt = p.max_dt * p.max_time_factor + p.time_tolerance;
  const double tp = p.pitch_tolerance, tt = p.time_tolerance;
  for (std::uint32_t i = 0; i < peaks.size(); ++i) {
    const auto cand = TopPartners(print, i, max_dt, p.min_dpitch - tp, p.max_dpitch + tp,
                                  std::max(p.query_candidates, p.partners));
    const int m = static_cast<int>(cand.size());
    if (m < p.partners) continue;
    const LandmarkPeak& a = peaks[i];
    // Every subset of `partners` candidates, as a bit mask over `cand`.
    for (unsigned mask = 0; mask < (1u << m); ++mask) {
      if (std::popcount(mask) != p.partners) continue;
      std::array<std::uint32_t, kMaxPartners> g{};
      int n = 0;
      for (int k = 0; k < m; ++k)
        if (mask & (1u << k)) g[n++] = cand[k];
      const double span = peaks[g[n - 1]].frame - a.frame;
      if (span < p.min_dt * p.min_time_factor - tt) continue;
      // Ranges of cells each component may fall into.
      std::array<std::pair<int, int>, 2 * kMaxPartners> ranges{};
      int r = 0;
      for (int k = 0; k < n; ++k) {
        const double d = static_cast<double>(peaks[g[k]].pitch) - a.pitch;
        ranges[r++] = Range(d - tp, d + tp, [&](double v) { return PitchCell(v, p); });
      }
      for (int k = 0; k + 1 < n; ++k) {
        const double dt = peaks[g[k]].frame - a.frame;
        ranges[r++] = Range((dt - tt) / (span + tt), (dt + tt) / std::max(1.0, span - tt),
                            [&](double v) { return RatioCell(v, p); });
      }
      const auto pitch = Range(a.pitch - p.max_pitch_shift - tp, a.pitch + p.max_pitch_shift + tp,
                               [&](double v) { return AnchorCell(std::max(0.0, v), p); });
      const auto spans =
          Range(std::max(1.0, (span - tt) / p.max_time_factor), (span + tt) / p.min_time_factor,
                [&](double v) { return SpanCell(v, p); });
      // Cartesian product of the ranges.
      std::array<int, 2 * kMaxPartners> at{};
      for (int k = 0; k < r; ++k) at[k] = ranges[k].first;
      while (true) {
        Cells c;
        if (p.salience_order) {
          int best = 0, bs = a.salience;
          for (int k = 0; k < n; ++k)
            if (peaks[g[k]].salience > bs) bs = peaks[g[k]].salience, best = k + 1;
          c.order = best;
        }
        int q = 0;
        for (int k = 0; k < n; ++k) c.dpitch[k] = at[q++];
        for (int k = 0; k + 1 < n; ++k) c.ratio[k] = at[q++];
        out.push_back({Mix(c, p.partners), static_cast<std::uint8_t>(pitch.first),
                       static_cast<std::uint8_t>(pitch.second),
                       static_cast<std::uint8_t>(spans.first),
                       static_cast<std::uint8_t>(spans.second), a.frame, a.pitch,
                       static_cast<std::uint16_t>(span)});
        int k = 0;
        while (k < r && at[k] == ranges[k].second) at[k] = ranges[k].first, ++k;
        if (k == r) break;
        ++at[k];
      }
    }
  }
  return out;
}

}  // namespace signet::fp

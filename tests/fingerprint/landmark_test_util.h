// Test helpers for the landmark index: random prints and tags.
#pragma once

#include <cstdint>
#include <random>

#include "fingerprint/index.h"
#include "fingerprint/landmark.h"

namespace signet::fp::testing {

// A print of `seconds` of random peaks at the reference density (~12 a second).
inline LandmarkPrint RandomPrint(std::uint32_t seed, double seconds) {
  std::mt19937 rng(seed);
  LandmarkPrint p;
  p.frames = static_cast<std::uint32_t>(seconds / kLandmarkFrameSeconds);
  std::uniform_int_distribution<int> pitch(0, kLandmarkMaxPitch);
  std::bernoulli_distribution peak(12 * kLandmarkFrameSeconds);
  for (std::uint32_t f = 0; f < p.frames; ++f) {
    if (peak(rng)) p.peaks.push_back({f, static_cast<std::uint16_t>(pitch(rng)), 20});
  }
  return p;
}

inline IndexTag TagOf(std::uint8_t n) {
  IndexTag t{};
  t.fill(n);
  return t;
}

}  // namespace signet::fp::testing

// Synthetic Chromaprint fingerprints for benchmarks and tests (the library
// signet_fingerprint_testing, never linked into signetd): real corpora
// are small, and the index must be measured at 100k recordings.
//
// Model: Chromaprint's 32 bits are 16 classifiers of 2 Gray-coded bits each
// (classifier c in bits 31-2c..30-2c). Each classifier is a 4-state Markov
// chain whose transition matrix was fitted on the Wesnoth corpus (40 tracks,
// silence.ogg excluded, ~61k sub-fingerprints). That reproduces each bit's
// frequency and the per-bit flip rates between neighbouring sub-fingerprints;
// it does not model correlations between classifiers, nor sections repeated
// inside a recording. How it compares to real data: fingerprint/EVALUATION.md ("Synthetic").
//
// Thread safety: a SyntheticFingerprints object is not shared; make one per
// thread. Output is a pure function of the seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace signet::fp {

class SyntheticFingerprints {
 public:
  explicit SyntheticFingerprints(std::uint64_t seed) : rng_(seed) {}

  // One recording of `positions` sub-fingerprints (8.08 per second).
  std::vector<std::uint32_t> Recording(std::size_t positions);

 private:
  std::mt19937_64 rng_;
};

}  // namespace signet::fp

// signet-eval --calibrate: the matcher's null model checked on brute-force
// unrelated pairs. Excerpts (5, 10, 30 s and full tracks; clean and degraded)
// of each unregistered set are aligned at every diagonal against every
// recording of the other sets (the registered corpus and the other negative
// packages), and the best segment of each pair is scored with the ScoreModel.
// A calibrated model gives P(pair tail probability < x) <= x for every x; the
// tables print that fraction per length, per pair of sets and for
// same-album pairs (held-out recordings of the registered corpus against it,
// which genuinely share passages). fingerprint/EVALUATION.md quotes the tables.
//
// Thread safety: RunCalibration uses `threads` threads of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fingerprint/matcher.h"
#include "tools/eval/corpus.h"

namespace signet::eval {

struct CalibrationOptions {
  int queries_per_cell = 40;  // excerpts per (set, length, degradation)
  std::vector<std::string> lengths = {"5", "10", "30", "full"};
  std::vector<std::string> degradations = {"clean", "mp3_64k", "noise_10", "reverb_50"};
  // Full tracks: only the first this many degradations (each track once per degradation).
  std::size_t full_degradations = 2;
  fp::ScoreModel model;
};

// Prints the tables; returns the process exit status.
int RunCalibration(const std::vector<Recording>& recs, const std::vector<std::size_t>& registered,
                   const std::vector<std::size_t>& holdout,
                   const std::vector<std::size_t>& negatives, const CalibrationOptions& options,
                   const std::string& tmp_dir, std::uint64_t seed, int threads, bool verbose);

}  // namespace signet::eval

// Landmark hashes: groups of peaks described by what survives a speed, tempo
// or pitch change. On the log-frequency axis a pitch shift adds a constant to
// every peak's pitch and a tempo change multiplies every time difference by a
// constant, so within a group (an anchor and its partners) the pitch
// differences and the ratios of time differences do not change; a coarse
// class of the anchor's pitch and of the group's time span does change, by at
// most what the matcher searches (kMaxPitchShift, kMinTimeFactor ..
// kMaxTimeFactor), and a query looks up every class it could fall into.
//
// A reference yields at most one group per peak: the anchor and its
// kPartners most salient peaks in the zone after it (reference peaks are
// sparse, so its postings stay ~10 per second). A query yields many: for each
// of its (denser) peaks, every choice of kPartners among the kQueryCandidates
// most salient peaks of the widened zone, each expanded into every hash cell
// within the measured jitter (LANDMARK.md, "Hash layout").
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fingerprint/landmark.h"

namespace signet::fp {

// The defaults are format version 1's (LANDMARK.md, "Hash layout"); other
// values exist for the probe tool's experiments.
struct LandmarkHashParams {
  int partners = 2;  // peaks per group besides the anchor (2: triplets, 3: quads)
  // The zone after an anchor where partners are chosen, in frames and pitch units.
  int min_dt = 3;
  int max_dt = 40;
  int min_dpitch = 0;
  int max_dpitch = 12 * kLandmarkUnitsPerSemitone;
  // Quantisation: pitch differences in cells of pitch_cell units centred on
  // multiples of it; time ratios in ratio_cells cells over (0, 1); anchor
  // pitch classes of anchor_cell units (0..7); span classes in log2 steps of
  // span_step from min_dt (0..7).
  int pitch_cell = kLandmarkUnitsPerSemitone;
  int ratio_cells = 8;
  int anchor_cell = 8 * kLandmarkUnitsPerSemitone;
  double span_step = 0.5;
  // Query side: tolerance (a value within this of a cell boundary also looks
  // up the neighbouring cell), candidates per zone, and the search range.
  double pitch_tolerance = 1.0;  // units
  double time_tolerance = 1.0;   // frames
  int query_candidates = 4;
  bool salience_order = false;  // include which peak of the group stands out most
  double max_pitch_shift = 4.5 * kLandmarkUnitsPerSemitone;  // units, either way
  double min_time_factor = 0.8;                              // query duration / reference duration
  double max_time_factor = 1.25;
};

// Classes are 0..kLandmarkClasses-1.
inline constexpr int kLandmarkClasses = 8;

// One indexed group of a reference: its invariant hash, the classes of its
// anchor's pitch and of its span, and where it is.
struct ReferenceHash {
  std::uint32_t hash = 0;
  std::uint8_t pitch_class = 0;
  std::uint8_t span_class = 0;
  std::uint16_t span = 0;    // frames from the anchor to the last partner
  std::uint32_t anchor = 0;  // index of the anchor in LandmarkPrint::peaks
};

// One lookup of a query: an invariant hash and the ranges of pitch and span
// classes a reference group with that hash may have.
struct QueryHash {
  std::uint32_t hash = 0;
  std::uint8_t pitch_lo = 0, pitch_hi = 0;
  std::uint8_t span_lo = 0, span_hi = 0;
  std::uint32_t anchor_frame = 0;  // the query anchor's frame
  std::uint16_t anchor_pitch = 0;
  std::uint16_t span = 0;  // frames from the anchor to the last partner
};

std::vector<ReferenceHash> ReferenceHashes(const LandmarkPrint& print,
                                           const LandmarkHashParams& params = {});
std::vector<QueryHash> QueryHashes(const LandmarkPrint& print,
                                   const LandmarkHashParams& params = {});

}  // namespace signet::fp

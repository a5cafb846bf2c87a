// Internal to fingerprint/: the base of a LandmarkIndex (landmark_index_internal.h)
// stored in a segment file (segment_file.h) of kind "landmark". Sections
// (INDEX.md, "Landmark segments"):
//   meta         one LandmarkSegmentMeta
//   refs         LandmarkRefRow per row, consecutive frame ranges from frame 0
//   buckets      u32 per bucket key + 1: where its entries start in `packed`
//   packed       the bit-packed entries, entry_bits each, + 8 bytes of slack
//   codes        u16 peak codes, reference after reference
//   checkpoints  Checkpoint (8 B) per kCheckpointEvery peaks
//   dead         u32 rows withdrawn before the segment was written
// A base read from a file views these sections in place; opening checks every
// offset a row or the bucket table names against the arrays it points into
// (the CRCs prove the bytes are the ones written, not that a writer was sane),
// and the matcher drops entries whose frame lies past the base.
//
// Thread safety: a written or opened base is immutable but for its live bits,
// which the owning LandmarkIndex guards.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/status.h"
#include "fingerprint/landmark_index_internal.h"
#include "fingerprint/segment_file.h"

namespace signet::fp::internal {

inline constexpr std::string_view kLandmarkSegmentKind = "landmark";
inline constexpr std::uint32_t kLandmarkSegmentVersion = 1;

struct LandmarkSegmentMeta {
  std::uint64_t refs;
  std::uint64_t postings;
  std::uint64_t total_frames;
  std::uint32_t bucket_bits, frame_bits, entry_bits;
  std::uint32_t hash_version;      // LandmarkHashParams of format version 1
  std::uint32_t checkpoint_every;  // kCheckpointEvery
  std::uint32_t reserved0;
  std::uint64_t reserved[2];
};
static_assert(sizeof(LandmarkSegmentMeta) == 64);

// Writes `base` (its rows not live listed in `dead`) and opens the result: a
// base with the same rows in the same order that views the file.
Result<std::unique_ptr<LandmarkBase>> WriteLandmarkSegment(const SegmentTarget& target,
                                                           const LandmarkBase& base);

// A base viewing `file`. Errors: kInternal when a section is missing or
// disagrees with the meta record or with the others (the message says which).
Result<std::unique_ptr<LandmarkBase>> OpenLandmarkSegment(std::shared_ptr<const SegmentFile> file);

}  // namespace signet::fp::internal

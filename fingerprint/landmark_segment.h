// Internal to fingerprint/: the base of a LandmarkIndex (landmark_index_internal.h)
// stored in a segment file (segment_file.h) of kind "landmark". Sections
// (INDEX.md, "Landmark segments"), format version 2:
//   meta             one LandmarkSegmentMeta
//   refs             LandmarkRefRow (64 B) per row, consecutive frame ranges
//                    from frame 0 and consecutive bit ranges of `peaks`
//   bucket_occupied  u64 words, a bit per bucket key holding entries, + 1 word
//   bucket_rank      u32 per word: occupied buckets before it
//   bucket_start     u32 per occupied bucket: where its entries start in
//                    `packed`; then the number of entries (LandmarkBuckets)
//   packed           the bit-packed entries, entry_bits each, + 8 bytes of slack
//   peak_code        u8 x 80: the code lengths of the peak code (landmark_peak_codec.h)
//   peaks            the peak stream, reference after reference, + 8 bytes
//   checkpoints      Checkpoint (8 B) per kCheckpointEvery peaks
//   dead             u32 rows withdrawn before the segment was written
// Version 1 (u32 start per bucket, entries with span and fine pitch in 6 bits
// each, u16 peak codes) is refused at open; its directory is rebuilt.
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
inline constexpr std::uint32_t kLandmarkSegmentVersion = 2;

struct LandmarkSegmentMeta {
  std::uint64_t refs;
  std::uint64_t postings;
  std::uint64_t total_frames;
  std::uint32_t bucket_bits, frame_bits, entry_bits;
  std::uint32_t hash_version;      // LandmarkHashParams of format version 1
  std::uint32_t checkpoint_every;  // kCheckpointEvery (64)
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

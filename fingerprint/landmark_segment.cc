#include "fingerprint/landmark_segment.h"

#include <algorithm>
#include <bit>
#include <string>
#include <vector>

#include "fingerprint/landmark_index.h"

namespace signet::fp::internal {
namespace {

constexpr std::uint32_t kHashVersion = 1;
// Entry() reads one 64-bit word at a byte boundary.
constexpr int kMaxEntryBits = 57;

std::uint64_t PackedBytes(std::uint64_t postings, int entry_bits) {
  return (postings * static_cast<std::uint64_t>(entry_bits) + 7) / 8 + 8;
}

// The row checks that make every span CodesOf / CheckpointsOf / RefOfFrame
// hands out lie inside its array.
Status CheckRows(const LandmarkBase& b, const std::string& name) {
  auto bad = [&name](std::size_t row, const std::string& what) {
    return Status::Internal("landmark segment " + name + ": ref row " + std::to_string(row) + " " +
                            what);
  };
  std::uint64_t frame = 0, bit = 0;
  std::uint32_t checkpoint = 0;
  for (std::size_t r = 0; r < b.refs.size(); ++r) {
    const LandmarkRefRow& row = b.refs[r];
    if (row.frame_start != frame) return bad(r, "does not start where the previous one ends");
    if (row.frames > kMaxLandmarkFrames || row.peaks > kMaxLandmarkPeaks) {
      return bad(r, "is longer than any indexed print");
    }
    if (row.peak_bit_start != bit ||
        (bit + row.peak_bits + 7) / 8 + 8 > std::uint64_t{b.peak_stream.size()}) {
      return bad(r, "names peak codes out of order or past the peaks section");
    }
    if (row.checkpoint_start < checkpoint || row.checkpoint_start > b.checkpoints.size()) {
      return bad(r, "names checkpoints out of order or past the checkpoints section");
    }
    frame += row.frames;
    bit += row.peak_bits;
    checkpoint = row.checkpoint_start;
  }
  if (frame != b.total_frames) {
    return Status::Internal("landmark segment " + name + ": rows cover " + std::to_string(frame) +
                            " frames, the meta record " + std::to_string(b.total_frames));
  }
  return Status::Ok();
}

// The checks that make every LandmarkBuckets lookup of keys 0..2^bucket_bits
// stay inside its arrays and name entries below `postings`.
Status CheckBuckets(const LandmarkBuckets& k, std::uint32_t bucket_bits, std::uint64_t postings,
                    const std::string& name) {
  auto bad = [&name](const std::string& what) {
    return Status::Internal("landmark segment " + name + ": bucket table " + what);
  };
  const std::size_t words = (std::size_t{1} << bucket_bits) / 64 + 1;
  if (k.occupied.size() != words || k.rank.size() != words || k.occupied.back() != 0) {
    return bad("disagrees with the meta record's bucket bits");
  }
  std::uint64_t occupied = 0;
  for (std::size_t w = 0; w < words; ++w) {
    if (k.rank[w] != occupied) return bad("counts word " + std::to_string(w) + " wrong");
    occupied += static_cast<std::uint64_t>(std::popcount(k.occupied[w]));
  }
  if (k.start.size() != occupied + 1 || k.start.back() != postings) {
    return bad("has starts for another number of buckets or entries");
  }
  for (std::size_t j = 1; j < k.start.size(); ++j) {
    if (k.start[j] <= k.start[j - 1]) return bad("names an empty or out of order bucket");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<LandmarkBase>> WriteLandmarkSegment(const SegmentTarget& target,
                                                           const LandmarkBase& base) {
  SIGNET_ASSIGN_OR_RETURN(
      auto w, CreateSegmentWriter(target, kLandmarkSegmentKind, kLandmarkSegmentVersion));
  LandmarkSegmentMeta m{};
  m.refs = base.refs.size();
  m.postings = base.postings;
  m.total_frames = base.total_frames;
  m.bucket_bits = static_cast<std::uint32_t>(base.bucket_bits);
  m.frame_bits = static_cast<std::uint32_t>(base.frame_bits);
  m.entry_bits = static_cast<std::uint32_t>(base.entry_bits);
  m.hash_version = kHashVersion;
  m.checkpoint_every = kCheckpointEvery;
  std::vector<std::uint32_t> dead;
  for (std::uint32_t r = 0; r < base.live.size(); ++r)
    if (!base.live[r]) dead.push_back(r);
  SIGNET_RETURN_IF_ERROR(w->AddArray<LandmarkSegmentMeta>("meta", std::span(&m, 1)));
  SIGNET_RETURN_IF_ERROR(w->AddArray<LandmarkRefRow>("refs", base.refs));
  SIGNET_RETURN_IF_ERROR(w->AddArray<std::uint64_t>("bucket_occupied", base.bucket_start.occupied));
  SIGNET_RETURN_IF_ERROR(w->AddArray<std::uint32_t>("bucket_rank", base.bucket_start.rank));
  SIGNET_RETURN_IF_ERROR(w->AddArray<std::uint32_t>("bucket_start", base.bucket_start.start));
  SIGNET_RETURN_IF_ERROR(w->AddArray<std::uint8_t>("packed", base.packed));
  SIGNET_RETURN_IF_ERROR(w->AddArray<std::uint8_t>("peak_code", base.peak_codec->lengths()));
  SIGNET_RETURN_IF_ERROR(w->AddArray<std::uint8_t>("peaks", base.peak_stream));
  SIGNET_RETURN_IF_ERROR(w->AddArray<Checkpoint>("checkpoints", base.checkpoints));
  SIGNET_RETURN_IF_ERROR(w->AddArray<std::uint32_t>("dead", dead));
  SIGNET_ASSIGN_OR_RETURN(
      auto file, FinishAndOpenSegment(std::move(w), kLandmarkSegmentKind, kLandmarkSegmentVersion));
  return OpenLandmarkSegment(std::move(file));
}

Result<std::unique_ptr<LandmarkBase>> OpenLandmarkSegment(std::shared_ptr<const SegmentFile> file) {
  const std::string& name = file->name();
  auto bad = [&name](const std::string& what) {
    return Status::Internal("landmark segment " + name + ": " + what);
  };
  SIGNET_ASSIGN_OR_RETURN(auto meta, file->Array<LandmarkSegmentMeta>("meta"));
  if (meta.size() != 1) return bad("no meta record");
  const LandmarkSegmentMeta& m = meta[0];
  if (m.hash_version != kHashVersion || m.checkpoint_every != kCheckpointEvery) {
    return bad("hash version " + std::to_string(m.hash_version) + ", checkpoints every " +
               std::to_string(m.checkpoint_every) + " peaks; this build reads " +
               std::to_string(kHashVersion) + " and " + std::to_string(kCheckpointEvery));
  }
  auto b = std::make_unique<LandmarkBase>();
  b->bucket_bits = static_cast<int>(m.bucket_bits);
  b->frame_bits = static_cast<int>(m.frame_bits);
  b->entry_bits = static_cast<int>(m.entry_bits);
  b->total_frames = m.total_frames;
  b->postings = m.postings;
  if (m.bucket_bits < kClassBits + 6 || m.bucket_bits > 28 || m.frame_bits < 1 ||
      m.frame_bits > 48 || m.total_frames >> m.frame_bits != 0 ||
      b->entry_bits != b->frame_bits + kSpanPitchBits + b->CheckBits() ||
      b->entry_bits > kMaxEntryBits) {
    return bad("bucket, frame or entry bits out of range");
  }
  SIGNET_ASSIGN_OR_RETURN(b->refs, file->Array<LandmarkRefRow>("refs"));
  SIGNET_ASSIGN_OR_RETURN(b->bucket_start.occupied, file->Array<std::uint64_t>("bucket_occupied"));
  SIGNET_ASSIGN_OR_RETURN(b->bucket_start.rank, file->Array<std::uint32_t>("bucket_rank"));
  SIGNET_ASSIGN_OR_RETURN(b->bucket_start.start, file->Array<std::uint32_t>("bucket_start"));
  SIGNET_ASSIGN_OR_RETURN(b->packed, file->Array<std::uint8_t>("packed"));
  SIGNET_ASSIGN_OR_RETURN(auto code, file->Array<std::uint8_t>("peak_code"));
  SIGNET_ASSIGN_OR_RETURN(b->peak_stream, file->Array<std::uint8_t>("peaks"));
  SIGNET_ASSIGN_OR_RETURN(b->checkpoints, file->Array<Checkpoint>("checkpoints"));
  SIGNET_ASSIGN_OR_RETURN(auto dead, file->Array<std::uint32_t>("dead"));
  if (b->refs.size() != m.refs) return bad("refs section disagrees with the meta record");
  SIGNET_RETURN_IF_ERROR(CheckBuckets(b->bucket_start, m.bucket_bits, m.postings, name));
  if (code.size() != kPeakCodeSymbols) return bad("peak code has the wrong number of lengths");
  PeakCodeLengths lengths;
  std::copy(code.begin(), code.end(), lengths.begin());
  auto codec = PeakCodec::Create(lengths);
  if (!codec.ok()) return bad(codec.status().message());
  b->peak_codec = std::move(*codec);
  if (b->packed.size() < PackedBytes(m.postings, b->entry_bits)) {
    return bad("packed section is shorter than its entries");
  }
  SIGNET_RETURN_IF_ERROR(CheckRows(*b, name));
  b->live.assign(b->refs.size(), true);
  for (std::uint32_t r : dead) {
    if (r >= b->refs.size()) return bad("dead row " + std::to_string(r) + " past the refs");
    b->live[r] = false;
  }
  b->file = std::move(file);
  return b;
}

}  // namespace signet::fp::internal

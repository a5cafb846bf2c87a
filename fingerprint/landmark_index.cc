#include "fingerprint/landmark_index.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>

#include "fingerprint/landmark_hash.h"
#include "fingerprint/landmark_index_internal.h"
#include "fingerprint/landmark_segment.h"
#include "fingerprint/segment_manifest.h"

namespace signet::fp {
namespace internal {

const LandmarkHashParams& HashParamsV1() {
  static const LandmarkHashParams params;
  return params;
}

static_assert(LandmarkHashParams{}.max_dt - LandmarkHashParams{}.min_dt + 1 == kSpanValues &&
              LandmarkHashParams{}.anchor_cell / 2 == kFinePitchValues);

std::uint32_t LandmarkBase::Key(std::uint32_t hash, int pitch_class, int span_class) const {
  const int hb = HashBits();
  return (hash >> (32 - hb)) << kClassBits |
         static_cast<std::uint32_t>(pitch_class) << kSpanClassBits |
         static_cast<std::uint32_t>(span_class);
}

std::uint32_t LandmarkBase::Check(std::uint32_t hash) const {
  const int bits = CheckBits();
  return bits == 0 ? 0 : (hash << HashBits()) >> (32 - bits);
}

std::uint32_t LandmarkBase::RefOfFrame(std::uint64_t frame) const {
  auto it =
      std::upper_bound(refs.begin(), refs.end(), frame,
                       [](std::uint64_t f, const LandmarkRefRow& r) { return f < r.frame_start; });
  return static_cast<std::uint32_t>(it - refs.begin()) - 1;
}

PeakStream LandmarkBase::CodesOf(std::uint32_t row) const {
  return {peak_stream.data(), refs[row].peak_bit_start,
          refs[row].peak_bit_start + refs[row].peak_bits, peak_codec ? &*peak_codec : nullptr};
}

std::span<const Checkpoint> LandmarkBase::CheckpointsOf(std::uint32_t row) const {
  const std::uint32_t first = refs[row].checkpoint_start;
  const std::uint32_t last = row + 1 < refs.size() ? refs[row + 1].checkpoint_start
                                                   : static_cast<std::uint32_t>(checkpoints.size());
  return {checkpoints.data() + first, last - first};
}

void LandmarkBase::ViewOwned() {
  bucket_start = {owned.occupied, owned.rank, owned.start};
  packed = owned.packed;
  peak_stream = owned.peak_stream;
  checkpoints = owned.checkpoints;
  refs = owned.refs;
}

// Sizes of what the base holds, in memory or mapped (a mapped segment's pages
// count once a query has touched them).
std::size_t LandmarkBase::PostingBytes() const {
  return bucket_start.size_bytes() + packed.size_bytes();
}
std::size_t LandmarkBase::PeakBytes() const {
  return peak_stream.size_bytes() + checkpoints.size_bytes();
}
std::size_t LandmarkBase::MemoryBytes() const {
  return PostingBytes() + PeakBytes() + refs.size_bytes() + live.capacity() / 8;
}

std::size_t LandmarkDelta::MemoryBytes() const {
  std::size_t bytes = refs.capacity() * sizeof(LandmarkDeltaRef) + live.capacity() / 8;
  for (const auto& r : refs) bytes += r.peaks.capacity() * sizeof(LandmarkPeak);
  bytes += postings.bucket_count() * sizeof(void*);
  for (const auto& [k, v] : postings) bytes += 48 + v.capacity() * sizeof(std::uint64_t);
  return bytes;
}

std::unique_ptr<LandmarkBase> BuildLandmarkBase(std::span<const LandmarkSource> refs) {
  auto base = std::make_unique<LandmarkBase>();
  const LandmarkHashParams& params = HashParamsV1();
  std::uint64_t frames = 0;
  std::size_t postings = 0;
  std::size_t peaks = 0;
  // Pass 1: sizes (hashes are recomputed in pass 2 rather than held: at 100k
  // recordings they would take gigabytes).
  std::vector<std::uint32_t> per_ref(refs.size());
  for (std::size_t r = 0; r < refs.size(); ++r) {
    LandmarkPrint print{*refs[r].peaks, refs[r].frames};
    per_ref[r] = static_cast<std::uint32_t>(ReferenceHashes(print, params).size());
    postings += per_ref[r];
    frames += refs[r].frames;
    peaks += refs[r].peaks->size();
  }
  base->total_frames = frames;
  base->postings = postings;
  base->frame_bits = std::max(1, static_cast<int>(std::bit_width(frames)));
  base->bucket_bits =
      std::clamp(static_cast<int>(std::bit_width(postings)) - 4, kClassBits + 6, 28);
  base->entry_bits = base->frame_bits + kSpanPitchBits + base->CheckBits();
  base->owned.refs.reserve(refs.size());
  base->owned.checkpoints.reserve(peaks / kCheckpointEvery + refs.size());
  // The peak code of this base, from its own peaks.
  PeakSymbolCounts symbols{};
  for (const LandmarkSource& r : refs) CountPeakSymbols(*r.peaks, symbols);
  base->peak_codec = *PeakCodec::Create(BuildPeakCode(symbols));
  base->owned.peak_stream.reserve(peaks * 13 / 8 + 16);
  std::uint64_t frame_start = 0, peak_bits = 0;
  for (std::size_t r = 0; r < refs.size(); ++r) {
    LandmarkRefRow row{};
    row.ref_id = refs[r].ref_id;
    row.tag = refs[r].tag;
    row.frame_start = frame_start;
    row.frames = refs[r].frames;
    row.peak_bit_start = peak_bits;
    row.checkpoint_start = static_cast<std::uint32_t>(base->owned.checkpoints.size());
    row.peaks = static_cast<std::uint32_t>(refs[r].peaks->size());
    row.postings = per_ref[r];
    base->peak_codec->Encode(*refs[r].peaks, base->owned.peak_stream, &peak_bits,
                             base->owned.checkpoints);
    row.peak_bits = static_cast<std::uint32_t>(peak_bits - row.peak_bit_start);
    base->owned.refs.push_back(row);
    frame_start += refs[r].frames;
  }
  base->live.assign(refs.size(), true);
  if (base->owned.peak_stream.empty()) base->owned.peak_stream.assign(8, 0);

  // Pass 2: counting sort of postings by key; within a bucket, global frames
  // ascend because references and anchors are visited in order.
  const std::size_t buckets = std::size_t{1} << base->bucket_bits;
  std::vector<std::uint32_t> counts(buckets + 1, 0);
  auto for_each = [&](auto&& fn) {
    for (std::size_t r = 0; r < refs.size(); ++r) {
      LandmarkPrint print{*refs[r].peaks, refs[r].frames};
      for (const ReferenceHash& h : ReferenceHashes(print, params)) fn(r, h);
    }
  };
  for_each([&](std::size_t, const ReferenceHash& h) {
    ++counts[base->Key(h.hash, h.pitch_class, h.span_class) + 1];
  });
  for (std::size_t b = 0; b < buckets; ++b) counts[b + 1] += counts[b];
  // The buckets that hold entries and where each starts (LandmarkBuckets).
  base->owned.occupied.assign(buckets / 64 + 1, 0);
  base->owned.rank.assign(buckets / 64 + 1, 0);
  for (std::size_t b = 0; b < buckets; ++b) {
    if (counts[b + 1] == counts[b]) continue;
    base->owned.occupied[b / 64] |= std::uint64_t{1} << (b % 64);
    base->owned.start.push_back(counts[b]);
  }
  base->owned.start.push_back(static_cast<std::uint32_t>(postings));
  for (std::size_t w = 0; w + 1 < base->owned.occupied.size(); ++w) {
    base->owned.rank[w + 1] =
        base->owned.rank[w] + static_cast<std::uint32_t>(std::popcount(base->owned.occupied[w]));
  }
  base->owned.packed.assign((postings * base->entry_bits + 7) / 8 + 8, 0);
  std::vector<std::uint32_t> fill(counts.begin(), counts.end() - 1);
  for_each([&](std::size_t r, const ReferenceHash& h) {
    const LandmarkPeak& a = (*refs[r].peaks)[h.anchor];
    const std::uint64_t g = base->owned.refs[r].frame_start + a.frame;
    const std::uint32_t span_pitch = h.span - static_cast<std::uint32_t>(params.min_dt) +
                                     kSpanValues * ((a.pitch % params.anchor_cell) / 2u);
    const std::uint64_t entry =
        (static_cast<std::uint64_t>(base->Check(h.hash)) << kSpanPitchBits | span_pitch)
            << base->frame_bits |
        g;
    const std::size_t i = fill[base->Key(h.hash, h.pitch_class, h.span_class)]++;
    const std::size_t bit = i * static_cast<std::size_t>(base->entry_bits);
    std::uint64_t word;
    std::memcpy(&word, base->owned.packed.data() + bit / 8, sizeof word);
    word |= entry << (bit % 8);
    std::memcpy(base->owned.packed.data() + bit / 8, &word, sizeof word);
  });
  base->ViewOwned();
  return base;
}

}  // namespace internal

namespace {

using internal::LandmarkBase;
using internal::LandmarkDelta;
using internal::LandmarkDeltaRef;

constexpr std::uint64_t kSegBase = 0, kSegFrozen = 1, kSegDelta = 2;
std::uint64_t Where(std::uint64_t seg, std::size_t row) { return seg << 32 | row; }

Status Validate(const LandmarkPrint& print) {
  if (print.frames > kMaxLandmarkFrames) {
    return Status::InvalidArgument("landmark print covers " + std::to_string(print.frames) +
                                   " frames; at most " + std::to_string(kMaxLandmarkFrames) +
                                   " (about 3 h) are indexed");
  }
  if (print.peaks.size() > kMaxLandmarkPeaks) {
    return Status::InvalidArgument("landmark print has " + std::to_string(print.peaks.size()) +
                                   " peaks; at most " + std::to_string(kMaxLandmarkPeaks));
  }
  for (std::size_t i = 0; i < print.peaks.size(); ++i) {
    const LandmarkPeak& p = print.peaks[i];
    if (p.frame >= print.frames || p.pitch > kLandmarkMaxPitch ||
        (i > 0 && (p.frame < print.peaks[i - 1].frame ||
                   (p.frame == print.peaks[i - 1].frame && p.pitch <= print.peaks[i - 1].pitch)))) {
      return Status::InvalidArgument("landmark peak " + std::to_string(i) +
                                     " is out of order or out of range");
    }
  }
  return Status::Ok();
}

// This index's files: "landmark-<id>.seg" and the MANIFEST in its directory.
internal::SegmentDirectory Files(const std::filesystem::path& dir) { return {dir, "landmark-"}; }

}  // namespace

LandmarkIndex::LandmarkIndex(LandmarkIndexOptions options)
    : options_(std::move(options)),
      base_(internal::BuildLandmarkBase({})),
      delta_(std::make_unique<LandmarkDelta>()) {
  if (!options_.directory.empty()) OpenDirectory();
}

void LandmarkIndex::OpenDirectory() {
  const auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  std::filesystem::create_directories(options_.directory, ec);
  const internal::SegmentDirectory files = Files(options_.directory);
  if (!files.HasManifest()) {
    files.RemoveAll();  // a base of a run that never wrote a manifest
    report_.message = "no persisted landmark index in " + options_.directory.string();
    return;
  }
  auto discard = [&](const Status& why) {
    files.RemoveAll();
    report_ = {};
    report_.state = IndexOpenReport::State::kDiscarded;
    report_.message = why.message();
  };
  auto manifest = files.ReadManifest();
  if (!manifest.ok()) return discard(manifest.status());
  const internal::Manifest& m = *manifest;
  if (m.segments.size() > 1 || m.covered_slots != m.end_slot ||
      (m.segments.empty() ? m.end_slot != 0
                          : m.segments[0].first_slot != 0 || m.segments[0].end_slot != m.end_slot ||
                                m.segments[0].file_id >= m.next_file_id)) {
    return discard(Status::Internal("landmark manifest " + files.ManifestPath().string() +
                                    " does not describe one base"));
  }
  std::unique_ptr<LandmarkBase> base = internal::BuildLandmarkBase({});
  if (!m.segments.empty()) {
    const std::filesystem::path p = files.SegmentPath(m.segments[0].file_id);
    auto file =
        SegmentFile::Open(p, internal::kLandmarkSegmentKind, internal::kLandmarkSegmentVersion,
                          internal::kLandmarkSegmentVersion);
    if (!file.ok()) return discard(file.status());
    if ((*file)->file_size() != m.segments[0].file_size) {
      return discard(Status::Internal("landmark segment " + p.string() +
                                      " is not the file the manifest lists"));
    }
    auto opened = internal::OpenLandmarkSegment(*file);
    if (!opened.ok()) return discard(opened.status());
    base = std::move(*opened);
    if (base->refs.size() != m.end_slot) {
      return discard(Status::Internal("landmark segment " + p.string() + " holds " +
                                      std::to_string(base->refs.size()) +
                                      " rows, the manifest lists " + std::to_string(m.end_slot)));
    }
  }
  for (std::uint64_t r : m.dead) {
    if (r >= base->refs.size()) {
      return discard(Status::Internal("landmark manifest " + files.ManifestPath().string() +
                                      " lists a dead row past the base"));
    }
    base->live[r] = false;
  }
  for (std::uint32_t r = 0; r < base->refs.size(); ++r) {
    if (!base->live[r]) continue;
    if (auto it = where_.find(base->refs[r].ref_id); it != where_.end())
      base->live[it->second & 0xffffffff] = false;  // not in a base we wrote; keep the newer
    where_[base->refs[r].ref_id] = Where(kSegBase, r);
  }
  base_ = std::move(base);
  base_file_id_ = m.segments.empty() ? 0 : m.segments[0].file_id;
  next_file_id_ = m.next_file_id;
  cover_ = m.cover;
  files.RemoveUnlisted(m);
  report_.state = IndexOpenReport::State::kOpened;
  report_.cover = m.cover;
  report_.segments = m.segments.size();
  report_.recordings = where_.size();
  report_.message = "opened a landmark base of " + std::to_string(where_.size()) +
                    " recordings from " + options_.directory.string();
  report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

namespace {

// The manifest of a directory holding the base `b` (file `id`) as of `cover`.
internal::Manifest ManifestOf(const LandmarkBase& b, std::uint64_t id,
                              const std::optional<IndexCover>& cover) {
  internal::Manifest m;
  m.next_file_id = id + 1;
  m.end_slot = m.covered_slots = b.refs.size();
  m.cover = cover;
  m.segments.push_back({id, 0, m.end_slot, b.file->file_size()});
  for (std::uint32_t r = 0; r < b.live.size(); ++r)
    if (!b.live[r]) m.dead.push_back(r);
  return m;
}

}  // namespace

std::unique_ptr<LandmarkBase> LandmarkIndex::WriteBaseFile(std::unique_ptr<LandmarkBase> fresh,
                                                           const std::optional<IndexCover>& cover) {
  const internal::SegmentDirectory files = Files(options_.directory);
  std::uint64_t id;
  {
    std::lock_guard<std::mutex> writer(writer_);
    id = next_file_id_++;
  }
  Status st;
  auto mapped = internal::WriteLandmarkSegment({files.SegmentPath(id)}, *fresh);
  if (mapped.ok()) {
    const internal::Manifest m = ManifestOf(**mapped, id, cover);
    st = files.WriteManifest(m);
    if (st.ok()) files.RemoveUnlisted(m);  // open mappings of the old base stay valid
  } else {
    st = mapped.status();
  }
  std::lock_guard<std::mutex> writer(writer_);
  if (!st.ok()) {
    last_error_ = st.WithContext("writing the landmark base").ToString();
    return fresh;
  }
  base_file_id_ = id;
  last_error_.clear();
  return std::move(*mapped);
}

void LandmarkIndex::SetPersisting(bool on) {
  std::lock_guard<std::mutex> writer(writer_);
  persisting_ = on;
}

Status LandmarkIndex::Persist() {
  if (options_.directory.empty()) return Status::Ok();
  bool merge;
  {
    std::unique_lock<std::mutex> writer(writer_);
    WaitForMergeLocked(writer);
    if (!persisting_) return Status::Ok();
    merge = !delta_->refs.empty() || base_->file == nullptr;
  }
  if (merge) {
    Compact();
    std::lock_guard<std::mutex> writer(writer_);
    return last_error_.empty() ? Status::Ok() : Status::IoError(last_error_);
  }
  // Only withdrawals since the base was written: its rows' live bits.
  std::unique_lock<std::mutex> writer(writer_);
  WaitForMergeLocked(writer);
  if (!persisting_ || !delta_->refs.empty() || base_->file == nullptr) return Status::Ok();
  const internal::SegmentDirectory files = Files(options_.directory);
  const internal::Manifest m = ManifestOf(*base_, base_file_id_, cover_);
  return files.WriteManifest(m).WithContext("writing the landmark manifest");
}

void LandmarkIndex::Reset() {
  std::unique_lock<std::mutex> writer(writer_);
  WaitForMergeLocked(writer);
  {
    auto lock = WriteLock();
    base_ = internal::BuildLandmarkBase({});
    delta_ = std::make_unique<LandmarkDelta>();
    where_.clear();
  }
  bulk_load_ = false;
  cover_.reset();
  merge_cover_.reset();
  base_file_id_ = 0;
  if (!options_.directory.empty()) Files(options_.directory).RemoveAll();
}

void LandmarkIndex::SetCover(const IndexCover& cover) {
  std::lock_guard<std::mutex> writer(writer_);
  cover_ = cover;
}

LandmarkIndex::~LandmarkIndex() {
  std::unique_lock<std::mutex> writer(writer_);
  WaitForMergeLocked(writer);
}

std::shared_lock<std::shared_mutex> LandmarkIndex::ReadLock() const {
  std::lock_guard<std::mutex> t(turnstile_);
  return std::shared_lock<std::shared_mutex>(mu_);
}

std::unique_lock<std::shared_mutex> LandmarkIndex::WriteLock() {
  std::lock_guard<std::mutex> t(turnstile_);
  return std::unique_lock<std::shared_mutex>(mu_);
}

Status LandmarkIndex::Add(std::uint64_t ref_id, const LandmarkPrint& print, const IndexTag& tag) {
  SIGNET_RETURN_IF_ERROR(Validate(print));
  std::unique_lock<std::mutex> writer(writer_);
  // In a bulk load the base build derives the postings.
  std::vector<ReferenceHash> hashes;
  if (!bulk_load_) hashes = ReferenceHashes(print, internal::HashParamsV1());
  LandmarkDeltaRef ref{ref_id, tag, print.peaks, print.frames,
                       static_cast<std::uint32_t>(hashes.size())};
  {
    auto lock = WriteLock();
    if (auto it = where_.find(ref_id); it != where_.end()) {
      const std::uint64_t seg = it->second >> 32;
      const std::size_t row = it->second & 0xffffffff;
      if (seg == kSegBase) base_->live[row] = false;
      if (seg == kSegFrozen) frozen_->live[row] = false;
      if (seg == kSegDelta) delta_->live[row] = false;
    }
    const std::size_t row = delta_->refs.size();
    delta_->refs.push_back(std::move(ref));
    delta_->live.push_back(true);
    for (const ReferenceHash& h : hashes) {
      delta_->postings[LandmarkDelta::Key(h.hash, h.pitch_class, h.span_class)].push_back(
          internal::LandmarkDelta::Posting(static_cast<std::uint32_t>(row),
                                           delta_->refs[row].peaks[h.anchor], h.span));
    }
    delta_->posting_count += hashes.size();
    where_[ref_id] = Where(kSegDelta, row);
  }
  if (!bulk_load_ && !merging_ &&
      delta_->posting_count >
          std::max<double>(options_.merge_min_postings,
                           options_.merge_fraction * static_cast<double>(base_->postings))) {
    StartMergeLocked();
  }
  return Status::Ok();
}

bool LandmarkIndex::Remove(std::uint64_t ref_id) {
  std::unique_lock<std::mutex> writer(writer_);
  auto lock = WriteLock();
  auto it = where_.find(ref_id);
  if (it == where_.end()) return false;
  const std::uint64_t seg = it->second >> 32;
  const std::size_t row = it->second & 0xffffffff;
  if (seg == kSegBase) base_->live[row] = false;
  if (seg == kSegFrozen) frozen_->live[row] = false;
  if (seg == kSegDelta) delta_->live[row] = false;
  where_.erase(it);
  return true;
}

bool LandmarkIndex::Contains(std::uint64_t ref_id) const {
  auto lock = ReadLock();
  return where_.contains(ref_id);
}

std::optional<IndexTag> LandmarkIndex::Tag(std::uint64_t ref_id) const {
  auto lock = ReadLock();
  auto it = where_.find(ref_id);
  if (it == where_.end()) return std::nullopt;
  const std::uint64_t seg = it->second >> 32;
  const std::size_t row = it->second & 0xffffffff;
  if (seg == kSegBase) return base_->refs[row].tag;
  return (seg == kSegFrozen ? *frozen_ : *delta_).refs[row].tag;
}

std::size_t LandmarkIndex::size() const {
  auto lock = ReadLock();
  return where_.size();
}

void LandmarkIndex::BeginBulkLoad() {
  std::unique_lock<std::mutex> writer(writer_);
  WaitForMergeLocked(writer);
  bulk_load_ = true;
}

void LandmarkIndex::Compact() {
  std::unique_lock<std::mutex> writer(writer_);
  WaitForMergeLocked(writer);
  bulk_load_ = false;
  StartMergeLocked();
  WaitForMergeLocked(writer);
}

void LandmarkIndex::WaitForMerge() {
  std::unique_lock<std::mutex> writer(writer_);
  WaitForMergeLocked(writer);
}

void LandmarkIndex::WaitForMergeLocked(std::unique_lock<std::mutex>& writer) {
  merge_done_.wait(writer, [&] { return !merging_; });
  if (merger_.joinable()) merger_.join();
}

void LandmarkIndex::StartMergeLocked() {
  if (merger_.joinable()) merger_.join();
  {
    auto lock = WriteLock();
    frozen_ = std::move(delta_);
    delta_ = std::make_unique<LandmarkDelta>();
    for (auto& [id, w] : where_)
      if (w >> 32 == kSegDelta) w = Where(kSegFrozen, w & 0xffffffff);
  }
  merge_cover_ = cover_;
  merging_ = true;
  merger_ = std::thread([this] { RunMerge(); });
}

void LandmarkIndex::RunMerge() {
  // What to merge, read under the writer mutex (Remove flips live flags under
  // it); the peak data itself is immutable while frozen.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> base_rows, frozen_rows;
  bool persist;
  {
    std::lock_guard<std::mutex> writer(writer_);
    persist = persisting_ && !options_.directory.empty();
    for (std::uint32_t r = 0; r < base_->refs.size(); ++r)
      if (base_->live[r]) base_rows.push_back({base_->refs[r].ref_id, r});
    for (std::uint32_t r = 0; r < frozen_->refs.size(); ++r)
      if (frozen_->live[r]) frozen_rows.push_back({frozen_->refs[r].ref_id, r});
  }
  std::vector<std::vector<LandmarkPeak>> decoded(base_rows.size());
  std::vector<internal::LandmarkSource> sources;
  sources.reserve(base_rows.size() + frozen_rows.size());
  for (std::size_t k = 0; k < base_rows.size(); ++k) {
    const std::uint32_t r = base_rows[k].second;
    internal::DecodePeaks(base_->CodesOf(r), base_->CheckpointsOf(r), 0, base_->refs[r].frames,
                          decoded[k]);
    sources.push_back({base_rows[k].first, &decoded[k], base_->refs[r].frames, base_->refs[r].tag});
  }
  for (const auto& [id, r] : frozen_rows)
    sources.push_back({id, &frozen_->refs[r].peaks, frozen_->refs[r].frames, frozen_->refs[r].tag});
  std::unique_ptr<LandmarkBase> fresh = internal::BuildLandmarkBase(sources);
  decoded.clear();
  // Written while queries and writers go on; withdrawals meanwhile are past
  // merge_cover_, so the owner's replay repeats them after a restart.
  if (persist) fresh = WriteBaseFile(std::move(fresh), merge_cover_);

  std::lock_guard<std::mutex> writer(writer_);
  {
    auto lock = WriteLock();
    // Rows of the new base; those withdrawn or replaced meanwhile are dead.
    for (std::uint32_t r = 0; r < fresh->refs.size(); ++r) {
      const std::uint64_t id = fresh->refs[r].ref_id;
      auto it = where_.find(id);
      const bool still =
          it != where_.end() && (it->second >> 32) != kSegDelta &&
          ((it->second >> 32) == kSegBase ? base_->refs[it->second & 0xffffffff].ref_id == id
                                          : frozen_->refs[it->second & 0xffffffff].ref_id == id);
      if (still) {
        it->second = Where(kSegBase, r);
      } else {
        fresh->live[r] = false;
      }
    }
    base_ = std::move(fresh);
    frozen_.reset();
    ++merges_;
  }
  merging_ = false;
  merge_done_.notify_all();
}

Status LandmarkIndex::WriteBase(const std::filesystem::path& path) {
  std::unique_lock<std::mutex> writer(writer_);
  WaitForMergeLocked(writer);
  // Rows and live bits stay as they are while the writer mutex is held, so
  // the mapped base replaces the one in memory row for row.
  SIGNET_ASSIGN_OR_RETURN(auto mapped, internal::WriteLandmarkSegment({path}, *base_));
  auto lock = WriteLock();
  base_ = std::move(mapped);
  return Status::Ok();
}

Status LandmarkIndex::OpenBase(const std::filesystem::path& path) {
  SIGNET_ASSIGN_OR_RETURN(
      auto file,
      SegmentFile::Open(path, internal::kLandmarkSegmentKind, internal::kLandmarkSegmentVersion,
                        internal::kLandmarkSegmentVersion, SegmentFile::Verify::kAll));
  SIGNET_ASSIGN_OR_RETURN(auto mapped, internal::OpenLandmarkSegment(std::move(file)));
  std::unique_lock<std::mutex> writer(writer_);
  WaitForMergeLocked(writer);
  if (!where_.empty() || !delta_->refs.empty() || bulk_load_) {
    return Status::FailedPrecondition("a landmark base is opened only into an empty index");
  }
  std::unordered_map<std::uint64_t, std::uint64_t> where;
  for (std::uint32_t r = 0; r < mapped->refs.size(); ++r) {
    if (!mapped->live[r]) continue;
    // A ref id twice: the later row is the newer print (merges keep order).
    if (auto it = where.find(mapped->refs[r].ref_id); it != where.end())
      mapped->live[it->second & 0xffffffff] = false;
    where[mapped->refs[r].ref_id] = Where(kSegBase, r);
  }
  auto lock = WriteLock();
  base_ = std::move(mapped);
  where_ = std::move(where);
  return Status::Ok();
}

LandmarkIndexStats LandmarkIndex::Stats() const {
  LandmarkIndexStats s;
  {
    std::lock_guard<std::mutex> writer(writer_);
    s.last_error = last_error_;
  }
  auto lock = ReadLock();
  s.recordings = where_.size();
  s.bucket_bits = base_->bucket_bits;
  s.entry_bits = base_->entry_bits;
  s.base_postings = base_->postings;
  s.merges = merges_;
  s.posting_bytes = base_->PostingBytes();
  s.peak_bytes = base_->PeakBytes();
  s.memory_bytes =
      base_->MemoryBytes() + delta_->MemoryBytes() + (frozen_ ? frozen_->MemoryBytes() : 0);
  for (const auto& [id, w] : where_) {
    const std::uint64_t seg = w >> 32;
    const std::size_t row = w & 0xffffffff;
    if (seg == kSegBase) {
      s.peaks += base_->refs[row].peaks;
      s.postings += base_->refs[row].postings;
      s.seconds += base_->refs[row].frames * kLandmarkFrameSeconds;
    } else {
      const auto& r = (seg == kSegFrozen ? *frozen_ : *delta_).refs[row];
      s.peaks += r.peaks.size();
      s.postings += r.postings;
      s.seconds += r.frames * kLandmarkFrameSeconds;
    }
  }
  for (const auto* d : {delta_.get(), frozen_.get()}) {
    if (d == nullptr) continue;
    s.delta_postings += d->posting_count;
    std::size_t bytes = d->postings.bucket_count() * sizeof(void*);
    for (const auto& [k, v] : d->postings) bytes += 48 + v.capacity() * sizeof(std::uint64_t);
    s.posting_bytes += bytes;
  }
  return s;
}

}  // namespace signet::fp

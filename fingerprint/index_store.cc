// The persisted part of an Index: the manifest, opening a directory at
// start-up, Persist and Reset (INDEX.md, "Persistence").
#include <algorithm>
#include <chrono>
#include <cstring>
#include <unordered_set>

#include "fingerprint/index.h"
#include "fingerprint/index_internal.h"
#include "fingerprint/segment_file.h"
#include "fingerprint/segment_manifest.h"

namespace signet::fp {
namespace {

using internal::ChromaSegment;
using internal::IndexState;

// This index's files: "chroma-<id>.seg" and the MANIFEST in its directory.
internal::SegmentDirectory Files(const std::filesystem::path& dir) { return {dir, "chroma-"}; }

}  // namespace

void Index::RemoveFiles() { Files(options_.directory).RemoveAll(); }

std::filesystem::path Index::NextSegmentPath() {
  if (options_.directory.empty()) return {};
  return Files(options_.directory).SegmentPath(next_file_id_++);
}

void Index::OpenDirectory() {
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&t0] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  std::error_code ec;
  std::filesystem::create_directories(options_.directory, ec);
  const internal::SegmentDirectory files = Files(options_.directory);
  if (!files.HasManifest()) {
    RemoveFiles();  // segments of a run that never wrote a manifest
    report_.state = IndexOpenReport::State::kNone;
    report_.message = "no persisted index in " + options_.directory.string();
    return;
  }
  auto discard = [&](const Status& why) {
    RemoveFiles();
    report_ = {};
    report_.state = IndexOpenReport::State::kDiscarded;
    report_.message = why.message();
    report_.seconds = seconds();
  };
  auto manifest = files.ReadManifest();
  if (!manifest.ok()) return discard(manifest.status());
  const internal::Manifest& m = *manifest;
  std::vector<std::shared_ptr<const ChromaSegment>> segments;
  std::uint64_t slot = 0;
  for (const internal::ManifestSegment& ls : m.segments) {
    const std::filesystem::path p = files.SegmentPath(ls.file_id);
    auto file = SegmentFile::Open(p, internal::kChromaSegmentKind, internal::kChromaSegmentVersion,
                                  internal::kChromaSegmentVersion);
    if (!file.ok()) return discard(file.status());
    auto seg = ChromaSegment::Open(*file);
    if (!seg.ok()) return discard(seg.status());
    if ((*seg)->first_slot() != slot || (*seg)->end_slot() != ls.end_slot ||
        (*file)->file_size() != ls.file_size || ls.file_id >= m.next_file_id) {
      return discard(Status::Internal("segment " + p.string() +
                                      " does not hold the slots the manifest lists"));
    }
    slot = (*seg)->end_slot();
    segments.push_back(std::move(*seg));
  }
  if (slot != m.end_slot || m.covered_slots > m.end_slot) {
    return discard(Status::Internal("index manifest " + files.ManifestPath().string() +
                                    " does not match its segments"));
  }
  // Live: every slot a segment holds positions for, below the cover, not
  // withdrawn since. Slots past the cover come back through the owner's replay.
  auto st = std::make_shared<IndexState>(*state_);
  std::unordered_set<std::uint64_t> dead_slots(m.dead.begin(), m.dead.end());
  for (const auto& s : segments) {
    const auto refs = s->refs();
    for (std::size_t r = 0; r < refs.size(); ++r) {
      const std::uint64_t sl = s->first_slot() + r;
      const bool live = (refs[r].flags & internal::kRefDropped) == 0 && sl < m.covered_slots &&
                        !dead_slots.contains(sl);
      if (!live) {
        dead_positions_ += refs[r].length;
        continue;
      }
      auto [it, inserted] = slot_of_.try_emplace(refs[r].ref_id, sl);
      if (!inserted) {  // cannot happen in a manifest we wrote; keep the newer
        st->live->Set(it->second, false);
        it->second = sl;
      }
      st->live->Set(sl, true);
      live_positions_ += refs[r].length;
    }
  }
  st->segments = segments;
  st->delta = std::make_shared<internal::DeltaSegment>(slot, true);
  state_ = std::move(st);
  next_slot_ = slot;
  next_file_id_ = m.next_file_id;
  if (m.cover) {
    persisted_cover_ = PendingCover{*m.cover, m.covered_slots};
    report_.cover = *m.cover;
  }
  files.RemoveUnlisted(m);
  report_.state = IndexOpenReport::State::kOpened;
  report_.segments = segments.size();
  report_.recordings = slot_of_.size();
  report_.message = "opened " + std::to_string(segments.size()) + " segments with " +
                    std::to_string(slot_of_.size()) + " recordings from " +
                    options_.directory.string();
  report_.seconds = seconds();
  if (options_.verify_in_background && !segments.empty()) {
    verifier_ = std::thread([this, segments] { VerifyLoop(segments); });
  }
}

void Index::VerifyLoop(std::vector<std::shared_ptr<const ChromaSegment>> segments) {
  for (const auto& s : segments) {
    if (cancel_) return;
    const Status st = s->file().VerifyAll();
    if (!st.ok()) {
      NoteError(st);
      if (options_.on_damage && !cancel_) options_.on_damage(st);
      return;
    }
  }
}

Status Index::WriteManifest() {
  if (options_.directory.empty()) return Status::Ok();
  std::lock_guard manifest_lock(manifest_mu_);
  std::shared_ptr<const IndexState> st;
  std::optional<PendingCover> cover;
  std::vector<std::filesystem::path> obsolete;
  internal::Manifest m;
  {
    std::lock_guard lock(writer_);
    st = state_;
    obsolete = std::move(obsolete_files_);
    obsolete_files_.clear();
    m.next_file_id = next_file_id_;
    m.end_slot = st->segments.empty() ? 0 : st->segments.back()->end_slot();
    // The latest cover whose slots are all in the segments.
    cover = persisted_cover_;
    for (const PendingCover& c : covers_) {
      if (c.slots <= m.end_slot) cover = c;
    }
    m.covered_slots = uses_covers_ ? (cover ? cover->slots : 0) : m.end_slot;
  }
  if (cover) m.cover = cover->cover;
  const internal::SegmentDirectory files = Files(options_.directory);
  for (const auto& s : st->segments) {
    m.segments.push_back(
        {files.FileId(s->file().name()), s->first_slot(), s->end_slot(), s->file().file_size()});
    const auto refs = s->refs();
    for (std::size_t r = 0; r < refs.size(); ++r) {
      const std::uint64_t sl = s->first_slot() + r;
      if (sl < m.covered_slots && (refs[r].flags & internal::kRefDropped) == 0 &&
          !st->live->Get(sl)) {
        m.dead.push_back(sl);
      }
    }
  }
  const Status s = files.WriteManifest(m);
  std::lock_guard lock(writer_);
  if (!s.ok()) {
    obsolete_files_.insert(obsolete_files_.end(), obsolete.begin(), obsolete.end());
    return s.WithContext("writing the index manifest");
  }
  if (cover) {
    persisted_cover_ = cover;
    while (!covers_.empty() && covers_.front().slots <= cover->slots &&
           covers_.front().cover.position <= cover->cover.position) {
      covers_.pop_front();
    }
  }
  std::error_code ec;
  for (const auto& p : obsolete) std::filesystem::remove(p, ec);  // mappings stay valid
  return Status::Ok();
}

Status Index::Persist() {
  if (options_.directory.empty()) return Status::Ok();
  {
    std::unique_lock lock(writer_);
    FreezeLocked();
    done_cv_.wait(lock,
                  [this] { return stopping_ || state_->frozen.empty() || !flush_error_.ok(); });
    if (!flush_error_.ok()) return flush_error_;
  }
  return WriteManifest();
}

Status Index::Reset() {
  StopThreads();
  {
    std::lock_guard lock(writer_);
    auto st = std::make_shared<IndexState>();
    st->live = std::make_shared<internal::LiveBitmap>();
    st->delta = std::make_shared<internal::DeltaSegment>(0, !bulk_load_);
    Publish(std::move(st));
    {
      std::unique_lock m(map_mu_);
      slot_of_.clear();
    }
    next_slot_ = 0;
    live_positions_ = dead_positions_ = 0;
    covers_.clear();
    persisted_cover_.reset();
    obsolete_files_.clear();
    compacted_ = true;
    merger_idle_ = true;
    compact_requested_ = manifest_requested_ = false;
    flush_error_ = Status::Ok();
  }
  if (!options_.directory.empty()) RemoveFiles();
  StartThreads();
  return Status::Ok();
}

}  // namespace signet::fp

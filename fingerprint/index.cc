#include "fingerprint/index.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>

#include "fingerprint/codec.h"
#include "fingerprint/index_internal.h"

namespace signet::fp {
namespace {

using internal::ChromaSegment;
using internal::DeltaSegment;
using internal::IndexState;
using internal::kBitOrder;
using SegmentList = std::vector<std::shared_ptr<const ChromaSegment>>;

// IndexKey as four byte-indexed tables: one load per byte of the value.
struct KeyTables {
  std::array<std::array<std::uint32_t, 256>, 4> t{};
  KeyTables() {
    for (int k = 0; k < kIndexKeyBits; ++k) {
      const int bit = kBitOrder[k];
      const std::uint32_t out = std::uint32_t{1} << (kIndexKeyBits - 1 - k);
      for (int b = 0; b < 256; ++b) {
        if ((b >> (bit % 8)) & 1) t[bit / 8][b] |= out;
      }
    }
  }
};
const KeyTables kKeyTables;

constexpr std::uint64_t kMaxSegmentPositions = 0xffffffffu;
// A bulk load fills deltas to the brim: fewer, larger first segments.
constexpr std::size_t kBulkDeltaPositions = DeltaSegment::kMaxPositions - 2 * kMaxFingerprintValues;

// Slots of segment `s` that are tombstoned but still hold positions.
std::uint64_t DeadPositions(const ChromaSegment& s, const internal::LiveBitmap& live) {
  std::uint64_t dead = 0;
  const auto refs = s.refs();
  for (std::size_t r = 0; r < refs.size(); ++r) {
    if (refs[r].length > 0 && !live.Get(s.first_slot() + r)) dead += refs[r].length;
  }
  return dead;
}

// The tiered policy: segments in size classes a factor `factor` apart (class
// 0 up to one delta); the newest run of one class is merged once it has
// `factor` members. A merger that lags behind the flushes merges longer runs
// at once, whose class can come out above an older segment's; such an
// inversion (an older segment of a lower class than the one after it) is
// merged into its newer neighbour, so that once the merger catches up the
// classes never rise from older to newer and each holds fewer than `factor`
// segments: at most (factor - 1) x (classes) segments, however the merges
// were timed. A segment that is more than a quarter tombstones is rewritten
// on its own. Returns the inputs, or nothing.
SegmentList PlanMerge(const IndexState& st, std::size_t base, std::size_t factor) {
  const SegmentList& segs = st.segments;
  auto level = [&](const ChromaSegment& s) {
    const double size = static_cast<double>(std::max<std::uint64_t>(s.positions(), 1));
    // Merged sizes are near base * factor^k, a little under or over.
    return size <= static_cast<double>(base)
               ? 0
               : static_cast<int>(std::lround(std::log(size / static_cast<double>(base)) /
                                              std::log(static_cast<double>(factor))));
  };
  if (segs.size() >= factor) {
    const int l = level(*segs.back());
    std::size_t first = segs.size() - 1;
    while (first > 0 && level(*segs[first - 1]) == l) --first;
    std::uint64_t positions = 0;
    for (std::size_t i = first; i < segs.size(); ++i) positions += segs[i]->positions();
    if (segs.size() - first >= factor && positions <= kMaxSegmentPositions) {
      return SegmentList(segs.begin() + static_cast<long>(first), segs.end());
    }
  }
  // Any older run of one class long enough (left behind by an inversion's
  // merge), then the newest inversion.
  for (std::size_t end = segs.size(); end > 0;) {
    const int l = level(*segs[end - 1]);
    std::size_t first = end - 1;
    std::uint64_t positions = segs[first]->positions();
    while (first > 0 && level(*segs[first - 1]) == l) positions += segs[--first]->positions();
    if (end - first >= factor && positions <= kMaxSegmentPositions) {
      return SegmentList(segs.begin() + static_cast<long>(first),
                         segs.begin() + static_cast<long>(end));
    }
    end = first;
  }
  for (std::size_t i = segs.size(); i-- > 1;) {
    if (level(*segs[i - 1]) < level(*segs[i]) &&
        segs[i - 1]->positions() + segs[i]->positions() <= kMaxSegmentPositions) {
      return SegmentList(segs.begin() + static_cast<long>(i - 1),
                         segs.begin() + static_cast<long>(i + 1));
    }
  }
  for (const auto& s : segs) {
    if (DeadPositions(*s, *st.live) * 4 > s->positions()) return {s};
  }
  return {};
}

}  // namespace

std::uint32_t IndexKey(std::uint32_t v) {
  const auto& t = kKeyTables.t;
  return t[0][v & 0xff] | t[1][(v >> 8) & 0xff] | t[2][(v >> 16) & 0xff] | t[3][v >> 24];
}

std::vector<bool> LowInformationMask(std::span<const std::uint32_t> values) {
  const std::size_t n = values.size();
  std::vector<bool> low(n, false);
  if (n < 2) {
    low.assign(n, true);
    return low;
  }
  // flips[j]: bits changed between positions j-1 and j (flips[0] mirrors
  // flips[1]); prefix[j]: flips[0] + ... + flips[j-1].
  std::vector<int> prefix(n + 1, 0);
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t a = j == 0 ? 0 : j - 1, b = j == 0 ? 1 : j;
    prefix[j + 1] = prefix[j] + internal::PopCount(values[a] ^ values[b]);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t lo = i >= 2 ? i - 2 : 0;
    const std::size_t hi = std::min(n - 1, i + 2);
    const int sum = prefix[hi + 1] - prefix[lo];
    // Music changes ~4 of 32 bits per step; a static spectrum (silence, a held
    // drone) changes almost none over five steps.
    low[i] = sum * 5 < internal::kLowInformationFlips * static_cast<int>(hi - lo + 1);
  }
  return low;
}

Index::Index(IndexOptions options) : options_(std::move(options)) {
  options_.delta_max_positions = std::clamp<std::size_t>(
      options_.delta_max_positions, 1, DeltaSegment::kMaxPositions - 2 * kMaxFingerprintValues);
  options_.merge_factor = std::max<std::size_t>(options_.merge_factor, 2);
  auto st = std::make_shared<IndexState>();
  st->delta = std::make_shared<DeltaSegment>(0, true);
  st->live = std::make_shared<internal::LiveBitmap>();
  state_ = std::move(st);
  last_flush_ = std::chrono::steady_clock::now();
  if (!options_.directory.empty()) OpenDirectory();
  StartThreads();
}

Index::~Index() { StopThreads(); }

void Index::StartThreads() {
  stopping_ = false;
  cancel_ = false;
  flusher_ = std::thread([this] { FlushLoop(); });
  merger_ = std::thread([this] { MergeLoop(); });
}

void Index::StopThreads() {
  {
    std::lock_guard lock(writer_);
    stopping_ = true;
    cancel_ = true;
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
  for (std::thread* t : {&flusher_, &merger_, &verifier_}) {
    if (t->joinable()) t->join();
  }
}

std::shared_ptr<const IndexState> Index::Snapshot() const {
  std::lock_guard lock(state_mu_);
  return state_;
}

void Index::Publish(std::shared_ptr<const IndexState> state) {
  std::shared_ptr<const IndexState> old;
  {
    std::lock_guard lock(state_mu_);
    old = std::exchange(state_, std::move(state));
  }
  // `old` may be the last reference to a merged segment: freed here, outside
  // the state lock (readers only ever wait for a pointer copy).
}

void Index::FreezeLocked() {
  const auto& cur = state_;
  if (cur->delta->Published().refs == 0) {
    if (cur->delta->with_postings() == !bulk_load_) return;
    auto st = std::make_shared<IndexState>(*cur);  // an empty delta of the other kind
    st->delta = std::make_shared<DeltaSegment>(next_slot_, !bulk_load_);
    Publish(std::move(st));
    return;
  }
  auto st = std::make_shared<IndexState>(*cur);
  st->frozen.push_back(cur->delta);
  st->delta = std::make_shared<DeltaSegment>(next_slot_, !bulk_load_);
  Publish(std::move(st));
  ++changes_;
  merger_idle_ = false;
  work_cv_.notify_all();
}

Status Index::Add(std::uint64_t ref_id, std::span<const std::uint32_t> values,
                  const IndexTag& tag) {
  if (values.size() > kMaxFingerprintValues) {
    return Status::InvalidArgument("fingerprint has " + std::to_string(values.size()) +
                                   " values, more than the " +
                                   std::to_string(kMaxFingerprintValues) + " (~2 h) allowed");
  }
  // Built outside the writer mutex: only the insertion is serialised.
  const std::vector<bool> low = LowInformationMask(values);
  std::lock_guard lock(writer_);
  if (next_slot_ >= (std::uint64_t{1} << 32)) {
    return Status::ResourceExhausted("the fingerprint index is full (2^32 slots)");
  }
  if (!state_->delta->HasRoom(values.size())) FreezeLocked();
  RemoveLocked(ref_id);
  const std::uint64_t slot = next_slot_++;
  state_->live->Set(slot, true);
  state_->delta->Append(ref_id, values, tag, low);  // publishes it to queries
  {
    std::unique_lock m(map_mu_);
    slot_of_[ref_id] = slot;
  }
  live_positions_ += values.size();
  compacted_ = false;
  const std::size_t limit = bulk_load_ ? kBulkDeltaPositions : options_.delta_max_positions;
  if (state_->delta->positions_used() >= limit) FreezeLocked();
  return Status::Ok();
}

bool Index::RemoveLocked(std::uint64_t ref_id) {
  std::uint64_t slot;
  {
    std::unique_lock m(map_mu_);
    auto it = slot_of_.find(ref_id);
    if (it == slot_of_.end()) return false;
    slot = it->second;
    slot_of_.erase(it);
  }
  state_->live->Set(slot, false);
  const auto len = static_cast<std::size_t>(internal::IndexView(*this).Length(slot));
  live_positions_ -= len;
  dead_positions_ += len;
  compacted_ = false;
  return true;
}

bool Index::Remove(std::uint64_t ref_id) {
  std::lock_guard lock(writer_);
  return RemoveLocked(ref_id);
}

bool Index::Contains(std::uint64_t ref_id) const {
  std::shared_lock m(map_mu_);
  return slot_of_.contains(ref_id);
}

std::optional<IndexTag> Index::Tag(std::uint64_t ref_id) const {
  std::uint64_t slot;
  {
    std::shared_lock m(map_mu_);
    auto it = slot_of_.find(ref_id);
    if (it == slot_of_.end()) return std::nullopt;
    slot = it->second;
  }
  // The slot was given out before it entered the map, so a snapshot taken
  // now holds it.
  return internal::IndexView(*this).Tag(slot);
}

void Index::BeginBulkLoad() {
  std::lock_guard lock(writer_);
  bulk_load_ = true;
  FreezeLocked();
}

void Index::Compact() {
  std::unique_lock lock(writer_);
  bulk_load_ = false;
  FreezeLocked();
  compact_requested_ = true;
  ++changes_;
  merger_idle_ = false;
  work_cv_.notify_all();
  done_cv_.wait(lock, [this] {
    return stopping_ || (state_->frozen.empty() && !compact_requested_ && !merging_);
  });
}

void Index::WaitForMerge() {
  std::unique_lock lock(writer_);
  done_cv_.wait(lock, [this] {
    return stopping_ ||
           (state_->frozen.empty() && !merging_ && merger_idle_ && !compact_requested_);
  });
}

void Index::NoteError(const Status& s) {
  if (s.ok()) return;
  std::lock_guard lock(writer_);
  last_error_ = s.ToString();
}

void Index::FlushLoop() {
  for (;;) {
    std::shared_ptr<const DeltaSegment> frozen;
    std::filesystem::path path;
    std::shared_ptr<internal::LiveBitmap> live;
    {
      std::unique_lock lock(writer_);
      work_cv_.wait(lock,
                    [this] { return stopping_ || !state_->frozen.empty() || manifest_requested_; });
      if (stopping_) return;
      if (state_->frozen.empty()) {
        manifest_requested_ = false;
        lock.unlock();
        NoteError(WriteManifest());
        continue;
      }
      frozen = state_->frozen.front();
      live = state_->live;
      path = NextSegmentPath();
    }
    const DeltaSegment::Watermark w = frozen->Published();
    std::vector<internal::RefSource> sources(w.refs);
    for (std::size_t r = 0; r < w.refs; ++r) {
      const internal::DeltaRef& ref = frozen->Ref(r);
      sources[r] = {ref.ref_id, frozen->Values(r), ref.tag, !live->Get(frozen->first_slot() + r)};
    }
    auto seg = internal::WriteChromaSegment({path}, frozen->first_slot(), sources);
    if (!seg.ok()) {
      std::unique_lock lock(writer_);
      flush_error_ = seg.status().WithContext("flushing the index delta");
      last_error_ = flush_error_.ToString();
      done_cv_.notify_all();
      // Out of space, say: the delta stays searchable in memory; retry later.
      work_cv_.wait_for(lock, std::chrono::seconds(2), [this] { return stopping_; });
      continue;
    }
    if (options_.before_merge_swap) options_.before_merge_swap();
    {
      std::lock_guard lock(writer_);
      auto st = std::make_shared<IndexState>(*state_);
      st->segments.push_back(*seg);
      st->frozen.erase(st->frozen.begin());
      Publish(std::move(st));
      ++flushes_;
      flush_error_ = Status::Ok();
      last_flush_ = std::chrono::steady_clock::now();
      ++changes_;
      merger_idle_ = false;
    }
    work_cv_.notify_all();
    done_cv_.notify_all();
    NoteError(WriteManifest());
  }
}

void Index::MergeLoop() {
  for (;;) {
    std::shared_ptr<const IndexState> st;
    bool all = false;
    std::uint64_t generation = 0;
    {
      std::unique_lock lock(writer_);
      const auto idle = options_.compact_when_idle;
      auto wake = [this] { return stopping_ || !merger_idle_ || compact_requested_; };
      if (idle.count() > 0 && !compacted_) {
        work_cv_.wait_until(lock, last_flush_ + idle, wake);
      } else {
        work_cv_.wait(lock, wake);
      }
      if (stopping_) return;
      // A Compact merges everything once the frozen deltas are in.
      if (compact_requested_ && !state_->frozen.empty()) {
        done_cv_.wait(lock, [this] { return stopping_ || state_->frozen.empty(); });
        if (stopping_) return;
      }
      const bool idle_now = idle.count() > 0 && !compacted_ && state_->frozen.empty() &&
                            std::chrono::steady_clock::now() >= last_flush_ + idle;
      all = compact_requested_ || idle_now;
      st = state_;
      generation = changes_;
      merging_ = true;
    }
    SegmentList inputs;
    if (all) {
      std::uint64_t dead = 0, positions = 0;
      for (const auto& s : st->segments) {
        dead += DeadPositions(*s, *st->live);
        positions += s->positions();
      }
      if ((st->segments.size() > 1 || dead > 0) && positions <= kMaxSegmentPositions) {
        inputs = st->segments;
      }
    } else {
      inputs = PlanMerge(*st, options_.delta_max_positions, options_.merge_factor);
    }
    if (!inputs.empty()) RunMerge(std::move(inputs));
    {
      std::lock_guard lock(writer_);
      merging_ = false;
      if (all) {
        compact_requested_ = false;
        compacted_ = true;
      }
      // Idle only if nothing was flushed since the plan was made.
      if (inputs.empty() && generation == changes_) merger_idle_ = true;
    }
    done_cv_.notify_all();
  }
}

void Index::RunMerge(SegmentList inputs) {
  std::filesystem::path path;
  std::shared_ptr<internal::LiveBitmap> live;
  {
    std::lock_guard lock(writer_);
    path = NextSegmentPath();
    live = state_->live;
  }
  auto out = internal::MergeChromaSegments(
      {path}, inputs, [&live](std::uint64_t slot) { return live->Get(slot); }, &cancel_);
  if (!out.ok()) {
    if (!cancel_) NoteError(out.status().WithContext("merging index segments"));
    return;
  }
  if (options_.before_merge_swap) options_.before_merge_swap();
  {
    std::lock_guard lock(writer_);
    auto st = std::make_shared<IndexState>(*state_);
    // Only this thread replaces segments, and the flusher only appends, so
    // the inputs are still consecutive.
    auto first = std::find(st->segments.begin(), st->segments.end(), inputs.front());
    if (first == st->segments.end() ||
        st->segments.end() - first < static_cast<long>(inputs.size())) {
      return;  // Reset in between
    }
    first = st->segments.erase(first, first + static_cast<long>(inputs.size()));
    st->segments.insert(first, *out);
    Publish(std::move(st));
    ++merges_;
    dead_positions_ = 0;
    const auto now = Snapshot();
    for (const auto& s : now->segments) dead_positions_ += DeadPositions(*s, *now->live);
    if (!options_.directory.empty()) {
      for (const auto& s : inputs) obsolete_files_.emplace_back(s->file().name());
    }
  }
  NoteError(WriteManifest());
}

void Index::SetCover(const IndexCover& cover) {
  std::lock_guard lock(writer_);
  uses_covers_ = true;
  covers_.push_back({cover, next_slot_});
  if (options_.directory.empty()) {
    covers_.pop_front();
    return;
  }
  const std::uint64_t persisted = persisted_cover_ ? persisted_cover_->cover.position : 0;
  if (cover.position >= persisted + options_.max_cover_lag && state_->frozen.empty() &&
      !manifest_requested_) {
    if (state_->delta->Published().refs > 0) {
      FreezeLocked();
    } else {
      manifest_requested_ = true;
      work_cv_.notify_all();
    }
  }
}

std::size_t Index::size() const {
  std::shared_lock m(map_mu_);
  return slot_of_.size();
}

std::size_t Index::positions() const {
  std::lock_guard lock(writer_);
  return live_positions_;
}

std::size_t Index::MemoryBytes() const { return Stats().memory_bytes; }

IndexStats Index::Stats() const {
  std::lock_guard lock(writer_);
  IndexStats s;
  {
    std::shared_lock m(map_mu_);
    s.recordings = slot_of_.size();
    s.memory_bytes += slot_of_.bucket_count() * sizeof(void*) + slot_of_.size() * 32;
  }
  s.positions = live_positions_;
  s.dead_positions = dead_positions_;
  const auto& st = *state_;
  s.segments = st.segments.size();
  s.frozen_deltas = st.frozen.size();
  for (const auto& seg : st.segments) {
    s.segment_positions += seg->positions();
    s.segment_bytes += seg->file().file_size();
    for (const auto& sec : seg->file().sections()) {
      if (sec.name.rfind("post_", 0) == 0) s.posting_bytes += sec.size;
      if (sec.name.rfind("value", 0) == 0) s.value_bytes += sec.size;
    }
  }
  s.memory_bytes += s.segment_bytes;
  std::vector<const DeltaSegment*> deltas = {st.delta.get()};
  for (const auto& d : st.frozen) deltas.push_back(d.get());
  for (const DeltaSegment* d : deltas) {
    s.delta_positions += d->positions_used();
    s.posting_bytes += d->PostingBytes();
    s.value_bytes += d->ValueBytes();
    s.memory_bytes += d->MemoryBytes();
  }
  s.key_bits = internal::KeyBitsFor(s.segment_positions + s.delta_positions);
  s.flushes = flushes_;
  s.merges = merges_;
  s.merging = merging_;
  s.last_error = last_error_;
  return s;
}

}  // namespace signet::fp

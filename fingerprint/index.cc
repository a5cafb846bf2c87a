#include "fingerprint/index.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string>
#include <utility>

#include "fingerprint/codec.h"
#include "fingerprint/index_internal.h"

namespace signet::fp {
namespace {

using internal::kBitOrder;

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

// Global positions are stored in the fewest bits that hold them; an entry is
// read with one unaligned 8-byte load (hence the 8 bytes of padding).
std::uint32_t ReadPacked(const std::uint8_t* bytes, std::size_t index, int width) {
  const std::size_t bit = index * static_cast<std::size_t>(width);
  std::uint64_t word;
  std::memcpy(&word, bytes + bit / 8, sizeof word);
  return static_cast<std::uint32_t>((word >> (bit % 8)) & ((std::uint64_t{1} << width) - 1));
}

void WritePacked(std::uint8_t* bytes, std::size_t index, int width, std::uint32_t value) {
  const std::size_t bit = index * static_cast<std::size_t>(width);
  std::uint64_t word;
  std::memcpy(&word, bytes + bit / 8, sizeof word);
  word |= static_cast<std::uint64_t>(value) << (bit % 8);
  std::memcpy(bytes + bit / 8, &word, sizeof word);
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

namespace internal {

std::uint32_t BaseSegment::BucketOf(std::uint32_t key24) const {
  return key24 >> (kIndexKeyBits - key_bits);
}

std::size_t BaseSegment::ListSize(std::uint32_t key24) const {
  const std::uint32_t b = BucketOf(key24);
  return bucket_start[b + 1] - bucket_start[b];
}

std::size_t BaseSegment::MemoryBytes() const {
  return bucket_start.capacity() * sizeof(std::uint32_t) + packed.capacity() +
         values.capacity() * sizeof(std::uint32_t) + refs.capacity() * sizeof(BaseRef) +
         live.capacity() / 8;
}

std::size_t DeltaSegment::MemoryBytes() const {
  std::size_t bytes = refs.capacity() * sizeof(DeltaRef) + live.capacity() / 8;
  for (const auto& r : refs) bytes += r.values.capacity() * sizeof(std::uint32_t);
  // unordered_map node + bucket overheads, approximately.
  bytes += postings.bucket_count() * sizeof(void*);
  for (const auto& [k, v] : postings) bytes += 48 + v.capacity() * sizeof(std::uint32_t);
  return bytes;
}

std::unique_ptr<BaseSegment> BuildBase(std::span<const RefSource> refs) {
  auto base = std::make_unique<BaseSegment>();
  std::size_t n = 0;
  for (const auto& r : refs) n += r.values.size();
  base->key_bits = std::clamp(static_cast<int>(std::bit_width(n)) - 4, 12, kIndexKeyBits);
  base->entry_bits = std::max(1, static_cast<int>(std::bit_width(n)));
  base->values.reserve(n);
  base->refs.reserve(refs.size());
  for (const auto& r : refs) {
    base->refs.push_back({r.ref_id, static_cast<std::uint32_t>(base->values.size()),
                          static_cast<std::uint32_t>(r.values.size())});
    base->values.insert(base->values.end(), r.values.begin(), r.values.end());
  }
  base->live.assign(refs.size(), true);

  // Counting sort of positions by bucket (CSR), skipping low-information ones.
  const std::size_t buckets = std::size_t{1} << base->key_bits;
  std::vector<std::uint32_t> counts(buckets + 1, 0);
  std::vector<bool> indexed(n, false);
  for (const auto& r : base->refs) {
    std::span<const std::uint32_t> v(base->values.data() + r.start, r.length);
    const std::vector<bool> low = LowInformationMask(v);
    for (std::uint32_t i = 0; i < r.length; ++i) {
      if (low[i]) continue;
      indexed[r.start + i] = true;
      ++counts[base->BucketOf(IndexKey(v[i])) + 1];
    }
  }
  for (std::size_t b = 0; b < buckets; ++b) counts[b + 1] += counts[b];
  base->bucket_start = counts;
  const std::size_t entries = counts[buckets];
  base->indexed_positions = entries;
  base->packed.assign((entries * base->entry_bits + 7) / 8 + 8, 0);
  for (std::size_t p = 0; p < n; ++p) {
    if (!indexed[p]) continue;
    const std::uint32_t b = base->BucketOf(IndexKey(base->values[p]));
    WritePacked(base->packed.data(), counts[b]++, base->entry_bits, static_cast<std::uint32_t>(p));
  }
  return base;
}

std::uint32_t BaseSegment::Entry(std::size_t i) const {
  return ReadPacked(packed.data(), i, entry_bits);
}

std::uint32_t BaseSegment::RefOfPosition(std::uint32_t pos) const {
  auto it = std::upper_bound(refs.begin(), refs.end(), pos,
                             [](std::uint32_t p, const BaseRef& r) { return p < r.start; });
  return static_cast<std::uint32_t>(it - refs.begin()) - 1;
}

}  // namespace internal

using internal::BaseSegment;
using internal::DeltaSegment;

Index::Index(IndexOptions options)
    : options_(options), base_(internal::BuildBase({})), delta_(std::make_unique<DeltaSegment>()) {}

Index::~Index() {
  std::unique_lock<std::mutex> writer(writer_);
  WaitForMergeLocked(writer);
}

std::shared_lock<std::shared_mutex> Index::ReadLock() const {
  std::lock_guard<std::mutex> turn(turnstile_);
  return std::shared_lock<std::shared_mutex>(mu_);
}

std::unique_lock<std::shared_mutex> Index::WriteLock() {
  std::lock_guard<std::mutex> turn(turnstile_);
  return std::unique_lock<std::shared_mutex>(mu_);
}

Status Index::Add(std::uint64_t ref_id, std::span<const std::uint32_t> values) {
  if (values.size() > kMaxFingerprintValues) {
    return Status::InvalidArgument("fingerprint has " + std::to_string(values.size()) +
                                   " values, more than the " +
                                   std::to_string(kMaxFingerprintValues) + " (~2 h) allowed");
  }
  std::unique_lock<std::mutex> writer(writer_);
  // Delta slots are 16 bits in a posting: a full delta must be frozen first,
  // which waits for a running merge (rare: 65,536 recordings in one delta).
  // A bulk load stores no postings, so it may grow past that.
  if (!bulk_load_ && delta_->refs.size() >= internal::kMaxDeltaRefs) {
    WaitForMergeLocked(writer);
    StartMergeLocked();
  }
  {
    // Built outside the exclusive section: only the insertion excludes readers.
    internal::DeltaRef ref{ref_id, {values.begin(), values.end()}};
    const std::vector<bool> low = LowInformationMask(values);
    auto lock = WriteLock();
    const std::size_t frozen_positions = frozen_ ? frozen_->positions : 0;
    const std::size_t total =
        base_->values.size() + frozen_positions + delta_->positions + values.size();
    if (total > std::size_t{0xffffffff}) {
      return Status::ResourceExhausted("the fingerprint index is full (2^32 positions)");
    }
    RemoveLocked(ref_id);
    const auto dslot = static_cast<std::uint32_t>(delta_->refs.size());
    for (std::uint32_t i = 0; i < values.size() && !bulk_load_; ++i) {
      if (low[i]) continue;
      delta_->postings[IndexKey(values[i])].push_back(dslot << 16 | i);
    }
    delta_->refs.push_back(std::move(ref));
    delta_->live.push_back(true);
    delta_->positions += values.size();
    const std::size_t frozen_refs = frozen_ ? frozen_->refs.size() : 0;
    slot_of_[ref_id] = static_cast<std::uint32_t>(base_->refs.size() + frozen_refs) + dslot;
    live_positions_ += values.size();
  }
  if (bulk_load_ || merging_) return Status::Ok();
  const double fraction_limit = options_.merge_fraction * static_cast<double>(base_->values.size());
  if (delta_->positions > std::max<double>(options_.merge_min_positions, fraction_limit)) {
    StartMergeLocked();
  }
  return Status::Ok();
}

bool Index::RemoveLocked(std::uint64_t ref_id) {
  auto it = slot_of_.find(ref_id);
  if (it == slot_of_.end()) return false;
  const std::size_t slot = it->second;
  const std::size_t nbase = base_->refs.size();
  const std::size_t nfrozen = frozen_ ? frozen_->refs.size() : 0;
  std::size_t len;
  if (slot < nbase) {
    base_->live[slot] = false;
    len = base_->refs[slot].length;
  } else if (slot < nbase + nfrozen) {
    frozen_->live[slot - nbase] = false;
    len = frozen_->refs[slot - nbase].values.size();
  } else {
    delta_->live[slot - nbase - nfrozen] = false;
    len = delta_->refs[slot - nbase - nfrozen].values.size();
  }
  live_positions_ -= len;
  dead_positions_ += len;
  slot_of_.erase(it);
  return true;
}

bool Index::Remove(std::uint64_t ref_id) {
  std::unique_lock<std::mutex> writer(writer_);
  auto lock = WriteLock();
  return RemoveLocked(ref_id);
}

bool Index::Contains(std::uint64_t ref_id) const {
  const auto lock = ReadLock();
  return slot_of_.contains(ref_id);
}

void Index::BeginBulkLoad() {
  std::unique_lock<std::mutex> writer(writer_);
  bulk_load_ = true;
}

void Index::Compact() {
  std::unique_lock<std::mutex> writer(writer_);
  bulk_load_ = false;
  WaitForMergeLocked(writer);
  if (delta_->refs.empty() && dead_positions_ == 0) return;
  StartMergeLocked();
  WaitForMergeLocked(writer);
}

void Index::WaitForMerge() {
  std::unique_lock<std::mutex> writer(writer_);
  WaitForMergeLocked(writer);
}

void Index::WaitForMergeLocked(std::unique_lock<std::mutex>& writer) {
  merge_done_.wait(writer, [this] { return !merging_; });
  // The thread has published its result; it may still be freeing the old
  // segments, which needs no lock.
  if (merger_.joinable()) merger_.join();
}

void Index::StartMergeLocked() {
  if (merger_.joinable()) merger_.join();  // a finished merge
  {
    auto lock = WriteLock();
    frozen_ = std::move(delta_);
    delta_ = std::make_unique<DeltaSegment>();
  }
  merging_ = true;
  merger_ = std::thread([this] { RunMerge(); });
}

void Index::RunMerge() {
  // base_ and frozen_ are replaced only by this thread, and their values never
  // change; only their live flags do (Remove, under the exclusive lock), so
  // the sources are taken under a shared lock and built from outside it.
  std::vector<internal::RefSource> sources;
  std::size_t nbase = 0, nfrozen = 0;
  {
    const auto lock = ReadLock();
    nbase = base_->refs.size();
    nfrozen = frozen_->refs.size();
    sources.reserve(nbase + nfrozen);
    for (std::size_t s = 0; s < nbase; ++s) {
      if (!base_->live[s]) continue;
      const auto& r = base_->refs[s];
      sources.push_back({r.ref_id, {base_->values.data() + r.start, r.length}});
    }
    for (std::size_t s = 0; s < nfrozen; ++s) {
      if (!frozen_->live[s]) continue;
      sources.push_back({frozen_->refs[s].ref_id, frozen_->refs[s].values});
    }
  }
  std::unique_ptr<BaseSegment> fresh = internal::BuildBase(sources);
  if (options_.before_merge_swap) options_.before_merge_swap();

  std::unique_ptr<BaseSegment> old_base;
  std::unique_ptr<DeltaSegment> old_frozen;
  {
    std::unique_lock<std::mutex> writer(writer_);
    {
      auto lock = WriteLock();
      // A recording withdrawn (or withdrawn and added again) since the sources
      // were taken no longer maps into the old base or the frozen delta: its
      // copy in the new base is dead. The delta's slots move down.
      const std::size_t merged = nbase + nfrozen;
      const auto fresh_refs = static_cast<std::uint32_t>(fresh->refs.size());
      std::unordered_map<std::uint64_t, std::uint32_t> slots;
      slots.reserve(slot_of_.size());
      for (std::uint32_t s = 0; s < fresh_refs; ++s) {
        const std::uint64_t id = fresh->refs[s].ref_id;
        auto it = slot_of_.find(id);
        if (it != slot_of_.end() && it->second < merged) {
          slots[id] = s;
        } else {
          fresh->live[s] = false;
        }
      }
      for (const auto& [id, slot] : slot_of_) {
        if (slot >= merged) slots[id] = slot - static_cast<std::uint32_t>(merged) + fresh_refs;
      }
      old_base = std::exchange(base_, std::move(fresh));
      old_frozen = std::move(frozen_);
      slot_of_ = std::move(slots);
      dead_positions_ = base_->values.size() + delta_->positions - live_positions_;
      ++merges_;
    }
    merging_ = false;
  }
  merge_done_.notify_all();
  // The old segments are freed here, outside every lock.
}

std::size_t Index::size() const {
  const auto lock = ReadLock();
  return slot_of_.size();
}

std::size_t Index::positions() const {
  const auto lock = ReadLock();
  return live_positions_;
}

std::size_t Index::MemoryBytes() const { return Stats().memory_bytes; }

IndexStats Index::Stats() const {
  const auto lock = ReadLock();
  IndexStats s;
  s.recordings = slot_of_.size();
  s.positions = live_positions_;
  s.base_positions = base_->values.size();
  s.dead_positions = dead_positions_;
  s.base_key_bits = base_->key_bits;
  s.entry_bits = base_->entry_bits;
  s.posting_bytes =
      base_->bucket_start.capacity() * sizeof(std::uint32_t) + base_->packed.capacity();
  s.value_bytes = base_->values.capacity() * sizeof(std::uint32_t);
  s.memory_bytes =
      base_->MemoryBytes() + slot_of_.bucket_count() * sizeof(void*) + slot_of_.size() * 32;
  for (const DeltaSegment* d : {frozen_.get(), delta_.get()}) {
    if (d == nullptr) continue;
    s.delta_positions += d->positions;
    for (const auto& [k, v] : d->postings) s.posting_bytes += v.capacity() * sizeof(std::uint32_t);
    for (const auto& r : d->refs) s.value_bytes += r.values.capacity() * sizeof(std::uint32_t);
    s.memory_bytes += d->MemoryBytes();
  }
  s.merges = merges_;
  s.merging = frozen_ != nullptr;
  return s;
}

}  // namespace signet::fp

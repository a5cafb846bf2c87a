#include "fingerprint/index_delta.h"

#include <algorithm>
#include <cstring>

#include "fingerprint/index.h"

namespace signet::fp::internal {
namespace {

constexpr std::uint32_t kBuckets = std::uint32_t{1} << DeltaSegment::kBucketBits;
// Entries held by a bucket's first four blocks (2 + 4 + 8 + 16).
constexpr std::uint32_t kSmallBlocks = 30;
constexpr int kLowKeyBits = DeltaSegment::kKeyBits - DeltaSegment::kBucketBits;
static_assert(DeltaSegment::kMaxPositions <=
              (std::uint32_t{1} << DeltaSegment::kEntryPositionBits));

}  // namespace

DeltaSegment::DeltaSegment(std::uint64_t first_slot, bool with_postings)
    : first_slot_(first_slot), with_postings_(with_postings) {}

DeltaSegment::~DeltaSegment() = default;

bool DeltaSegment::HasRoom(std::size_t n) const {
  if (refs_ >= kMaxRefs) return false;
  std::uint64_t start = next_position_;
  if (start % kChunkWords + n > kChunkWords) start = (start / kChunkWords + 1) * kChunkWords;
  if (start + n > kMaxPositions) return false;
  // Postings take at most two words per entry plus a first block per bucket.
  const std::uint64_t words = std::uint64_t{next_word_} + 2 * n + 3 * kBuckets;
  return words + kChunkWords <= std::uint64_t{kWordChunks} * kChunkWords;
}

std::uint32_t DeltaSegment::AllocateBlock(std::uint32_t cap) {
  const std::uint32_t words = cap + 1;
  if (next_word_ % kChunkWords + words > kChunkWords) {
    next_word_ = (next_word_ / kChunkWords + 1) * kChunkWords;
  }
  auto& chunk = word_chunks_[next_word_ / kChunkWords];
  if (!chunk) chunk = std::make_unique<std::uint32_t[]>(kChunkWords);
  const std::uint32_t at = next_word_;
  next_word_ += words;
  return at;
}

void DeltaSegment::AddPosting(std::uint32_t key, std::uint32_t pos) {
  const std::uint32_t b = key >> kLowKeyBits;
  const std::uint32_t c = counts_[b].load(std::memory_order_relaxed);
  std::uint32_t k, fill;
  if (c < kSmallBlocks) {
    k = c < 2 ? 0 : c < 6 ? 1 : c < 14 ? 2 : 3;
    fill = c - ((2u << k) - 2);
  } else {
    k = 4 + (c - kSmallBlocks) / 32;
    fill = (c - kSmallBlocks) % 32;
  }
  if (c == 0) {
    heads_[b] = tails_[b] = AllocateBlock(BlockCap(0));
  } else if (fill == 0) {
    const std::uint32_t block = AllocateBlock(BlockCap(k));
    MutableWord(tails_[b])[0] = block;
    tails_[b] = block;
  }
  MutableWord(tails_[b])[1 + fill] = (key & ((1u << kLowKeyBits) - 1)) << kEntryPositionBits | pos;
  counts_[b].store(c + 1, std::memory_order_release);
}

void DeltaSegment::Append(std::uint64_t ref_id, std::span<const std::uint32_t> values,
                          const RefTag& tag, const std::vector<bool>& low) {
  std::uint32_t start = next_position_;
  const auto n = static_cast<std::uint32_t>(values.size());
  if (start % kChunkWords + n > kChunkWords) start = (start / kChunkWords + 1) * kChunkWords;
  if (n > 0) {
    auto& chunk = value_chunks_[start / kChunkWords];
    if (!chunk) chunk = std::make_unique<std::uint32_t[]>(kChunkWords);
    std::memcpy(chunk.get() + start % kChunkWords, values.data(), values.size_bytes());
  }
  auto& refs = ref_chunks_[refs_ / kRefChunk];
  if (!refs) refs = std::make_unique<DeltaRef[]>(kRefChunk);
  refs[refs_ % kRefChunk] = DeltaRef{ref_id, start, n, tag};
  if (with_postings_) {
    if (!counts_) {  // on first use: an empty delta costs nothing
      counts_ = std::make_unique<std::atomic<std::uint32_t>[]>(kBuckets);
      heads_ = std::make_unique<std::uint32_t[]>(kBuckets);
      tails_ = std::make_unique<std::uint32_t[]>(kBuckets);
    }
    for (std::uint32_t i = 0; i < n; ++i) {
      if (!low[i]) AddPosting(IndexKey(values[i]) >> (kIndexKeyBits - kKeyBits), start + i);
    }
  }
  ++refs_;
  next_position_ = start + n;
  published_.store(std::uint64_t{refs_} << 32 | next_position_, std::memory_order_release);
}

DeltaSegment::Watermark DeltaSegment::Published() const {
  const std::uint64_t p = published_.load(std::memory_order_acquire);
  return {static_cast<std::uint32_t>(p >> 32), static_cast<std::uint32_t>(p)};
}

std::span<const std::uint32_t> DeltaSegment::Values(std::size_t local) const {
  const DeltaRef& r = Ref(local);
  if (r.length == 0) return {};
  return {value_chunks_[r.start / kChunkWords].get() + r.start % kChunkWords, r.length};
}

std::size_t DeltaSegment::RefOfPosition(std::uint32_t pos, const Watermark& w) const {
  std::size_t lo = 0, hi = w.refs;  // the last ref with start <= pos
  while (hi - lo > 1) {
    const std::size_t mid = (lo + hi) / 2;
    if (Ref(mid).start <= pos) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

std::size_t DeltaSegment::PostingBytes() const {
  return counts_ ? std::size_t{next_word_} * 4 + std::size_t{kBuckets} * 12 : 0;
}

std::size_t DeltaSegment::ValueBytes() const { return std::size_t{next_position_} * 4; }

std::size_t DeltaSegment::MemoryBytes() const {
  std::size_t bytes = 0;
  for (const auto& c : value_chunks_) bytes += c ? kChunkWords * 4 : 0;
  for (const auto& c : ref_chunks_) bytes += c ? kRefChunk * sizeof(DeltaRef) : 0;
  for (const auto& c : word_chunks_) bytes += c ? kChunkWords * 4 : 0;
  if (counts_) bytes += std::size_t{kBuckets} * 12;
  return bytes;
}

}  // namespace signet::fp::internal

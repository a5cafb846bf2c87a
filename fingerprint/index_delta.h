// Internal to fingerprint/: the mutable part of the Chromaprint index, the
// recordings added since the last flush (INDEX.md, "Delta").
//
// Layout: nothing in it ever moves, so readers need no lock and a writer
// never rehashes. Values live in 4 MiB chunks (a reference never straddles
// two); delta positions are chunk * 2^20 + offset, 24 bits. Postings are 2^18
// buckets by the key's top 18 bits (~32 entries each in a full delta: a
// lookup reads few entries of other keys), each a chain of blocks (2, 4, 8,
// 16, then 32 entries each, plus one word linking to the next) carved from
// 4 MiB chunks of words; an entry is the key's low 6 bits << 26 | delta
// position. ~6 bytes of postings and 4 of values per position. The key is
// the top kKeyBits (24) of IndexKey: a delta holds at most 16M positions,
// whose 24-bit lists average ~1 entry, so the 3 more bits segments keep
// would only cost bits of the position (IndexView::Vote looks a delta up by
// its own width).
//
// Concurrency: one writer at a time (the Index's writer mutex) appends a
// reference: values, then its postings (each bucket's entry count is stored
// with release order after the entry), then the published watermark
// (references and positions, release). A reader loads the watermark (acquire)
// once and ignores every entry at or past its position, so it sees exactly
// the references published before it looked; nothing it reads is written
// again. Memory is freed only with the DeltaSegment (shared_ptr, after the
// last reader of a snapshot is done).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "fingerprint/chroma_segment.h"  // RefTag

namespace signet::fp::internal {

struct DeltaRef {
  std::uint64_t ref_id;
  std::uint32_t start;  // delta position
  std::uint32_t length;
  RefTag tag;
};

class DeltaSegment {
 public:
  static constexpr int kKeyBits = 24;  // the top bits of IndexKey
  static constexpr int kBucketBits = 18;
  static constexpr int kEntryPositionBits = 26;
  static constexpr std::uint32_t kChunkWords = std::uint32_t{1} << 20;
  static constexpr std::uint32_t kMaxPositions = std::uint32_t{1} << 24;
  static constexpr std::size_t kMaxRefs = std::size_t{1} << 20;

  // `with_postings` false: a bulk load (values only, not searchable).
  DeltaSegment(std::uint64_t first_slot, bool with_postings);
  ~DeltaSegment();
  DeltaSegment(const DeltaSegment&) = delete;
  DeltaSegment& operator=(const DeltaSegment&) = delete;

  std::uint64_t first_slot() const { return first_slot_; }
  bool with_postings() const { return with_postings_; }

  // ---- writer -------------------------------------------------------------
  // Whether a reference of `n` values fits (else the caller freezes this one).
  bool HasRoom(std::size_t n) const;
  // REQUIRES: HasRoom(values.size()); low.size() == values.size().
  void Append(std::uint64_t ref_id, std::span<const std::uint32_t> values, const RefTag& tag,
              const std::vector<bool>& low);
  std::uint32_t positions_used() const { return next_position_; }  // writer's view
  std::size_t MemoryBytes() const;                                 // writer's view
  std::size_t PostingBytes() const;                                // writer's view
  std::size_t ValueBytes() const;                                  // writer's view

  // ---- readers --------------------------------------------------------------
  struct Watermark {
    std::uint32_t refs = 0;
    std::uint32_t positions = 0;  // delta positions below this are published
  };
  Watermark Published() const;

  // emit(delta position) for each published entry with a key (kKeyBits
  // bits) in [key_lo, key_hi); returns how many.
  template <typename Emit>
  std::size_t ForKeys(std::uint32_t key_lo, std::uint32_t key_hi, const Watermark& w,
                      Emit&& emit) const;
  // The bucket of `key_lo` (ahead of ForKeys on a batch of keys).
  void Prefetch(std::uint32_t key_lo, const Watermark& w) const {
    if (!with_postings_ || w.refs == 0) return;
    const std::uint32_t b = key_lo >> (kKeyBits - kBucketBits);
    __builtin_prefetch(&counts_[b]);
    __builtin_prefetch(&heads_[b]);
  }
  // Block `depth` of the chain of `key_lo`'s bucket, when the published
  // entries reach it (ahead of ForKeys on a batch of keys, after Prefetch and
  // PrefetchBlock(depth - 1) of the whole batch: it reads the links of blocks
  // 0..depth-1).
  void PrefetchBlock(std::uint32_t key_lo, const Watermark& w, std::uint32_t depth) const {
    if (!with_postings_ || w.refs == 0) return;
    const std::uint32_t b = key_lo >> (kKeyBits - kBucketBits);
    // The head is written before the first entry's count is released: read
    // it only once an entry is seen (else it races with that write).
    std::uint32_t n = counts_[b].load(std::memory_order_acquire);
    if (n == 0) return;
    std::uint32_t block = heads_[b];
    for (std::uint32_t k = 0; k < depth; ++k) {
      if (n <= BlockCap(k)) return;
      n -= BlockCap(k);
      block = Word(block)[0];
    }
    if (n > 0) __builtin_prefetch(Word(block));
  }
  // REQUIRES: local < w.refs.
  const DeltaRef& Ref(std::size_t local) const {
    return ref_chunks_[local / kRefChunk][local % kRefChunk];
  }
  std::span<const std::uint32_t> Values(std::size_t local) const;
  // The local reference at delta position `pos` (< w.positions).
  std::size_t RefOfPosition(std::uint32_t pos, const Watermark& w) const;

 private:
  static constexpr std::size_t kRefChunk = 4096;
  static constexpr std::uint32_t BlockCap(std::uint32_t k) { return k < 4 ? 2u << k : 32u; }
  const std::uint32_t* Word(std::uint32_t index) const {
    return word_chunks_[index / kChunkWords].get() + index % kChunkWords;
  }
  std::uint32_t* MutableWord(std::uint32_t index) {
    return word_chunks_[index / kChunkWords].get() + index % kChunkWords;
  }
  std::uint32_t AllocateBlock(std::uint32_t cap);
  void AddPosting(std::uint32_t key, std::uint32_t pos);

  const std::uint64_t first_slot_;
  const bool with_postings_;
  std::atomic<std::uint64_t> published_{0};  // refs << 32 | positions

  std::array<std::unique_ptr<std::uint32_t[]>, kMaxPositions / kChunkWords> value_chunks_;
  std::array<std::unique_ptr<DeltaRef[]>, kMaxRefs / kRefChunk> ref_chunks_;
  // Postings: per bucket an entry count (readers), head and tail block.
  std::unique_ptr<std::atomic<std::uint32_t>[]> counts_;
  std::unique_ptr<std::uint32_t[]> heads_, tails_;
  static constexpr std::size_t kWordChunks = 64;  // > 2 words per entry at kMaxPositions
  std::array<std::unique_ptr<std::uint32_t[]>, kWordChunks> word_chunks_;
  std::uint32_t next_word_ = 0;

  // Writer state.
  std::uint32_t next_position_ = 0;
  std::size_t refs_ = 0;
};

template <typename Emit>
std::size_t DeltaSegment::ForKeys(std::uint32_t key_lo, std::uint32_t key_hi, const Watermark& w,
                                  Emit&& emit) const {
  if (!with_postings_ || w.refs == 0 || key_lo >= key_hi) return 0;  // tables exist once a ref is
  std::size_t found = 0;
  constexpr int kLow = kKeyBits - kBucketBits;
  constexpr std::uint32_t kPosMask = (std::uint32_t{1} << kEntryPositionBits) - 1;
  for (std::uint32_t b = key_lo >> kLow; b <= (key_hi - 1) >> kLow; ++b) {
    std::uint32_t n = counts_[b].load(std::memory_order_acquire);
    if (n == 0) continue;
    std::uint32_t block = heads_[b];
    for (std::uint32_t k = 0;; ++k) {
      const std::uint32_t* words = Word(block);
      const std::uint32_t m = std::min(BlockCap(k), n);
      for (std::uint32_t j = 0; j < m; ++j) {
        const std::uint32_t e = words[1 + j];
        const std::uint32_t key = b << kLow | e >> kEntryPositionBits, pos = e & kPosMask;
        if (key >= key_lo && key < key_hi && pos < w.positions) {
          emit(pos);
          ++found;
        }
      }
      n -= m;
      if (n == 0) break;
      block = words[0];
    }
  }
  return found;
}

}  // namespace signet::fp::internal

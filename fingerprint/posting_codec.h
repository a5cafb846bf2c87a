// Internal to fingerprint/: the posting lists of one Chromaprint segment
// (INDEX.md, "Postings"). Every indexed position contributes the value
// v = key << pos_bits | position (key: the 27-bit IndexKey); all values of a
// segment, ascending, form one Elias-Fano sequence:
//   low   the low `low_bits` bits of every v, bit-packed LSB-first (entry i at
//         bit i * low_bits), plus 8 bytes of padding for unaligned loads;
//   high  the rest in unary: entry i sets bit (v >> low_bits) + i of a stream
//         of 64-bit words, plus one padding word;
//   skip  2^skip_bits + 1 entry indexes: skip[b] is the first entry whose key
//         has the prefix >= b (its top skip_bits bits), so a lookup starts
//         at its key's bucket instead of a select structure.
// With low_bits = floor(log2(2^(27 + pos_bits) / n)) this costs about
// 27 + log2(positions / entries) + 2 bits per entry (~29) at any size, keeps
// the full key of every entry (no false hits from a shorter bucket key), and
// decodes sequentially in key order, which is what a merge needs.
//
// Thread safety: readers are immutable views; writers belong to one thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "common/status.h"

namespace signet::fp::internal {

// Width of the keys (kIndexKeyBits, index.h; segments of kind version 1 kept
// 24). static_assert'ed equal where both are visible (chroma_segment.cc).
inline constexpr int kPostingKeyBits = 27;

struct PostingParams {
  int pos_bits = 1;
  int low_bits = 0;
  int skip_bits = 0;
  std::uint64_t entries = 0;  // an upper bound while writing (merges drop dead entries)

  // Parameters for up to `entries` entries over positions [0, positions).
  static PostingParams For(std::uint64_t positions, std::uint64_t entries);
  std::uint64_t SkipSize() const { return (std::uint64_t{1} << skip_bits) + 1; }
  // Bytes of the low stream and 64-bit words of the high stream, padding
  // included, for `entries` entries whose largest value is below 2^(27 + pos_bits).
  std::uint64_t LowBytes(std::uint64_t n) const;
  std::uint64_t HighWords(std::uint64_t n) const;
};

// Appends entries in ascending (key, position) order.
class PostingWriter {
 public:
  // `low_sink` / `high_sink` receive the streams as they are produced.
  using Sink = std::function<Status(const void* data, std::size_t bytes)>;
  PostingWriter(const PostingParams& params, Sink low_sink, Sink high_sink);

  Status Add(std::uint32_t key, std::uint32_t position);
  // Pads both streams; returns the skip table (PostingParams::SkipSize entries).
  Result<std::vector<std::uint32_t>> Finish();
  std::uint64_t entries() const { return n_; }

 private:
  Status PutLow(std::uint64_t bits, int width);
  Status PutHighOne(std::uint64_t bit);

  PostingParams p_;
  Sink low_sink_, high_sink_;
  std::uint64_t n_ = 0;
  std::uint64_t last_ = 0;
  std::vector<std::uint32_t> skip_;
  std::uint64_t next_bucket_ = 0;
  std::uint64_t low_acc_ = 0;
  int low_fill_ = 0;
  std::vector<std::uint8_t> low_buf_;
  std::uint64_t high_word_index_ = 0, high_word_ = 0;
  std::vector<std::uint64_t> high_buf_;
  std::uint64_t low_bytes_ = 0, high_words_ = 0;
};

// Reads one segment's postings in place (spans into the segment file).
class PostingReader {
 public:
  PostingReader() = default;
  // Errors: kInternal when the spans are too short for `entries` entries.
  static Result<PostingReader> Create(const PostingParams& params, std::uint64_t positions,
                                      std::span<const std::uint8_t> low,
                                      std::span<const std::uint64_t> high,
                                      std::span<const std::uint32_t> skip);

  // Calls emit(position) for every entry with a key in [key_lo, key_hi),
  // in (key, position) order. Damaged data yields wrong positions below
  // `positions`, never an out-of-bounds read.
  template <typename Emit>
  void ForKeys(std::uint32_t key_lo, std::uint32_t key_hi, Emit&& emit) const;
  template <typename Emit>
  void ForKey(std::uint32_t key, Emit&& emit) const {
    ForKeys(key, key + 1, emit);
  }
  // Entries of `key` (for the matcher's list-length cut).
  std::uint64_t CountKey(std::uint32_t key) const;

  // A lookup costs three dependent cache misses (skip table, high stream,
  // low bits). A batch of lookups hides them: prefetch every key's skip
  // entry, then every key's stream start, then Start every lookup (which
  // prefetches the low bits of its first entry), then Continue each.
  struct Start {
    std::uint64_t index = 0, bit = 0;
  };
  // Where the entries with a key >= `key_lo` start, their low bits prefetched.
  Start StartAt(std::uint32_t key_lo) const;
  // ForKeys(key_lo, key_hi, emit) from `start` = StartAt(key_lo).
  template <typename Emit>
  void Continue(const Start& start, std::uint32_t key_lo, std::uint32_t key_hi, Emit&& emit) const;
  void PrefetchSkip(std::uint32_t key_lo) const {
    __builtin_prefetch(&skip_[(key_lo >> (kPostingKeyBits - p_.skip_bits))]);
  }
  void PrefetchStreams(std::uint32_t key_lo) const {
    const std::uint64_t bucket = key_lo >> (kPostingKeyBits - p_.skip_bits);
    const std::uint64_t i = std::min<std::uint64_t>(skip_[bucket], p_.entries);
    const std::uint64_t hb =
        ((bucket << (kPostingKeyBits - p_.skip_bits)) << p_.pos_bits) >> p_.low_bits;
    const std::uint64_t word = std::min<std::uint64_t>((hb + i) / 64, high_.size() - 1);
    __builtin_prefetch(&high_[word]);
    __builtin_prefetch(low_.data() + std::min<std::uint64_t>(i * p_.low_bits / 8, low_.size() - 1));
  }

  // Sequential decoding of every entry in (key, position) order (merges).
  class Cursor {
   public:
    explicit Cursor(const PostingReader& r) : r_(&r) { Advance(); }
    bool done() const { return done_; }
    std::uint32_t key() const { return key_; }
    std::uint32_t position() const { return pos_; }
    void Next() { Advance(); }

   private:
    void Advance();
    const PostingReader* r_;
    std::uint64_t index_ = 0, bit_ = 0;
    std::uint32_t key_ = 0, pos_ = 0;
    bool done_ = false;
  };

  std::uint64_t entries() const { return p_.entries; }
  const PostingParams& params() const { return p_; }

 private:
  // Entry index and high-stream bit of the first entry with value >= `target`.
  void Seek(std::uint64_t target, std::uint64_t* index, std::uint64_t* bit,
            std::uint64_t* end_index) const;
  // The next set bit at or after `bit` (high_bits_ when none).
  std::uint64_t NextOne(std::uint64_t bit) const;
  std::uint64_t Low(std::uint64_t i) const;

  PostingParams p_;
  std::uint64_t positions_ = 0;
  std::uint64_t high_bits_ = 0;
  std::span<const std::uint8_t> low_;
  std::span<const std::uint64_t> high_;
  std::span<const std::uint32_t> skip_;
};

template <typename Emit>
void PostingReader::ForKeys(std::uint32_t key_lo, std::uint32_t key_hi, Emit&& emit) const {
  if (p_.entries == 0 || key_lo >= key_hi) return;
  std::uint64_t i, bit, end;
  Seek(std::uint64_t{key_lo} << p_.pos_bits, &i, &bit, &end);
  Continue({i, bit}, key_lo, key_hi, emit);
}

template <typename Emit>
void PostingReader::Continue(const Start& start, std::uint32_t key_lo, std::uint32_t key_hi,
                             Emit&& emit) const {
  if (p_.entries == 0 || key_lo >= key_hi) return;
  const std::uint64_t lo = std::uint64_t{key_lo} << p_.pos_bits;
  const std::uint64_t hi = std::uint64_t{key_hi} << p_.pos_bits;
  std::uint64_t bit = start.bit;
  // A range may span several skip buckets.
  const std::uint64_t end = p_.entries;
  for (std::uint64_t i = start.index; i < end; ++i) {
    bit = NextOne(bit);
    if (bit >= high_bits_) return;
    const std::uint64_t v = ((bit - i) << p_.low_bits) | Low(i);
    ++bit;
    if (v < lo) continue;
    if (v >= hi) return;
    const std::uint64_t pos = v & ((std::uint64_t{1} << p_.pos_bits) - 1);
    if (pos < positions_) emit(static_cast<std::uint32_t>(pos));
  }
}

}  // namespace signet::fp::internal

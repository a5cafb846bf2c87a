#include "fingerprint/posting_codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace signet::fp::internal {
namespace {

constexpr int kKeyBits = kPostingKeyBits;
constexpr std::size_t kFlushBytes = std::size_t{1} << 20;

// Set bits of every byte value (Seek's select, without a popcount call).
constexpr std::array<std::uint8_t, 256> kBytePopCount = [] {
  std::array<std::uint8_t, 256> t{};
  for (int v = 0; v < 256; ++v) t[v] = static_cast<std::uint8_t>(std::popcount(unsigned(v)));
  return t;
}();

std::uint64_t Mask(int bits) { return bits >= 64 ? ~0ull : (std::uint64_t{1} << bits) - 1; }

}  // namespace

PostingParams PostingParams::For(std::uint64_t positions, std::uint64_t entries) {
  PostingParams p;
  p.pos_bits =
      std::max(1, static_cast<int>(std::bit_width(std::max<std::uint64_t>(positions, 2) - 1)));
  const int nbits = static_cast<int>(std::bit_width(entries));
  p.low_bits = entries == 0 ? 0 : std::clamp(kKeyBits + p.pos_bits - nbits, 0, 56);
  // ~32-64 entries per skip bucket.
  // At most 2^24 buckets (64 MiB), what 24-bit keys had at 1M recordings: a
  // bucket of ~100 entries then costs a lookup a few more popcounts, and a
  // table of 2^25 would cost 0.04 B per position.
  p.skip_bits = std::clamp(nbits - 6, 0, std::min(kKeyBits, 24));
  p.entries = entries;
  return p;
}

std::uint64_t PostingParams::LowBytes(std::uint64_t n) const {
  return (n * static_cast<std::uint64_t>(low_bits) + 7) / 8 + 8;
}

std::uint64_t PostingParams::HighWords(std::uint64_t n) const {
  const std::uint64_t max_high = (std::uint64_t{1} << (kKeyBits + pos_bits)) >> low_bits;
  return (max_high + n) / 64 + 2;
}

// ---- writing ----------------------------------------------------------------

PostingWriter::PostingWriter(const PostingParams& params, Sink low_sink, Sink high_sink)
    : p_(params), low_sink_(std::move(low_sink)), high_sink_(std::move(high_sink)) {
  skip_.reserve(p_.SkipSize());
}

Status PostingWriter::PutLow(std::uint64_t bits, int width) {
  // low_acc_ holds low_fill_ < 8 pending bits; width <= 56 fits beside them.
  low_acc_ |= (bits & Mask(width)) << low_fill_;
  low_fill_ += width;
  const std::size_t at = low_buf_.size();
  low_buf_.resize(at + 8);
  std::memcpy(low_buf_.data() + at, &low_acc_, sizeof low_acc_);
  const int whole = low_fill_ >> 3;
  low_buf_.resize(at + static_cast<std::size_t>(whole));
  low_acc_ = whole == 8 ? 0 : low_acc_ >> (whole * 8);
  low_fill_ &= 7;
  if (low_buf_.size() >= kFlushBytes) {
    SIGNET_RETURN_IF_ERROR(low_sink_(low_buf_.data(), low_buf_.size()));
    low_bytes_ += low_buf_.size();
    low_buf_.clear();
  }
  return Status::Ok();
}

Status PostingWriter::PutHighOne(std::uint64_t bit) {
  const std::uint64_t w = bit / 64;
  while (high_word_index_ < w) {
    high_buf_.push_back(high_word_);
    high_word_ = 0;
    ++high_word_index_;
    if (high_buf_.size() * 8 >= kFlushBytes) {
      SIGNET_RETURN_IF_ERROR(high_sink_(high_buf_.data(), high_buf_.size() * 8));
      high_words_ += high_buf_.size();
      high_buf_.clear();
    }
  }
  high_word_ |= std::uint64_t{1} << (bit % 64);
  return Status::Ok();
}

Status PostingWriter::Add(std::uint32_t key, std::uint32_t position) {
  const std::uint64_t v = std::uint64_t{key} << p_.pos_bits | position;
  if (key >> kKeyBits != 0 || position >> p_.pos_bits != 0) {
    return Status::Internal("posting writer: entry out of range");
  }
  if (n_ > 0 && v <= last_) return Status::Internal("posting writer: entries out of order");
  if (n_ >= p_.entries) return Status::Internal("posting writer: more entries than declared");
  const std::uint64_t bucket = key >> (kKeyBits - p_.skip_bits);
  while (next_bucket_ <= bucket) {
    skip_.push_back(static_cast<std::uint32_t>(n_));
    ++next_bucket_;
  }
  SIGNET_RETURN_IF_ERROR(PutLow(v & Mask(p_.low_bits), p_.low_bits));
  SIGNET_RETURN_IF_ERROR(PutHighOne((v >> p_.low_bits) + n_));
  ++n_;
  last_ = v;
  return Status::Ok();
}

Result<std::vector<std::uint32_t>> PostingWriter::Finish() {
  while (skip_.size() < p_.SkipSize()) skip_.push_back(static_cast<std::uint32_t>(n_));
  if (low_fill_ > 0) low_buf_.push_back(static_cast<std::uint8_t>(low_acc_));
  low_buf_.insert(low_buf_.end(), 8, 0);
  SIGNET_RETURN_IF_ERROR(low_sink_(low_buf_.data(), low_buf_.size()));
  high_buf_.push_back(high_word_);
  high_buf_.push_back(0);  // padding
  SIGNET_RETURN_IF_ERROR(high_sink_(high_buf_.data(), high_buf_.size() * 8));
  low_buf_.clear();
  high_buf_.clear();
  p_.entries = n_;
  return std::move(skip_);
}

// ---- reading ----------------------------------------------------------------

Result<PostingReader> PostingReader::Create(const PostingParams& params, std::uint64_t positions,
                                            std::span<const std::uint8_t> low,
                                            std::span<const std::uint64_t> high,
                                            std::span<const std::uint32_t> skip) {
  if (params.pos_bits < 1 || params.pos_bits > 32 || params.low_bits < 0 || params.low_bits > 56 ||
      params.skip_bits < 0 || params.skip_bits > kKeyBits) {
    return Status::Internal("postings: parameters out of range");
  }
  if (low.size() < params.LowBytes(params.entries) || high.size() < 2 ||
      skip.size() != params.SkipSize() || positions > (std::uint64_t{1} << params.pos_bits)) {
    return Status::Internal("postings: sections too short for " + std::to_string(params.entries) +
                            " entries");
  }
  PostingReader r;
  r.p_ = params;
  r.positions_ = positions;
  r.low_ = low;
  r.high_ = high;
  r.skip_ = skip;
  r.high_bits_ = static_cast<std::uint64_t>(high.size()) * 64;
  return r;
}

std::uint64_t PostingReader::Low(std::uint64_t i) const {
  const std::uint64_t bit = i * static_cast<std::uint64_t>(p_.low_bits);
  std::uint64_t word;
  std::memcpy(&word, low_.data() + bit / 8, sizeof word);
  return (word >> (bit % 8)) & Mask(p_.low_bits);
}

std::uint64_t PostingReader::NextOne(std::uint64_t bit) const {
  std::uint64_t wi = bit / 64;
  if (wi >= high_.size()) return high_bits_;
  const std::uint64_t w = high_[wi] >> (bit % 64);
  if (w != 0) return bit + static_cast<std::uint64_t>(std::countr_zero(w));
  for (++wi; wi < high_.size(); ++wi) {
    if (high_[wi] != 0) return wi * 64 + static_cast<std::uint64_t>(std::countr_zero(high_[wi]));
  }
  return high_bits_;
}

void PostingReader::Seek(std::uint64_t target, std::uint64_t* index, std::uint64_t* bit,
                         std::uint64_t* end_index) const {
  const int shift = kKeyBits - p_.skip_bits;
  const std::uint64_t bucket = (target >> p_.pos_bits) >> shift;
  std::uint64_t i = std::min<std::uint64_t>(skip_[bucket], p_.entries);
  const std::uint64_t end = std::clamp<std::uint64_t>(skip_[bucket + 1], i, p_.entries);
  // Entries before i have values below the bucket's first, so entry i's bit
  // is the first one at or after hb + i.
  const std::uint64_t hb = ((bucket << shift) << p_.pos_bits) >> p_.low_bits;
  std::uint64_t b = hb + i;
  std::uint64_t zeros = (target >> p_.low_bits) - hb;
  // Skip the zeros up to the target's high part, counting the entries passed.
  while (zeros > 0 && i < end) {
    const std::uint64_t wi = b / 64;
    if (wi >= high_.size()) {
      i = end;
      break;
    }
    const int off = static_cast<int>(b % 64);
    std::uint64_t w = ~high_[wi] >> off;  // zeros as ones, 64 - off of them meaningful
    const auto avail = static_cast<std::uint64_t>(64 - off);
    const auto c = static_cast<std::uint64_t>(std::popcount(w));
    if (c < zeros) {
      zeros -= c;
      i += avail - c;
      b += avail;
      continue;
    }
    // t: where the zeros-th one of w is (whole bytes first, then bit by bit).
    std::uint64_t t = 0, left = zeros;
    for (std::uint64_t ones = kBytePopCount[w & 0xff]; ones < left;
         ones = kBytePopCount[w & 0xff]) {
      left -= ones;
      w >>= 8;
      t += 8;
    }
    for (std::uint64_t k = 1; k < left; ++k) w &= w - 1;
    t += static_cast<std::uint64_t>(std::countr_zero(w));
    i += t - (zeros - 1);
    b += t + 1;
    zeros = 0;
  }
  *index = std::min(i, end);
  *bit = b;
  *end_index = end;
}

PostingReader::Start PostingReader::StartAt(std::uint32_t key_lo) const {
  if (p_.entries == 0) return {};
  std::uint64_t i, bit, end;
  Seek(std::uint64_t{key_lo} << p_.pos_bits, &i, &bit, &end);
  if (i < p_.entries) {
    __builtin_prefetch(low_.data() + i * static_cast<std::uint64_t>(p_.low_bits) / 8);
  }
  return {i, bit};
}

std::uint64_t PostingReader::CountKey(std::uint32_t key) const {
  std::uint64_t n = 0;
  ForKey(key, [&n](std::uint32_t) { ++n; });
  return n;
}

void PostingReader::Cursor::Advance() {
  if (index_ >= r_->p_.entries) {
    done_ = true;
    return;
  }
  bit_ = r_->NextOne(bit_);
  if (bit_ >= r_->high_bits_) {
    done_ = true;
    return;
  }
  const std::uint64_t v = ((bit_ - index_) << r_->p_.low_bits) | r_->Low(index_);
  key_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(v >> r_->p_.pos_bits, Mask(kKeyBits)));
  pos_ = static_cast<std::uint32_t>(v & Mask(r_->p_.pos_bits));
  ++index_;
  ++bit_;
}

}  // namespace signet::fp::internal

#include "fingerprint/landmark_peak_codec.h"

#include <algorithm>
#include <cstring>

#include "fingerprint/huffman.h"

namespace signet::fp::internal {
namespace {

constexpr std::size_t kTableSize = std::size_t{1} << kPeakCodeBits;
constexpr std::uint32_t kEscape = kGapSymbols - 1;

int GapSymbol(std::uint32_t gap) { return static_cast<int>(std::min(gap, kEscape)); }

}  // namespace

void CountPeakSymbols(std::span<const LandmarkPeak> peaks, PeakSymbolCounts& counts) {
  std::uint32_t prev = 0;
  for (const LandmarkPeak& p : peaks) {
    ++counts[GapSymbol(p.frame - prev)];
    ++counts[kGapSymbols + std::min(p.pitch >> kPitchLowBits, kPitchSymbols - 1)];
    prev = p.frame;
  }
}

PeakCodeLengths BuildPeakCode(const PeakSymbolCounts& counts) {
  PeakCodeLengths out{};
  for (int part = 0; part < 2; ++part) {
    const std::size_t first = part == 0 ? 0 : kGapSymbols;
    const std::size_t n = part == 0 ? kGapSymbols : kPitchSymbols;
    std::vector<std::uint64_t> c(n);
    for (std::size_t s = 0; s < n; ++s) c[s] = counts[first + s] + 1;  // every symbol codable
    const std::vector<std::uint8_t> len = LimitedHuffmanLengths(std::move(c), kPeakCodeBits);
    std::copy(len.begin(), len.end(), out.begin() + first);
  }
  return out;
}

Result<PeakCodec> PeakCodec::Create(const PeakCodeLengths& lengths) {
  PeakCodec c;
  c.lengths_ = lengths;
  c.table_.assign(2 * kTableSize, 0);
  SIGNET_RETURN_IF_ERROR(BuildCanonicalCode(
      std::span(lengths).first(kGapSymbols), kPeakCodeBits, std::span(c.codes_).first(kGapSymbols),
      std::span(c.table_).first(kTableSize), "landmark peak code: gaps"));
  SIGNET_RETURN_IF_ERROR(BuildCanonicalCode(std::span(lengths).subspan(kGapSymbols), kPeakCodeBits,
                                            std::span(c.codes_).subspan(kGapSymbols),
                                            std::span(c.table_).subspan(kTableSize),
                                            "landmark peak code: pitches"));
  return c;
}

void PeakCodec::Encode(std::span<const LandmarkPeak> peaks, std::vector<std::uint8_t>& bits,
                       std::uint64_t* bit_count, std::vector<Checkpoint>& checkpoints) const {
  const std::uint64_t first = *bit_count;
  std::uint64_t pos = first;
  // At most 48 bits a peak, 8 bytes of slack for the word stores below.
  bits.resize(std::max(bits.size(), (pos + peaks.size() * 48) / 8 + 16), 0);
  std::uint32_t prev = 0;
  for (std::size_t i = 0; i < peaks.size(); ++i) {
    if (i % kCheckpointEvery == 0)
      checkpoints.push_back({static_cast<std::uint32_t>(pos - first), prev});
    const std::uint32_t gap = peaks[i].frame - prev;
    const int g = GapSymbol(gap);
    const int p = std::min(peaks[i].pitch >> kPitchLowBits, kPitchSymbols - 1);
    std::uint64_t w = codes_[g];
    int len = lengths_[g];
    if (static_cast<std::uint32_t>(g) == kEscape) {
      w |= static_cast<std::uint64_t>(gap - kEscape) << len;
      len += kEscapeGapBits;
    }
    w |= static_cast<std::uint64_t>(codes_[kGapSymbols + p]) << len;
    len += lengths_[kGapSymbols + p];
    w |= static_cast<std::uint64_t>(peaks[i].pitch & ((1u << kPitchLowBits) - 1)) << len;
    len += kPitchLowBits;
    // OR the code in at pos (at most 48 + 7 bits: one word).
    std::uint64_t word;
    std::memcpy(&word, bits.data() + pos / 8, sizeof word);
    word |= w << (pos % 8);
    std::memcpy(bits.data() + pos / 8, &word, sizeof word);
    pos += static_cast<std::uint64_t>(len);
    prev = peaks[i].frame;
  }
  *bit_count = pos;
  bits.resize((pos + 7) / 8 + 8);
}

void PeakCodec::Decode(const PeakStream& stream, std::span<const Checkpoint> checkpoints,
                       std::uint32_t from, std::uint32_t to, std::vector<LandmarkPeak>& out) const {
  if (checkpoints.empty() || from >= to) return;
  // The last checkpoint whose previous peak lies before `from`.
  auto it = std::upper_bound(checkpoints.begin(), checkpoints.end(), from,
                             [](std::uint32_t f, const Checkpoint& c) { return f <= c.frame; });
  if (it != checkpoints.begin()) --it;
  std::uint32_t frame = it->frame;
  const std::uint16_t* const gaps = table_.data();
  const std::uint16_t* const pitches = table_.data() + kTableSize;
  for (std::uint64_t pos = stream.begin + it->bit; pos < stream.end;) {
    std::uint64_t w;
    std::memcpy(&w, stream.bytes + pos / 8, sizeof w);
    w >>= pos % 8;
    std::uint16_t e = gaps[w & (kTableSize - 1)];
    std::uint32_t gap = e & 0xff;
    int used = e >> 8;
    w >>= e >> 8;
    if (gap == kEscape) {
      gap += static_cast<std::uint32_t>(w & ((1u << kEscapeGapBits) - 1));
      w >>= kEscapeGapBits;
      used += kEscapeGapBits;
    }
    e = pitches[w & (kTableSize - 1)];
    const auto pitch = static_cast<std::uint16_t>((e & 0xff) << kPitchLowBits |
                                                  ((w >> (e >> 8)) & ((1u << kPitchLowBits) - 1)));
    used += (e >> 8) + kPitchLowBits;
    pos += static_cast<std::uint64_t>(used);
    frame += gap;
    if (frame >= to) break;
    if (frame >= from) out.push_back({frame, pitch, 0});
  }
}

}  // namespace signet::fp::internal

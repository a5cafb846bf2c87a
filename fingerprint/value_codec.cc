#include "fingerprint/value_codec.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>

#include "fingerprint/huffman.h"

namespace signet::fp::internal {
namespace {

constexpr std::size_t kTableSize = std::size_t{1} << kMaxCodeBits;

// The corpus's lane code (see DefaultValueCodeLengths), 256 lengths per lane.
constexpr ValueCodeLengths kDefaultLengths = {
#include "fingerprint/value_code_default.inc"
};

}  // namespace

void CountValueSymbols(std::span<const std::uint32_t> values, ValueSymbolCounts& counts) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i % kValueBlock == 0) continue;  // stored raw
    const std::uint32_t d = values[i] ^ values[i - 1];
    for (int lane = 0; lane < 4; ++lane) ++counts[lane * 256 + ((d >> (8 * lane)) & 0xff)];
  }
}

ValueCodeLengths BuildValueCode(const ValueSymbolCounts& counts) {
  ValueCodeLengths out{};
  for (int lane = 0; lane < 4; ++lane) {
    std::vector<std::uint64_t> c(256);
    for (int s = 0; s < 256; ++s) c[s] = counts[lane * 256 + s] + 1;  // every byte codable
    const std::vector<std::uint8_t> len = LimitedHuffmanLengths(std::move(c), kMaxCodeBits);
    std::copy(len.begin(), len.end(), out.begin() + lane * 256);
  }
  return out;
}

const ValueCodeLengths& DefaultValueCodeLengths() { return kDefaultLengths; }

Result<ValueCodec> ValueCodec::Create(const ValueCodeLengths& lengths) {
  ValueCodec c;
  c.lengths_ = lengths;
  c.table_.assign(4 * kTableSize, 0);
  for (int lane = 0; lane < 4; ++lane) {
    SIGNET_RETURN_IF_ERROR(
        BuildCanonicalCode(std::span(lengths).subspan(lane * 256, 256), kMaxCodeBits,
                           std::span(c.codes_).subspan(lane * 256, 256),
                           std::span(c.table_).subspan(lane * kTableSize, kTableSize),
                           "value code: lane " + std::to_string(lane)));
  }
  return c;
}

const ValueCodec& ValueCodec::Default() {
  static const ValueCodec codec = *Create(kDefaultLengths);
  return codec;
}

void ValueCodec::Encode(std::span<const std::uint32_t> values, std::vector<std::uint8_t>& out,
                        std::vector<std::uint32_t>& block_offsets) const {
  const std::size_t base = out.size();
  // A block is at most 4 + 31 * 48 bits, plus 8 bytes of slack for the
  // 8-byte stores below.
  std::array<std::uint8_t, 4 + 31 * 6 + 8> buf;
  for (std::size_t b = 0; b < values.size(); b += kValueBlock) {
    block_offsets.push_back(static_cast<std::uint32_t>(out.size() - base));
    const std::uint32_t first = values[b];
    std::memcpy(buf.data(), &first, 4);
    std::uint8_t* p = buf.data() + 4;
    std::uint64_t bits = 0;
    int n = 0;  // pending bits in `bits`, < 8 between values
    const std::size_t end = std::min(values.size(), b + kValueBlock);
    for (std::size_t i = b + 1; i < end; ++i) {
      const std::uint32_t d = values[i] ^ values[i - 1];
      // The four lanes' codes (at most 4 * 12 bits) in one word.
      std::uint64_t w = 0;
      int len = 0;
      for (int lane = 0; lane < 4; ++lane) {
        const std::size_t sym = lane * 256 + ((d >> (8 * lane)) & 0xff);
        w |= static_cast<std::uint64_t>(codes_[sym]) << len;
        len += lengths_[sym];
      }
      bits |= w << n;
      n += len;
      std::memcpy(p, &bits, sizeof bits);
      const int whole = n >> 3;
      p += whole;
      bits >>= whole * 8;
      n &= 7;
    }
    if (n > 0) *p++ = static_cast<std::uint8_t>(bits);
    out.insert(out.end(), buf.data(), p);
  }
}

void ValueCodec::DecodeBlock(std::span<const std::uint8_t> bytes, std::size_t count,
                             std::uint32_t* out) const {
  // A block is at most 4 + 31 * 6 bytes; copied beside 8 zero bytes, every
  // refill is one 8-byte load and the loop needs no bounds checks (a longer,
  // damaged span is cut: wrong values, in bounds).
  std::array<std::uint8_t, 4 + 31 * 6 + 16> buf{};
  const std::size_t n_bytes = std::min(bytes.size(), buf.size() - 8);
  // An empty span may have no storage at all: memcpy from null is undefined.
  if (n_bytes > 0) std::memcpy(buf.data(), bytes.data(), n_bytes);
  std::uint32_t v;
  std::memcpy(&v, buf.data(), sizeof v);
  out[0] = v;
  const std::uint8_t* p = buf.data() + 4;
  const std::uint8_t* const last = buf.data() + buf.size() - 8;
  std::uint64_t bits = 0;
  int n = 0;
  const std::uint16_t* const t = table_.data();
  for (std::size_t i = 1; i < count; ++i) {
    // At least 56 bits buffered: enough for four codes of up to 12 bits.
    std::uint64_t word;
    std::memcpy(&word, p, sizeof word);
    bits |= word << n;
    const int take = (63 - n) >> 3;
    p = std::min(p + take, last);
    n += take * 8;
    std::uint32_t d = 0;
    for (int lane = 0; lane < 4; ++lane) {
      const std::uint16_t e = t[lane * kTableSize + (bits & (kTableSize - 1))];
      d |= static_cast<std::uint32_t>(e & 0xff) << (8 * lane);
      const int len = e >> 8;
      bits >>= len;
      n -= len;
    }
    v ^= d;
    out[i] = v;
  }
}

}  // namespace signet::fp::internal

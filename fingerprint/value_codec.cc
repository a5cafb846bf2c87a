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

namespace {

// One block being decoded (ValueCodec::DecodeBlock). A block is at most 4 +
// 31 * 6 bytes; copied beside 8 zero bytes, every refill is one 8-byte load
// and the loop needs no bounds checks (a longer, damaged span is cut: wrong
// values, in bounds). Past the copied bytes the stream reads as zeros: the
// read position stops at `last`, where 8 zero bytes lie.
class BlockStream {
 public:
  BlockStream(std::span<const std::uint8_t> bytes, std::uint32_t* out) : out_(out) {
    const std::size_t n_bytes = std::min(bytes.size(), kMaxBytes);
    // An empty span may have no storage at all: memcpy from null is undefined.
    if (n_bytes > 0) std::memcpy(buf_.data(), bytes.data(), n_bytes);
    std::memset(buf_.data() + n_bytes, 0, buf_.size() - n_bytes);
    std::memcpy(&v_, buf_.data(), sizeof v_);
    out_[0] = v_;
    p_ = buf_.data() + 4;
    last_ = buf_.data() + std::max<std::size_t>(n_bytes, 4);
  }
  // Decodes value i (>= 1) of the block.
  void Next(const std::uint16_t* t, std::size_t i) {
    // At least 56 bits buffered: enough for four codes of up to 12 bits.
    std::uint64_t word;
    std::memcpy(&word, p_, sizeof word);
    bits_ |= word << n_;
    const int take = (63 - n_) >> 3;
    p_ = std::min(p_ + take, last_);
    n_ += take * 8;
    std::uint32_t d = 0;
    for (int lane = 0; lane < 4; ++lane) {
      const std::uint16_t e = t[lane * kTableSize + (bits_ & (kTableSize - 1))];
      d |= static_cast<std::uint32_t>(e & 0xff) << (8 * lane);
      const int len = e >> 8;
      bits_ >>= len;
      n_ -= len;
    }
    v_ ^= d;
    out_[i] = v_;
  }

 private:
  static constexpr std::size_t kMaxBytes = 4 + 31 * 6;
  std::array<std::uint8_t, kMaxBytes + 8> buf_;
  std::uint32_t* out_;
  const std::uint8_t* p_;
  const std::uint8_t* last_;
  std::uint64_t bits_ = 0;
  int n_ = 0;
  std::uint32_t v_;
};

}  // namespace

void ValueCodec::DecodeBlock(std::span<const std::uint8_t> bytes, std::size_t count,
                             std::uint32_t* out) const {
  BlockStream a(bytes, out);
  for (std::size_t i = 1; i < count; ++i) a.Next(table_.data(), i);
}

void ValueCodec::DecodeBlocks(std::span<const std::uint8_t> bytes_a, std::size_t count_a,
                              std::uint32_t* out_a, std::span<const std::uint8_t> bytes_b,
                              std::size_t count_b, std::uint32_t* out_b) const {
  // Each value waits on the previous one's code lengths (four dependent
  // table loads): two blocks side by side keep the core busy with both.
  BlockStream a(bytes_a, out_a), b(bytes_b, out_b);
  const std::size_t both = std::min(count_a, count_b);
  std::size_t i = 1;
  for (; i < both; ++i) {
    a.Next(table_.data(), i);
    b.Next(table_.data(), i);
  }
  for (std::size_t k = i; k < count_a; ++k) a.Next(table_.data(), k);
  for (std::size_t k = i; k < count_b; ++k) b.Next(table_.data(), k);
}

}  // namespace signet::fp::internal

#include "fingerprint/value_codec.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace signet::fp::internal {
namespace {

constexpr std::size_t kTableSize = std::size_t{1} << kMaxCodeBits;

// Huffman code lengths of one lane (256 symbols, every count > 0), by the
// two-queue method over symbols sorted by count.
std::array<std::uint8_t, 256> HuffmanLengths(const std::array<std::uint64_t, 256>& counts) {
  std::array<int, 256> order;
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return counts[a] < counts[b]; });
  // Nodes 0..255 are leaves (in sorted order), 256.. internal.
  std::vector<std::uint64_t> weight(511);
  std::vector<int> parent(511, -1);
  for (int i = 0; i < 256; ++i) weight[i] = counts[order[i]];
  int leaf = 0, inner = 256, next = 256;
  auto pop = [&]() {
    if (leaf < 256 && (inner >= next || weight[leaf] <= weight[inner])) return leaf++;
    return inner++;
  };
  while (next < 511) {
    const int a = pop(), b = pop();
    weight[next] = weight[a] + weight[b];
    parent[a] = parent[b] = next;
    ++next;
  }
  std::array<std::uint8_t, 256> lengths{};
  for (int i = 0; i < 256; ++i) {
    int depth = 0;
    for (int n = i; parent[n] >= 0; n = parent[n]) ++depth;
    lengths[order[i]] = static_cast<std::uint8_t>(depth);
  }
  return lengths;
}

std::uint32_t Reverse(std::uint32_t code, int bits) {
  std::uint32_t r = 0;
  for (int i = 0; i < bits; ++i) r |= ((code >> i) & 1u) << (bits - 1 - i);
  return r;
}

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
    std::array<std::uint64_t, 256> c;
    for (int s = 0; s < 256; ++s) c[s] = counts[lane * 256 + s] + 1;  // every byte codable
    std::array<std::uint8_t, 256> len = HuffmanLengths(c);
    // Too long for the decoding table: flatten the distribution and retry.
    while (*std::max_element(len.begin(), len.end()) > kMaxCodeBits) {
      for (auto& x : c) x = (x + 1) / 2;
      len = HuffmanLengths(c);
    }
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
    // Kraft sum in units of 2^-kMaxCodeBits: at most 1 for a prefix code.
    std::uint64_t kraft = 0;
    std::array<int, kMaxCodeBits + 1> per_length{};
    for (int s = 0; s < 256; ++s) {
      const int l = lengths[lane * 256 + s];
      if (l < 1 || l > kMaxCodeBits) {
        return Status::InvalidArgument("value code: lane " + std::to_string(lane) + " symbol " +
                                       std::to_string(s) + " has length " + std::to_string(l));
      }
      kraft += std::uint64_t{1} << (kMaxCodeBits - l);
      ++per_length[l];
    }
    if (kraft > kTableSize) {
      return Status::InvalidArgument("value code: lane " + std::to_string(lane) +
                                     " is not a prefix code");
    }
    // Canonical codes: by length, then symbol.
    std::array<std::uint32_t, kMaxCodeBits + 2> next{};
    std::uint32_t code = 0;
    for (int l = 1; l <= kMaxCodeBits; ++l) {
      code = (code + static_cast<std::uint32_t>(per_length[l - 1])) << 1;
      next[l] = code;
    }
    std::uint16_t* table = c.table_.data() + lane * kTableSize;
    for (int s = 0; s < 256; ++s) {
      const int l = lengths[lane * 256 + s];
      const std::uint32_t rev = Reverse(next[l]++, l);
      c.codes_[lane * 256 + s] = static_cast<std::uint16_t>(rev);
      for (std::uint32_t hi = 0; hi < (1u << (kMaxCodeBits - l)); ++hi) {
        table[rev | (hi << l)] = static_cast<std::uint16_t>(s | l << 8);
      }
    }
    // An incomplete code leaves entries unused by any valid stream; a damaged
    // stream that reaches one decodes a zero byte and moves on.
    for (std::size_t i = 0; i < kTableSize; ++i) {
      if (table[i] == 0) table[i] = static_cast<std::uint16_t>(kMaxCodeBits << 8);
    }
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
  for (std::size_t b = 0; b < values.size(); b += kValueBlock) {
    block_offsets.push_back(static_cast<std::uint32_t>(out.size() - base));
    const std::uint32_t first = values[b];
    for (int k = 0; k < 4; ++k) out.push_back(static_cast<std::uint8_t>(first >> (8 * k)));
    std::uint64_t bits = 0;
    int n = 0;
    const std::size_t end = std::min(values.size(), b + kValueBlock);
    for (std::size_t i = b + 1; i < end; ++i) {
      const std::uint32_t d = values[i] ^ values[i - 1];
      for (int lane = 0; lane < 4; ++lane) {
        const std::size_t sym = lane * 256 + ((d >> (8 * lane)) & 0xff);
        bits |= static_cast<std::uint64_t>(codes_[sym]) << n;
        n += lengths_[sym];
        while (n >= 8) {
          out.push_back(static_cast<std::uint8_t>(bits));
          bits >>= 8;
          n -= 8;
        }
      }
    }
    if (n > 0) out.push_back(static_cast<std::uint8_t>(bits));
  }
}

void ValueCodec::DecodeBlock(std::span<const std::uint8_t> bytes, std::size_t count,
                             std::uint32_t* out) const {
  std::uint32_t v = 0;
  for (std::size_t k = 0; k < 4 && k < bytes.size(); ++k) {
    v |= static_cast<std::uint32_t>(bytes[k]) << (8 * k);
  }
  out[0] = v;
  const std::uint8_t* p = bytes.data() + std::min<std::size_t>(4, bytes.size());
  const std::uint8_t* const end = bytes.data() + bytes.size();
  std::uint64_t bits = 0;
  int n = 0;
  for (std::size_t i = 1; i < count; ++i) {
    std::uint32_t d = 0;
    for (int lane = 0; lane < 4; ++lane) {
      if (n < kMaxCodeBits) {
        if (end - p >= 8) {
          std::uint64_t word;
          std::memcpy(&word, p, sizeof word);
          bits |= word << n;
          const int take = (63 - n) / 8;
          p += take;
          n += take * 8;
        } else {
          while (n <= 56 && p < end) {
            bits |= static_cast<std::uint64_t>(*p++) << n;
            n += 8;
          }
          if (n < kMaxCodeBits) n = kMaxCodeBits;  // past the end: zero bits
        }
      }
      const std::uint16_t e = table_[lane * kTableSize + (bits & (kTableSize - 1))];
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

#include "fingerprint/huffman.h"

#include <algorithm>
#include <numeric>
#include <string>

namespace signet::fp::internal {
namespace {

std::vector<std::uint8_t> HuffmanLengths(const std::vector<std::uint64_t>& counts) {
  const int n = static_cast<int>(counts.size());
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return counts[a] < counts[b]; });
  // Nodes 0..n-1 are leaves (in sorted order), n.. internal.
  std::vector<std::uint64_t> weight(2 * n - 1);
  std::vector<int> parent(2 * n - 1, -1);
  for (int i = 0; i < n; ++i) weight[i] = counts[order[i]];
  int leaf = 0, inner = n, next = n;
  auto pop = [&]() {
    if (leaf < n && (inner >= next || weight[leaf] <= weight[inner])) return leaf++;
    return inner++;
  };
  while (next < 2 * n - 1) {
    const int a = pop(), b = pop();
    weight[next] = weight[a] + weight[b];
    parent[a] = parent[b] = next;
    ++next;
  }
  std::vector<std::uint8_t> lengths(n);
  for (int i = 0; i < n; ++i) {
    int depth = 0;
    for (int k = i; parent[k] >= 0; k = parent[k]) ++depth;
    lengths[order[i]] = static_cast<std::uint8_t>(std::max(depth, 1));
  }
  return lengths;
}

std::uint32_t Reverse(std::uint32_t code, int bits) {
  std::uint32_t r = 0;
  for (int i = 0; i < bits; ++i) r |= ((code >> i) & 1u) << (bits - 1 - i);
  return r;
}

}  // namespace

std::vector<std::uint8_t> LimitedHuffmanLengths(std::vector<std::uint64_t> counts, int max_bits) {
  std::vector<std::uint8_t> len = HuffmanLengths(counts);
  // Too long for the decoding table: flatten the distribution and retry.
  while (*std::max_element(len.begin(), len.end()) > max_bits) {
    for (auto& x : counts) x = (x + 1) / 2;
    len = HuffmanLengths(counts);
  }
  return len;
}

Status BuildCanonicalCode(std::span<const std::uint8_t> lengths, int max_bits,
                          std::span<std::uint16_t> codes, std::span<std::uint16_t> table,
                          const std::string& what) {
  const std::size_t table_size = std::size_t{1} << max_bits;
  // Kraft sum in units of 2^-max_bits: at most 1 for a prefix code.
  std::uint64_t kraft = 0;
  std::vector<int> per_length(max_bits + 1, 0);
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    const int l = lengths[s];
    if (l < 1 || l > max_bits) {
      return Status::InvalidArgument(what + ": symbol " + std::to_string(s) + " has length " +
                                     std::to_string(l));
    }
    kraft += std::uint64_t{1} << (max_bits - l);
    ++per_length[l];
  }
  if (kraft > table_size) return Status::InvalidArgument(what + " is not a prefix code");
  std::vector<std::uint32_t> next(max_bits + 2, 0);
  std::uint32_t code = 0;
  for (int l = 1; l <= max_bits; ++l) {
    code = (code + static_cast<std::uint32_t>(per_length[l - 1])) << 1;
    next[l] = code;
  }
  std::fill(table.begin(), table.begin() + table_size, std::uint16_t{0});
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    const int l = lengths[s];
    const std::uint32_t rev = Reverse(next[l]++, l);
    codes[s] = static_cast<std::uint16_t>(rev);
    for (std::uint32_t hi = 0; hi < (1u << (max_bits - l)); ++hi)
      table[rev | (hi << l)] = static_cast<std::uint16_t>(s | l << 8);
  }
  for (std::size_t i = 0; i < table_size; ++i)
    if (table[i] == 0) table[i] = static_cast<std::uint16_t>(max_bits << 8);
  return Status::Ok();
}

}  // namespace signet::fp::internal

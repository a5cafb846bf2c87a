// libFuzzer target for the C2SP tlog-tiles formats a log server and its
// mirrors read from the network (crypto/tiles.h): tile paths (request paths
// of /v1/log/tile/...) and entry bundles (what `signet mirror` downloads).
// The first byte picks the parser (and, for bundles, the width expected).
//
// Invariants: an accepted path is canonical (Path(ParsePath(p)) == p) and the
// tile it names is answerable without overflow; an accepted bundle re-encodes
// to exactly its input.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/tiles.h"

namespace tiles = signet::crypto::tiles;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    auto t = tiles::ParsePath(text);
    if (!t.ok()) return 0;
    if (tiles::Path(*t) != text) __builtin_trap();
    if (t->width == 0 || t->width > tiles::kFullWidth || t->level > tiles::kMaxLevel) {
      __builtin_trap();
    }
    // A tree of every size around the tile's edge: InTree must not overflow or lie.
    for (std::uint64_t s : {std::uint64_t{0}, std::uint64_t{1} << 40, ~std::uint64_t{0}}) {
      (void)tiles::InTree(*t, s);
    }
    return 0;
  }
  const std::uint32_t width = 1 + data[0] / 2 % tiles::kFullWidth;
  auto entries = tiles::ParseBundle(text, width);
  if (!entries.ok()) return 0;
  if (entries->size() != width) __builtin_trap();
  std::vector<std::string> copy(entries->begin(), entries->end());
  auto again = tiles::EncodeBundle(copy);
  if (!again.ok() || *again != text) __builtin_trap();
  return 0;
}

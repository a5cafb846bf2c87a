// C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the tile coordinates, their
// path encoding, which tiles a tree of a given size has, entry bundles, and a
// NodeReader over tiles. The log serves these (api/routes_tiles.cc), mirrors
// read them (tools/signet/mirror.h); the format is described in crypto/LOG.md.
//
//   tile/<L>/<N>[.p/<W>]        hash tile: W hashes at Merkle level 8*L, the
//                               first being node (8*L, N*256) (crypto/merkle.h)
//   tile/entries/<N>[.p/<W>]    entry bundle: leaves N*256 .. N*256+W-1, each
//                               a big-endian uint16 length and the entry bytes
//
// <N> is written in 3-digit groups, all but the last prefixed with "x"
// (1234067 -> x001/x234/067); a full tile (W = 256) has no ".p/<W>".
// Every hash in a tile (full or partial) is a complete subtree, so a tile's
// content never changes once it exists: tile (L, N, W) exists in a tree of
// size s iff (N*256 + W) * 256^L <= s.
//
// Parsing reads untrusted input (request paths, downloaded bundles): it is
// strict (exactly one accepted spelling per tile, as Go's tlog.ParseTilePath
// insists on) and bounded.
//
// Thread safety: pure functions over values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "crypto/sha256.h"

namespace signet::crypto::tiles {

inline constexpr unsigned kHeight = 8;  // tile height: 2^8 hashes per full tile
inline constexpr std::uint32_t kFullWidth = 256;
inline constexpr unsigned kMaxLevel = 63;  // the spec's range for <L>
// An entry bundle prefixes each entry with a big-endian uint16 length, and the
// spec offers no larger form: no log entry can be longer than this.
inline constexpr std::size_t kMaxEntryBytes = 65535;

struct Tile {
  bool entries = false;              // an entry bundle rather than a hash tile
  std::uint8_t level = 0;            // hash tiles: 0..63; always 0 for entry bundles
  std::uint64_t index = 0;           // N
  std::uint32_t width = kFullWidth;  // 1..256; 256 is a full tile
  bool full() const { return width == kFullWidth; }
  friend bool operator==(const Tile&, const Tile&) = default;
};

// "tile/0/x001/x234/067.p/5", "tile/entries/000". REQUIRES: a valid tile.
std::string Path(const Tile& tile);
// The inverse of Path; any other spelling (leading zeros, missing "x",
// ".p/256", ".p/0", levels over 63, an N beyond 2^64) is InvalidArgument.
Result<Tile> ParsePath(std::string_view path);

// floor(size / 256^level): the complete nodes at Merkle level 8*level.
std::uint64_t HashesAtLevel(unsigned level, std::uint64_t size);
// Whether every hash (or entry) of `tile` is in the tree of `size` leaves.
bool InTree(const Tile& tile, std::uint64_t size);
// The tile at (level, index) as wide as the tree of `size` leaves makes it
// (full, or the partial right edge). REQUIRES: index * 256 < HashesAtLevel.
Tile TileFor(bool entries, unsigned level, std::uint64_t index, std::uint64_t size);

// The hash tile's bytes: its width's 32-byte hashes, read from `read` as
// nodes (8*level, index*256 + i). REQUIRES: !tile.entries.
Result<std::string> HashTileData(const Tile& tile, const merkle::NodeReader& read);

// MTH over the hashes [begin, begin + count) of a tile's data, taking them as
// the leaves of a perfect subtree: node (8*L + log2(count), ...).
// REQUIRES: count is a power of two, the range lies inside `data`.
Digest SubtreeHash(std::string_view tile_data, std::size_t begin, std::size_t count);

// A NodeReader for the tree of `size` leaves that answers node (l, j) from
// the hash tile holding it (level l / 8, as wide as the tree makes it), read
// through `read_tile` (which returns the tile's bytes). The data is checked
// for length only: authenticate the tiles (the root against a signed
// checkpoint) before trusting the nodes.
using TileSource = std::function<Result<std::string>(const Tile& tile)>;
merkle::NodeReader NodeReaderOverTiles(std::uint64_t size, TileSource read_tile);

// The bundle of `entries` (at most 256). An entry over kMaxEntryBytes is
// ResourceExhausted naming its position.
Result<std::string> EncodeBundle(std::span<const std::string> entries);
// Exactly `width` entries and nothing after them; views into `data`.
Result<std::vector<std::string_view>> ParseBundle(std::string_view data, std::uint32_t width);

}  // namespace signet::crypto::tiles

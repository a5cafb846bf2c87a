#include "crypto/tiles.h"

#include <charconv>
#include <limits>

namespace signet::crypto::tiles {
namespace {

constexpr std::size_t kHashBytes = 32;
constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();

Status BadPath(std::string_view path, std::string_view why) {
  return Status::InvalidArgument(
      "malformed tile path \"" + std::string(path.substr(0, 200)) + "\": " + std::string(why) +
      " (tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>], <N> in 3-digit groups such as "
      "x001/x234/067, <W> 1 to 255)");
}

// A decimal without sign or leading zeros, at most `max`.
bool ParseDecimal(std::string_view s, std::uint64_t max, std::uint64_t& out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out <= max;
}

// Exactly three digits.
bool ParseGroup(std::string_view s, std::uint64_t& out) {
  if (s.size() != 3) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

}  // namespace

std::string Path(const Tile& tile) {
  std::string n;
  std::uint64_t v = tile.index;
  char group[5];
  auto digits = [&](std::uint64_t g, bool x) {
    group[0] = 'x';
    group[1] = static_cast<char>('0' + g / 100);
    group[2] = static_cast<char>('0' + g / 10 % 10);
    group[3] = static_cast<char>('0' + g % 10);
    return std::string(x ? group : group + 1, x ? 4 : 3);
  };
  n = digits(v % 1000, false);
  while (v >= 1000) {
    v /= 1000;
    n = digits(v % 1000, true) + "/" + n;
  }
  std::string out = "tile/";
  out += tile.entries ? std::string("entries") : std::to_string(tile.level);
  out += '/';
  out += n;
  if (!tile.full()) out += ".p/" + std::to_string(tile.width);
  return out;
}

Result<Tile> ParsePath(std::string_view path) {
  if (path.size() > 256) return BadPath(path, "too long");
  if (!path.starts_with("tile/")) return BadPath(path, "it must start with tile/");
  std::vector<std::string_view> segs;
  for (std::string_view rest = path.substr(5);;) {
    const std::size_t slash = rest.find('/');
    segs.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (segs.size() < 2) return BadPath(path, "it needs a level and an index");
  Tile t;
  if (segs[0] == "entries") {
    t.entries = true;
  } else {
    std::uint64_t level = 0;
    if (!ParseDecimal(segs[0], kMaxLevel, level)) {
      return BadPath(path, "the level must be \"entries\" or 0 to 63 without leading zeros");
    }
    t.level = static_cast<std::uint8_t>(level);
  }
  std::span<std::string_view> groups(segs.begin() + 1, segs.end());
  std::string_view last_group;
  if (groups.size() >= 2 && groups[groups.size() - 2].ends_with(".p")) {
    std::uint64_t w = 0;
    if (!ParseDecimal(groups.back(), kFullWidth - 1, w) || w == 0) {
      return BadPath(path, "the width after .p/ must be 1 to 255 without leading zeros");
    }
    t.width = static_cast<std::uint32_t>(w);
    groups = groups.first(groups.size() - 1);
    last_group = groups.back().substr(0, groups.back().size() - 2);
  } else {
    last_group = groups.back();
  }
  if (groups.size() > 7) return BadPath(path, "the index has more than 7 groups");
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const bool is_last = i + 1 == groups.size();
    std::string_view g = is_last ? last_group : groups[i];
    if (!is_last) {
      if (!g.starts_with('x')) return BadPath(path, "every index group but the last starts with x");
      g.remove_prefix(1);
    }
    std::uint64_t d = 0;
    if (!ParseGroup(g, d)) return BadPath(path, "index groups have exactly three digits");
    if (n > (kMaxU64 - d) / 1000) return BadPath(path, "the index is too large");
    n = n * 1000 + d;
  }
  t.index = n;
  // One spelling per tile: rejects a leading x000 group and the like.
  if (Path(t) != path) return BadPath(path, "not in canonical form (no leading zero groups)");
  return t;
}

std::uint64_t HashesAtLevel(unsigned level, std::uint64_t size) {
  const unsigned shift = kHeight * level;
  return shift >= 64 ? 0 : size >> shift;
}

bool InTree(const Tile& tile, std::uint64_t size) {
  const std::uint64_t have = HashesAtLevel(tile.entries ? 0 : tile.level, size);
  if (tile.index > (kMaxU64 - kFullWidth) / kFullWidth) return false;
  return tile.index * kFullWidth + tile.width <= have;
}

Tile TileFor(bool entries, unsigned level, std::uint64_t index, std::uint64_t size) {
  Tile t;
  t.entries = entries;
  t.level = static_cast<std::uint8_t>(entries ? 0 : level);
  t.index = index;
  const std::uint64_t left = HashesAtLevel(t.level, size) - index * kFullWidth;
  t.width = static_cast<std::uint32_t>(std::min<std::uint64_t>(left, kFullWidth));
  return t;
}

Result<std::string> HashTileData(const Tile& tile, const merkle::NodeReader& read) {
  std::string out;
  out.reserve(tile.width * kHashBytes);
  const std::uint32_t level = kHeight * tile.level;
  for (std::uint32_t i = 0; i < tile.width; ++i) {
    SIGNET_ASSIGN_OR_RETURN(Digest h, read(level, tile.index * kFullWidth + i));
    out.append(reinterpret_cast<const char*>(h.data()), h.size());
  }
  return out;
}

Digest SubtreeHash(std::string_view tile_data, std::size_t begin, std::size_t count) {
  if (count == 1) {
    Digest h;
    std::copy_n(tile_data.data() + begin * kHashBytes, kHashBytes,
                reinterpret_cast<char*>(h.data()));
    return h;
  }
  const std::size_t half = count / 2;
  return merkle::NodeHash(SubtreeHash(tile_data, begin, half),
                          SubtreeHash(tile_data, begin + half, half));
}

merkle::NodeReader NodeReaderOverTiles(std::uint64_t size, TileSource read_tile) {
  return [size, read_tile = std::move(read_tile)](std::uint32_t level,
                                                  std::uint64_t index) -> Result<Digest> {
    const unsigned tile_level = level / kHeight;
    const unsigned within = level % kHeight;
    auto missing = [&] {
      return Status::NotFound("node (" + std::to_string(level) + ", " + std::to_string(index) +
                              ") is not a complete node of the tree of size " +
                              std::to_string(size));
    };
    if (tile_level > kMaxLevel || index > (kMaxU64 >> within)) return missing();
    const std::uint64_t first = index << within;  // hash index at level 8 * tile_level
    const std::uint64_t count = std::uint64_t{1} << within;
    if (first + count > HashesAtLevel(tile_level, size)) return missing();
    const Tile tile = TileFor(false, tile_level, first / kFullWidth, size);
    SIGNET_ASSIGN_OR_RETURN(std::string data, read_tile(tile));
    if (data.size() != std::size_t{tile.width} * kHashBytes) {
      return Status::InvalidArgument(Path(tile) + " is " + std::to_string(data.size()) +
                                     " bytes; a tile of width " + std::to_string(tile.width) +
                                     " is " + std::to_string(tile.width * kHashBytes));
    }
    return SubtreeHash(data, first % kFullWidth, count);
  };
}

Result<std::string> EncodeBundle(std::span<const std::string> entries) {
  if (entries.size() > kFullWidth) {
    return Status::InvalidArgument("an entry bundle holds at most 256 entries");
  }
  std::size_t total = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].size() > kMaxEntryBytes) {
      return Status::ResourceExhausted(
          "entry " + std::to_string(i) + " of the bundle is " + std::to_string(entries[i].size()) +
          " bytes; an entry bundle entry is at most 65535 bytes (big-endian uint16 length)");
    }
    total += 2 + entries[i].size();
  }
  std::string out;
  out.reserve(total);
  for (const std::string& e : entries) {
    out += static_cast<char>(e.size() >> 8);
    out += static_cast<char>(e.size() & 0xFF);
    out += e;
  }
  return out;
}

Result<std::vector<std::string_view>> ParseBundle(std::string_view data, std::uint32_t width) {
  std::vector<std::string_view> out;
  out.reserve(std::min<std::uint32_t>(width, kFullWidth));
  while (out.size() < width) {
    if (data.size() < 2) {
      return Status::InvalidArgument("entry bundle ends after " + std::to_string(out.size()) +
                                     " entries; " + std::to_string(width) + " were expected");
    }
    const std::size_t len = (std::size_t{static_cast<unsigned char>(data[0])} << 8) |
                            static_cast<unsigned char>(data[1]);
    data.remove_prefix(2);
    if (data.size() < len) {
      return Status::InvalidArgument("entry " + std::to_string(out.size()) +
                                     " of the bundle is truncated");
    }
    out.push_back(data.substr(0, len));
    data.remove_prefix(len);
  }
  if (!data.empty()) {
    return Status::InvalidArgument("entry bundle has " + std::to_string(data.size()) +
                                   " bytes after its " + std::to_string(width) + " entries");
  }
  return out;
}

}  // namespace signet::crypto::tiles

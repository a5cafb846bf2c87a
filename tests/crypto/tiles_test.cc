#include "crypto/tiles.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/encoding.h"

namespace signet::crypto::tiles {
namespace {

std::string HexSha256(std::string_view data) { return HexEncode(ByteView(Sha256(data))); }

// The tree of the spec's example size, leaves "leaf 0" .. "leaf 69999".
const merkle::MemoryTree& Tree70000() {
  static const merkle::MemoryTree* tree = [] {
    auto* t = new merkle::MemoryTree;
    for (int i = 0; i < 70000; ++i) t->Append("leaf " + std::to_string(i));
    return t;
  }();
  return *tree;
}

TEST(Tiles, PathsMatchGoTlogWithoutTheHeightElement) {
  // Go's tlog.Tile{H: 8, L: 3, N: n}.Path() is "tile/8/3/..."; C2SP drops the height.
  const std::vector<std::pair<std::uint64_t, std::string>> cases = {
      {0, "tile/3/000"},
      {7, "tile/3/007"},
      {999, "tile/3/999"},
      {1000, "tile/3/x001/000"},
      {1234067, "tile/3/x001/x234/067"},
      {1000000, "tile/3/x001/x000/000"},
      {18446744073709551615ull / 1000, "tile/3/x018/x446/x744/x073/x709/551"},
  };
  for (const auto& [n, path] : cases) {
    Tile t{false, 3, n, kFullWidth};
    EXPECT_EQ(Path(t), path);
    Result<Tile> parsed = ParsePath(path);
    ASSERT_TRUE(parsed.ok()) << path << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_EQ(Path({false, 4, 1234067, 1}), "tile/4/x001/x234/067.p/1");  // the spec's example
  EXPECT_EQ(Path({true, 0, 5, 3}), "tile/entries/005.p/3");
  EXPECT_EQ(*ParsePath("tile/entries/x001/000"), (Tile{true, 0, 1000, 256}));
  EXPECT_EQ(*ParsePath("tile/63/000.p/255"), (Tile{false, 63, 0, 255}));
}

TEST(Tiles, NonCanonicalOrMalformedPathsAreRefused) {
  for (const char* bad : {"",
                          "tile",
                          "tile/",
                          "tile/0",
                          "tile/0/",
                          "tile/00/000",
                          "tile/01/000",
                          "tile/64/000",
                          "tile/-1/000",
                          "tile/data/000",
                          "tile/0/00",
                          "tile/0/0000",
                          "tile/0/1",
                          "tile/0/x000/001",
                          "tile/0/001/000",
                          "tile/0/x001",
                          "tile/0/000.p/0",
                          "tile/0/000.p/256",
                          "tile/0/000.p/05",
                          "tile/0/000.p/",
                          "tile/0/000.p",
                          "tile/0/000/.p/5",
                          "tile/0/000.p/5/",
                          "tile/0/x1/000",
                          "tile/0/y001/000",
                          "tile/0/x018/x446/x744/x073/x709/x551/616",
                          "tile/0/x999/x999/x999/x999/x999/x999/999",
                          "tile/entries/0/000",
                          "tile/0/+01",
                          "tile/0/0x1",
                          "Tile/0/000",
                          "/tile/0/000",
                          "tile/0/000?x=1",
                          "tile/0/000.p/1.0",
                          "tile/8/0/000"}) {
    Result<Tile> t = ParsePath(bad);
    EXPECT_FALSE(t.ok()) << bad << " parsed as " << Path(*t);
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), Status::Code::kInvalidArgument);
      EXPECT_NE(t.status().message().find("tile/<L>/<N>"), std::string::npos);
    }
  }
}

TEST(Tiles, TileDataMatchesGoTlogReadTileData) {
  // SHA-256 of tlog.ReadTileData for the same tree, printed by Go's
  // golang.org/x/mod/sumdb/tlog 0.7.0 (Debian 12): root, then each tile.
  const merkle::MemoryTree& tree = Tree70000();
  EXPECT_EQ(Base64Encode(ByteView(tree.Root())), "2gUy/3su5W9AZxEPyWTp8ntZWflSe//z+lAap1hN6vM=");
  const std::vector<std::pair<Tile, std::string>> cases = {
      {{false, 0, 0, 256}, "3658d44ebeb979b996b87ac966392dffbe9a628e34cb70bbff0ba844e74c31c6"},
      {{false, 0, 273, 112}, "a8e4ee4e4f31c2fac9bb546b9b57c22f6c92e15c11adee487d09ebc926ab3ad7"},
      {{false, 1, 0, 256}, "7b8fc3b25031a7c9b1a317c9453f6f293b414e958d0e80a765be6f00930c3984"},
      {{false, 1, 1, 17}, "f1b11556adcce30fcd3fca6ef542ccf6a4319ab92143fb7c8f6c8f1d2e08209e"},
      {{false, 2, 0, 1}, "d84406334bc5243eb04ecd6b99e64380d67aaa2b2880a838a123e1b539927708"},
      {{false, 0, 5, 3}, "b29e1afe7673313c0fc5f81e284dd740f39984cde028026ddf01272c2a6d9dc8"},
  };
  for (const auto& [tile, sha] : cases) {
    Result<std::string> data = HashTileData(tile, tree.Reader());
    ASSERT_TRUE(data.ok()) << Path(tile) << ": " << data.status().ToString();
    EXPECT_EQ(data->size(), tile.width * 32u);
    EXPECT_EQ(HexSha256(*data), sha) << Path(tile);
  }
}

TEST(Tiles, WhichTilesATreeHasFollowsTheSpecExample) {
  // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one
  // partial level 0 tile of width 112, one full level 1 tile, one partial
  // level 1 tile of width 17, and one partial level 2 tile of width 1."
  const std::uint64_t s = 70000;
  EXPECT_EQ(HashesAtLevel(0, s), 70000u);
  EXPECT_EQ(TileFor(false, 0, 272, s), (Tile{false, 0, 272, 256}));
  EXPECT_EQ(TileFor(false, 0, 273, s), (Tile{false, 0, 273, 112}));
  EXPECT_EQ(TileFor(false, 1, 0, s), (Tile{false, 1, 0, 256}));
  EXPECT_EQ(TileFor(false, 1, 1, s), (Tile{false, 1, 1, 17}));
  EXPECT_EQ(TileFor(false, 2, 0, s), (Tile{false, 2, 0, 1}));
  EXPECT_EQ(HashesAtLevel(3, s), 0u);
  EXPECT_TRUE(InTree({false, 0, 273, 112}, s));
  EXPECT_TRUE(InTree({false, 0, 273, 5}, s)) << "a narrower partial tile of an earlier size";
  EXPECT_FALSE(InTree({false, 0, 273, 113}, s));
  EXPECT_FALSE(InTree({false, 0, 273, 256}, s));
  EXPECT_FALSE(InTree({false, 2, 0, 2}, s));
  EXPECT_FALSE(InTree({false, 3, 0, 1}, s));
  EXPECT_TRUE(InTree({true, 0, 273, 112}, s));
  EXPECT_FALSE(InTree({true, 0, 274, 1}, s));
  EXPECT_FALSE(InTree({false, 63, ~0ull, 1}, ~0ull)) << "no overflow";
  // "a tree of size 256 will be represented by a full level 0 tile and a
  // partial level 1 tile of width 1."
  EXPECT_TRUE(InTree({false, 0, 0, 256}, 256));
  EXPECT_TRUE(InTree({false, 1, 0, 1}, 256));
  EXPECT_FALSE(InTree({false, 0, 1, 1}, 256));
}

TEST(Tiles, NodeReaderOverTilesReproducesRootsAndProofs) {
  const merkle::MemoryTree& tree = Tree70000();
  int reads = 0;
  for (std::uint64_t size :
       {1ull, 255ull, 256ull, 257ull, 65536ull, 65537ull, 69999ull, 70000ull}) {
    merkle::NodeReader over_tiles = NodeReaderOverTiles(size, [&](const Tile& t) {
      ++reads;
      EXPECT_TRUE(InTree(t, size)) << Path(t);
      return HashTileData(t, tree.Reader());
    });
    Result<Digest> root = merkle::RootHash(size, over_tiles);
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    EXPECT_EQ(*root, *merkle::RootHash(size, tree.Reader())) << size;
    auto proof = merkle::ConsistencyProof(size / 3, size, over_tiles);
    ASSERT_TRUE(proof.ok());
    EXPECT_EQ(*proof, *merkle::ConsistencyProof(size / 3, size, tree.Reader()));
  }
  EXPECT_GT(reads, 0);
  // A node that is not complete in the tree of that size is NotFound.
  merkle::NodeReader r =
      NodeReaderOverTiles(300, [&](const Tile& t) { return HashTileData(t, tree.Reader()); });
  EXPECT_EQ(r(8, 1).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(r(0, 300).status().code(), Status::Code::kNotFound);
  EXPECT_TRUE(r(0, 299).ok());
  EXPECT_TRUE(r(5, 8).ok()) << "leaves 256..287 lie in the partial tile";
  // Short tile data is refused, not read past.
  merkle::NodeReader short_data = NodeReaderOverTiles(
      300, [](const Tile&) -> Result<std::string> { return std::string(31, 'x'); });
  EXPECT_EQ(short_data(0, 0).status().code(), Status::Code::kInvalidArgument);
}

TEST(Tiles, SubtreeHashOfAFullTileIsItsParentHash) {
  const merkle::MemoryTree& tree = Tree70000();
  std::string tile = *HashTileData({false, 0, 3, 256}, tree.Reader());
  EXPECT_EQ(SubtreeHash(tile, 0, 256), *tree.Reader()(8, 3));
  EXPECT_EQ(SubtreeHash(tile, 64, 32), *tree.Reader()(5, 3 * 8 + 2));
}

TEST(Tiles, EntryBundlesRoundTripWithBigEndianLengths) {
  std::vector<std::string> entries = {"", "a", std::string(300, 'b'), std::string(65535, 'c')};
  Result<std::string> bundle = EncodeBundle(entries);
  ASSERT_TRUE(bundle.ok());
  EXPECT_EQ(bundle->substr(0, 5), std::string("\0\0\0\1a", 5));
  EXPECT_EQ(static_cast<unsigned char>((*bundle)[5]), 0x01);
  EXPECT_EQ(static_cast<unsigned char>((*bundle)[6]), 0x2c);
  auto parsed = ParseBundle(*bundle, 4);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 4u);
  for (std::size_t i = 0; i < entries.size(); ++i) EXPECT_EQ((*parsed)[i], entries[i]);

  EXPECT_FALSE(ParseBundle(*bundle, 5).ok()) << "too few entries";
  EXPECT_FALSE(ParseBundle(*bundle, 3).ok()) << "bytes left over";
  EXPECT_FALSE(ParseBundle(bundle->substr(0, bundle->size() - 1), 4).ok()) << "truncated";
  EXPECT_FALSE(ParseBundle(std::string("\0", 1), 1).ok());

  entries.push_back(std::string(65536, 'd'));
  Result<std::string> too_big = EncodeBundle(entries);
  EXPECT_EQ(too_big.status().code(), Status::Code::kResourceExhausted);
  EXPECT_NE(too_big.status().message().find("65535"), std::string::npos);
}

}  // namespace
}  // namespace signet::crypto::tiles

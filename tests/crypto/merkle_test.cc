#include "crypto/merkle.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace signet::crypto::merkle {
namespace {

Digest D(std::string_view hex) {
  Result<Bytes> b = HexDecode(hex);
  EXPECT_TRUE(b.ok() && b->size() == 32) << hex;
  Digest d{};
  if (b.ok() && b->size() == 32) std::copy(b->begin(), b->end(), d.begin());
  return d;
}

// transparency-dev/merkle testonly/constants.go: LeafInputs() and RootHashes().
std::vector<Bytes> LeafInputs() {
  std::vector<Bytes> out;
  for (std::string_view h : {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                             "606162636465666768696a6b6c6d6e6f"}) {
    out.push_back(*HexDecode(h));
  }
  return out;
}

const char* const kRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

MemoryTree ReferenceTree(std::size_t n) {
  MemoryTree t;
  std::vector<Bytes> in = LeafInputs();
  for (std::size_t i = 0; i < n; ++i) t.Append(ByteView(in[i]));
  return t;
}

std::vector<Digest> Ds(std::initializer_list<std::string_view> hexes) {
  std::vector<Digest> out;
  for (std::string_view h : hexes) out.push_back(D(h));
  return out;
}

TEST(Merkle, KnownAnswerRootsForEveryPrefixOfTheReferenceTree) {
  EXPECT_EQ(HexEncode(EmptyRoot()), kRoots[0]);
  MemoryTree t;
  EXPECT_EQ(HexEncode(t.Root()), kRoots[0]);
  std::vector<Bytes> in = LeafInputs();
  for (std::size_t n = 1; n <= 8; ++n) {
    t.Append(ByteView(in[n - 1]));
    EXPECT_EQ(HexEncode(t.Root()), kRoots[n]) << "size " << n;
  }
  // Complete-subtree nodes (testonly NodeHashes()).
  NodeReader r = t.Reader();
  EXPECT_EQ(HexEncode(*r(0, 7)),
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1");
  EXPECT_EQ(HexEncode(*r(1, 2)),
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a");
  EXPECT_EQ(HexEncode(*r(2, 1)),
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
  EXPECT_EQ(HexEncode(*r(3, 0)), kRoots[8]);
  EXPECT_EQ(r(3, 1).status().code(), Status::Code::kNotFound);
}

struct InclusionVector {
  std::uint64_t index, size;
  std::vector<Digest> proof;
};

// transparency-dev/merkle testonly/reference_test.go TestRefInclusionProof
// (proof/verify_test.go's inclusionProofs, 1-based, are the same proofs).
std::vector<InclusionVector> InclusionVectors() {
  return {
      {0, 1, {}},
      {0, 2, Ds({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"})},
      {1, 2, Ds({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"})},
      {2, 3, Ds({"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"})},
      {1, 5,
       Ds({"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
      {0, 8,
       Ds({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {5, 8,
       Ds({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
  };
}

struct ConsistencyVector {
  std::uint64_t old_size, new_size;
  std::vector<Digest> proof;
};

// reference_test.go TestRefConsistencyProof and verify_test.go consistencyProofs.
std::vector<ConsistencyVector> ConsistencyVectors() {
  return {
      {1, 1, {}},
      {1, 8,
       Ds({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
           "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"})},
      {2, 5,
       Ds({"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
           "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"})},
      {6, 8,
       Ds({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
           "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
      {6, 7,
       Ds({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
           "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
           "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"})},
  };
}

TEST(Merkle, KnownAnswerInclusionProofs) {
  std::vector<Bytes> in = LeafInputs();
  for (const InclusionVector& v : InclusionVectors()) {
    SCOPED_TRACE(testing::Message() << "index " << v.index << " size " << v.size);
    MemoryTree t = ReferenceTree(v.size);
    Result<std::vector<Digest>> p = InclusionProof(v.index, v.size, t.Reader());
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, v.proof);
    EXPECT_TRUE(VerifyInclusion(LeafHash(ByteView(in[v.index])), v.index, v.size, v.proof,
                                D(kRoots[v.size]))
                    .ok());
  }
}

TEST(Merkle, KnownAnswerConsistencyProofs) {
  for (const ConsistencyVector& v : ConsistencyVectors()) {
    SCOPED_TRACE(testing::Message() << v.old_size << " -> " << v.new_size);
    MemoryTree t = ReferenceTree(v.new_size);
    Result<std::vector<Digest>> p = ConsistencyProof(v.old_size, v.new_size, t.Reader());
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, v.proof);
    EXPECT_TRUE(VerifyConsistency(v.old_size, v.new_size, D(kRoots[v.old_size]),
                                  D(kRoots[v.new_size]), v.proof)
                    .ok());
  }
}

Digest Flip(Digest d, int bit) {
  d[static_cast<std::size_t>(bit / 8)] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  return d;
}

TEST(Merkle, MutatedInclusionProofsRejected) {
  std::vector<Bytes> in = LeafInputs();
  const Digest some = D("abacaba000000000000000000000000000000000000000000060061e00123456");
  for (const InclusionVector& v : InclusionVectors()) {
    SCOPED_TRACE(testing::Message() << "index " << v.index << " size " << v.size);
    const Digest leaf = LeafHash(ByteView(in[v.index]));
    const Digest root = D(kRoots[v.size]);
    auto rejects = [&](std::uint64_t index, std::uint64_t size, const std::vector<Digest>& proof,
                       const Digest& l, const Digest& r, const char* what) {
      EXPECT_FALSE(VerifyInclusion(l, index, size, proof, r).ok()) << what;
    };
    rejects(v.index - 1, v.size, v.proof, leaf, root, "index - 1");
    rejects(v.index + 1, v.size, v.proof, leaf, root, "index + 1");
    rejects(v.index ^ 2, v.size, v.proof, leaf, root, "index ^ 2");
    rejects(v.index, v.size * 2, v.proof, leaf, root, "size * 2");
    rejects(v.index, v.size / 2, v.proof, leaf, root, "size / 2");
    rejects(v.index, v.size, v.proof, LeafHash("WrongLeaf"), root, "wrong leaf");
    rejects(v.index, v.size, v.proof, leaf, EmptyRoot(), "empty root");
    rejects(v.index, v.size, v.proof, leaf, some, "random root");
    auto ext = v.proof;
    ext.push_back(root);
    rejects(v.index, v.size, ext, leaf, root, "trailing root");
    auto pre = v.proof;
    pre.insert(pre.begin(), root);
    rejects(v.index, v.size, pre, leaf, root, "preceding root");
    for (std::size_t i = 0; i < v.proof.size(); ++i) {
      for (int bit : {0, 3, 255}) {
        auto p = v.proof;
        p[i] = Flip(p[i], bit);
        rejects(v.index, v.size, p, leaf, root, "flipped bit");
      }
    }
    if (!v.proof.empty()) {
      rejects(v.index, v.size, {v.proof.begin(), v.proof.end() - 1}, leaf, root, "removed");
    }
    if (v.proof.size() > 1) {
      auto p = v.proof;
      p.insert(p.begin() + 1, some);
      rejects(v.index, v.size, p, leaf, root, "inserted");
    }
  }
}

TEST(Merkle, MutatedConsistencyProofsRejected) {
  for (const ConsistencyVector& v : ConsistencyVectors()) {
    if (v.proof.empty()) continue;
    SCOPED_TRACE(testing::Message() << v.old_size << " -> " << v.new_size);
    const Digest r1 = D(kRoots[v.old_size]);
    const Digest r2 = D(kRoots[v.new_size]);
    auto rejects = [&](std::uint64_t s1, std::uint64_t s2, const Digest& a, const Digest& b,
                       const std::vector<Digest>& proof, const char* what) {
      EXPECT_FALSE(VerifyConsistency(s1, s2, a, b, proof).ok()) << what;
    };
    rejects(v.old_size - 1, v.new_size, r1, r2, v.proof, "size1 - 1");
    rejects(v.old_size + 1, v.new_size, r1, r2, v.proof, "size1 + 1");
    rejects(v.old_size ^ 2, v.new_size, r1, r2, v.proof, "size1 ^ 2");
    rejects(v.old_size, v.new_size * 2, r1, r2, v.proof, "size2 * 2");
    rejects(v.old_size, v.new_size / 2, r1, r2, v.proof, "size2 / 2");
    rejects(v.old_size, v.new_size, LeafHash("x"), r2, v.proof, "wrong root1");
    rejects(v.old_size, v.new_size, r1, LeafHash("x"), v.proof, "wrong root2");
    rejects(v.old_size, v.new_size, r2, r1, v.proof, "swapped roots");
    rejects(v.old_size, v.new_size, r1, r2, {}, "empty proof");
    for (const Digest& extra : {r1, r2}) {
      auto ext = v.proof;
      ext.push_back(extra);
      rejects(v.old_size, v.new_size, r1, r2, ext, "trailing");
      auto pre = v.proof;
      pre.insert(pre.begin(), extra);
      rejects(v.old_size, v.new_size, r1, r2, pre, "preceding");
    }
    auto pre0 = v.proof;
    pre0.insert(pre0.begin(), v.proof[0]);
    rejects(v.old_size, v.new_size, r1, r2, pre0, "preceding proof[0]");
    rejects(v.old_size, v.new_size, r1, r2, {v.proof.begin(), v.proof.end() - 1}, "truncated");
    for (std::size_t i = 0; i < v.proof.size(); ++i) {
      auto p = v.proof;
      p[i] = Flip(p[i], 4);
      rejects(v.old_size, v.new_size, r1, r2, p, "flipped bit");
    }
  }
}

TEST(Merkle, TrivialConsistencyCases) {
  const Digest a = LeafHash("a");
  const Digest b = LeafHash("b");
  EXPECT_TRUE(VerifyConsistency(0, 0, a, a, {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 0, a, b, {}).ok());
  EXPECT_TRUE(VerifyConsistency(0, 5, a, b, {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 5, a, b, {a}).ok());
  EXPECT_TRUE(VerifyConsistency(3, 3, a, a, {}).ok());
  EXPECT_FALSE(VerifyConsistency(3, 3, a, a, {a}).ok());
  EXPECT_FALSE(VerifyConsistency(3, 3, a, b, {}).ok());
  EXPECT_FALSE(VerifyConsistency(2, 1, a, b, {}).ok());
  EXPECT_FALSE(VerifyConsistency(1, 2, a, b, {}).ok());
  EXPECT_FALSE(VerifyInclusion(a, 0, 0, {}, a).ok());
  EXPECT_TRUE(VerifyInclusion(a, 0, 1, {}, a).ok());
  EXPECT_FALSE(VerifyInclusion(a, 1, 1, {}, a).ok());
  MemoryTree t = ReferenceTree(3);
  EXPECT_FALSE(InclusionProof(3, 3, t.Reader()).ok());
  EXPECT_FALSE(ConsistencyProof(4, 3, t.Reader()).ok());
  EXPECT_TRUE(ConsistencyProof(0, 3, t.Reader())->empty());
  EXPECT_TRUE(ConsistencyProof(3, 3, t.Reader())->empty());
}

// ---- a naive RFC 9162 reference, straight from the recursive definitions -----

Digest RefRootUncached(const std::vector<Digest>& leaves, std::size_t begin, std::size_t end);

// MTH(D[begin:end]), memoised so that checking every proof of every size stays fast.
Digest RefRoot(const std::vector<Digest>& leaves, std::size_t begin, std::size_t end) {
  static std::map<std::pair<std::size_t, std::size_t>, Digest> cache;
  static const std::vector<Digest>* cached_for = nullptr;
  if (cached_for != &leaves) {
    cache.clear();
    cached_for = &leaves;
  }
  // A subtree's hash never changes once its leaves exist, so the cache
  // survives appends to `leaves`.
  auto it = cache.find({begin, end});
  if (it != cache.end()) return it->second;
  const Digest d = RefRootUncached(leaves, begin, end);
  cache.emplace(std::make_pair(begin, end), d);
  return d;
}

Digest RefRootUncached(const std::vector<Digest>& leaves, std::size_t begin, std::size_t end) {
  const std::size_t n = end - begin;
  if (n == 0) return EmptyRoot();
  if (n == 1) return leaves[begin];
  std::size_t k = 1;
  while (k * 2 < n) k *= 2;
  return NodeHash(RefRoot(leaves, begin, begin + k), RefRoot(leaves, begin + k, end));
}

std::vector<Digest> RefPath(const std::vector<Digest>& leaves, std::size_t m, std::size_t begin,
                            std::size_t end) {
  const std::size_t n = end - begin;
  if (n == 1) return {};
  std::size_t k = 1;
  while (k * 2 < n) k *= 2;
  std::vector<Digest> out;
  if (m < k) {
    out = RefPath(leaves, m, begin, begin + k);
    out.push_back(RefRoot(leaves, begin + k, end));
  } else {
    out = RefPath(leaves, m - k, begin + k, end);
    out.push_back(RefRoot(leaves, begin, begin + k));
  }
  return out;
}

std::vector<Digest> RefSubproof(const std::vector<Digest>& leaves, std::size_t m, std::size_t begin,
                                std::size_t end, bool b) {
  const std::size_t n = end - begin;
  if (m == n) {
    if (b) return {};
    return {RefRoot(leaves, begin, end)};
  }
  std::size_t k = 1;
  while (k * 2 < n) k *= 2;
  std::vector<Digest> out;
  if (m <= k) {
    out = RefSubproof(leaves, m, begin, begin + k, b);
    out.push_back(RefRoot(leaves, begin + k, end));
  } else {
    out = RefSubproof(leaves, m - k, begin + k, end, false);
    out.push_back(RefRoot(leaves, begin, begin + k));
  }
  return out;
}

// A NodeReader over a map that counts reads, to check the O(log n) bound.
struct CountingStore {
  std::map<std::pair<std::uint32_t, std::uint64_t>, Digest> nodes;
  mutable std::size_t reads = 0;
  NodeReader Reader() const {
    return [this](std::uint32_t level, std::uint64_t index) -> Result<Digest> {
      ++reads;
      auto it = nodes.find({level, index});
      if (it == nodes.end()) return Status::NotFound("no node");
      return it->second;
    };
  }
};

TEST(Merkle, EverySizeUpTo300MatchesTheNaiveReference) {
  constexpr std::size_t kMax = 300;
  std::vector<Digest> leaves;
  std::vector<Digest> roots{EmptyRoot()};
  CountingStore store;
  for (std::size_t i = 0; i < kMax; ++i) {
    leaves.push_back(LeafHash("leaf " + std::to_string(i)));
    Result<std::vector<NodeWrite>> writes = AppendLeaf(i, leaves.back(), store.Reader());
    ASSERT_TRUE(writes.ok());
    ASSERT_FALSE(writes->empty());
    EXPECT_EQ((*writes)[0], (NodeWrite{0, i, leaves.back()}));
    for (const NodeWrite& w : *writes) {
      EXPECT_TRUE(store.nodes.emplace(std::make_pair(w.level, w.index), w.hash).second)
          << "node written twice";
      // The node covers [index << level, (index + 1) << level).
      EXPECT_EQ(w.hash, RefRoot(leaves, w.index << w.level, (w.index + 1) << w.level));
    }
    roots.push_back(RefRoot(leaves, 0, i + 1));
  }

  const NodeReader read = store.Reader();
  std::size_t max_reads = 0;
  for (std::size_t size = 1; size <= kMax; ++size) {
    store.reads = 0;
    ASSERT_EQ(*RootHash(size, read), roots[size]) << size;
    max_reads = std::max(max_reads, store.reads);
    for (std::size_t index = 0; index < size; ++index) {
      store.reads = 0;
      Result<std::vector<Digest>> p = InclusionProof(index, size, read);
      ASSERT_TRUE(p.ok());
      max_reads = std::max(max_reads, store.reads);
      ASSERT_EQ(*p, RefPath(leaves, index, 0, size)) << index << "/" << size;
      ASSERT_TRUE(VerifyInclusion(leaves[index], index, size, *p, roots[size]).ok());
      if (index + 1 < size) {
        ASSERT_FALSE(VerifyInclusion(leaves[index], index + 1, size, *p, roots[size]).ok());
      }
    }
    for (std::size_t old_size = 1; old_size <= size; ++old_size) {
      store.reads = 0;
      Result<std::vector<Digest>> p = ConsistencyProof(old_size, size, read);
      ASSERT_TRUE(p.ok());
      max_reads = std::max(max_reads, store.reads);
      const std::vector<Digest> want =
          old_size == size ? std::vector<Digest>{} : RefSubproof(leaves, old_size, 0, size, true);
      ASSERT_EQ(*p, want) << old_size << " -> " << size;
      ASSERT_TRUE(VerifyConsistency(old_size, size, roots[old_size], roots[size], *p).ok())
          << old_size << " -> " << size;
      if (old_size < size) {
        ASSERT_FALSE(VerifyConsistency(old_size, size, roots[old_size - 1], roots[size], *p).ok());
        ASSERT_FALSE(VerifyConsistency(old_size, size, roots[old_size], roots[size - 1], *p).ok());
      }
    }
  }
  // log2(300) < 9: every proof needs at most ~2 log2(n) reads.
  EXPECT_LE(max_reads, 2u * 9u);
}

TEST(Merkle, ReaderErrorsPropagate) {
  CountingStore empty;
  EXPECT_EQ(RootHash(5, empty.Reader()).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(InclusionProof(1, 5, empty.Reader()).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(ConsistencyProof(3, 5, empty.Reader()).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(AppendLeaf(1, LeafHash("x"), empty.Reader()).status().code(), Status::Code::kNotFound);
  // Appending at an even index needs no reads.
  EXPECT_TRUE(AppendLeaf(4, LeafHash("x"), empty.Reader()).ok());
}

}  // namespace
}  // namespace signet::crypto::merkle

// Merkle tree hashing and proofs per RFC 9162 (Certificate Transparency v2),
// section 2.1: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left ||
// right), the empty tree's root = SHA-256("").
//
// Storage-agnostic: a tree is represented by the hashes of its COMPLETE
// subtrees. Node (level, index) covers leaves [index * 2^level,
// (index + 1) * 2^level); level 0 is the leaf hash itself. A node is complete
// (and is stored) once all of its leaves exist, and never changes after that.
// Callers persist the NodeWrites returned by AppendLeaf next to the leaf data
// (the registry does so in the same RocksDB WriteBatch as the statement) and
// give the other functions a NodeReader over what they stored. Every function
// reads O(log n) nodes.
//
// A NodeReader is only asked for complete nodes of the tree of the size given;
// returning an error (e.g. NotFound, IoError) makes the calling function fail
// with that error.
//
// Thread safety: the free functions keep no state; MemoryTree is not
// thread-safe (wrap it in a mutex to share it).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/status.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace signet::crypto::merkle {

Digest LeafHash(ByteView data);
Digest LeafHash(std::string_view data);
Digest NodeHash(const Digest& left, const Digest& right);
Digest EmptyRoot();

struct NodeWrite {
  std::uint32_t level = 0;
  std::uint64_t index = 0;
  Digest hash{};
  friend bool operator==(const NodeWrite&, const NodeWrite&) = default;
};

using NodeReader = std::function<Result<Digest>(std::uint32_t level, std::uint64_t index)>;

// The nodes that become complete when leaf number `old_size` (0-based) with
// hash `leaf_hash` is appended to a tree of `old_size` leaves: the leaf itself
// (level 0) first, then its complete ancestors in increasing level. Reads the
// left siblings of those ancestors (complete nodes of the old tree). To append
// several leaves in one storage batch, call it once per leaf with a reader
// that also sees the NodeWrites of the earlier calls (not yet committed).
Result<std::vector<NodeWrite>> AppendLeaf(std::uint64_t old_size, const Digest& leaf_hash,
                                          const NodeReader& read);

// MTH(D[0:size]). size 0 gives EmptyRoot() without reading.
Result<Digest> RootHash(std::uint64_t size, const NodeReader& read);

// RFC 9162 2.1.3.1 PATH(index, D[0:size]), deepest sibling first.
// REQUIRES: index < size (InvalidArgument otherwise).
Result<std::vector<Digest>> InclusionProof(std::uint64_t index, std::uint64_t size,
                                           const NodeReader& read);

// RFC 9162 2.1.4.1 PROOF(old_size, D[0:new_size]). Empty when old_size == 0
// or old_size == new_size. REQUIRES: old_size <= new_size.
Result<std::vector<Digest>> ConsistencyProof(std::uint64_t old_size, std::uint64_t new_size,
                                             const NodeReader& read);

// RFC 9162 2.1.3.2. OK iff `proof` shows leaf `leaf_hash` at `index` in the
// tree of `size` leaves with root `root`; Unauthenticated otherwise.
Status VerifyInclusion(const Digest& leaf_hash, std::uint64_t index, std::uint64_t size,
                       const std::vector<Digest>& proof, const Digest& root);

// RFC 9162 2.1.4.2. OK iff the tree (new_size, new_root) extends (old_size,
// old_root). old_size == new_size needs equal roots and an empty proof;
// old_size == 0 needs an empty proof (every tree extends the empty one).
Status VerifyConsistency(std::uint64_t old_size, std::uint64_t new_size, const Digest& old_root,
                         const Digest& new_root, const std::vector<Digest>& proof);

// An in-memory tree for tests and tools: keeps every complete node.
class MemoryTree {
 public:
  // Appends a leaf whose data is `data`; returns its index.
  std::uint64_t Append(ByteView data);
  std::uint64_t Append(std::string_view data);
  std::uint64_t AppendLeafHash(const Digest& leaf_hash);

  std::uint64_t size() const { return size_; }
  Digest Root() const;  // root of the current tree
  // Reads complete nodes; NotFound for anything else. The reader refers to
  // this tree: use it only while the tree is alive and not moved.
  NodeReader Reader() const;

 private:
  std::vector<std::vector<Digest>> levels_;  // levels_[l][i] = node (l, i)
  std::uint64_t size_ = 0;
};

}  // namespace signet::crypto::merkle

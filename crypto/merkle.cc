#include "crypto/merkle.h"

#include <bit>
#include <string>

namespace signet::crypto::merkle {
namespace {

// Largest power of two strictly less than n. REQUIRES: n >= 2.
std::uint64_t SplitPoint(std::uint64_t n) { return std::bit_floor(n - 1); }

// MTH(D[begin:end]) for a range that is either a complete aligned subtree or
// a right edge of the tree: `begin` is a multiple of bit_ceil(end - begin).
// Every range that RFC 9162's PATH and SUBPROOF recursions name has that
// shape, so it splits into at most log2(n) complete nodes, largest first.
Result<Digest> RangeHash(std::uint64_t begin, std::uint64_t end, const NodeReader& read) {
  std::uint64_t remaining = end - begin;
  std::uint64_t pos = begin;
  Digest parts[64];
  int count = 0;
  while (remaining != 0) {
    const std::uint64_t width = std::bit_floor(remaining);
    const auto level = static_cast<std::uint32_t>(std::countr_zero(width));
    SIGNET_ASSIGN_OR_RETURN(parts[count], read(level, pos >> level));
    ++count;
    pos += width;
    remaining -= width;
  }
  Digest h = parts[count - 1];
  for (int i = count - 2; i >= 0; --i) h = NodeHash(parts[i], h);
  return h;
}

// PATH(m, D[begin:end]) appended to `out` deepest-first.
Status Path(std::uint64_t m, std::uint64_t begin, std::uint64_t end, const NodeReader& read,
            std::vector<Digest>& out) {
  const std::uint64_t n = end - begin;
  if (n == 1) return Status::Ok();
  const std::uint64_t k = SplitPoint(n);
  if (m < k) {
    SIGNET_RETURN_IF_ERROR(Path(m, begin, begin + k, read, out));
    SIGNET_ASSIGN_OR_RETURN(Digest h, RangeHash(begin + k, end, read));
    out.push_back(h);
  } else {
    SIGNET_RETURN_IF_ERROR(Path(m - k, begin + k, end, read, out));
    SIGNET_ASSIGN_OR_RETURN(Digest h, RangeHash(begin, begin + k, read));
    out.push_back(h);
  }
  return Status::Ok();
}

// SUBPROOF(m, D[begin:end], b) appended to `out`.
Status SubProof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool complete_old,
                const NodeReader& read, std::vector<Digest>& out) {
  const std::uint64_t n = end - begin;
  if (m == n) {
    if (!complete_old) {
      SIGNET_ASSIGN_OR_RETURN(Digest h, RangeHash(begin, end, read));
      out.push_back(h);
    }
    return Status::Ok();
  }
  const std::uint64_t k = SplitPoint(n);
  if (m <= k) {
    SIGNET_RETURN_IF_ERROR(SubProof(m, begin, begin + k, complete_old, read, out));
    SIGNET_ASSIGN_OR_RETURN(Digest h, RangeHash(begin + k, end, read));
    out.push_back(h);
  } else {
    SIGNET_RETURN_IF_ERROR(SubProof(m - k, begin + k, end, false, read, out));
    SIGNET_ASSIGN_OR_RETURN(Digest h, RangeHash(begin, begin + k, read));
    out.push_back(h);
  }
  return Status::Ok();
}

// RFC 9162: "right-shift both fn and sn equally until either LSB(fn) is set
// or fn is 0".
void ShiftUntilOddOrZero(std::uint64_t& fn, std::uint64_t& sn) {
  while (!(fn & 1) && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

Status ProofFailure(std::string what) { return Status::Unauthenticated(std::move(what)); }

}  // namespace

Digest LeafHash(ByteView data) {
  const std::uint8_t prefix = 0x00;
  return Sha256Hasher().Update(ByteView(&prefix, 1)).Update(data).Finish();
}

Digest LeafHash(std::string_view data) { return LeafHash(AsBytes(data)); }

Digest NodeHash(const Digest& left, const Digest& right) {
  const std::uint8_t prefix = 0x01;
  return Sha256Hasher().Update(ByteView(&prefix, 1)).Update(left).Update(right).Finish();
}

Digest EmptyRoot() { return Sha256(std::string_view()); }

Result<std::vector<NodeWrite>> AppendLeaf(std::uint64_t old_size, const Digest& leaf_hash,
                                          const NodeReader& read) {
  std::vector<NodeWrite> writes;
  writes.push_back({0, old_size, leaf_hash});
  std::uint32_t level = 0;
  std::uint64_t index = old_size;
  Digest h = leaf_hash;
  // Node (level, index) completes its parent iff it is a right child.
  while (index & 1) {
    SIGNET_ASSIGN_OR_RETURN(Digest left, read(level, index - 1));
    h = NodeHash(left, h);
    ++level;
    index >>= 1;
    writes.push_back({level, index, h});
  }
  return writes;
}

Result<Digest> RootHash(std::uint64_t size, const NodeReader& read) {
  if (size == 0) return EmptyRoot();
  return RangeHash(0, size, read);
}

Result<std::vector<Digest>> InclusionProof(std::uint64_t index, std::uint64_t size,
                                           const NodeReader& read) {
  if (index >= size) {
    return Status::InvalidArgument("leaf index " + std::to_string(index) + " is not in a tree of " +
                                   std::to_string(size) + " leaves");
  }
  std::vector<Digest> proof;
  SIGNET_RETURN_IF_ERROR(Path(index, 0, size, read, proof));
  return proof;
}

Result<std::vector<Digest>> ConsistencyProof(std::uint64_t old_size, std::uint64_t new_size,
                                             const NodeReader& read) {
  if (old_size > new_size) {
    return Status::InvalidArgument("old tree size " + std::to_string(old_size) +
                                   " is larger than new tree size " + std::to_string(new_size));
  }
  std::vector<Digest> proof;
  if (old_size == 0 || old_size == new_size) return proof;
  SIGNET_RETURN_IF_ERROR(SubProof(old_size, 0, new_size, true, read, proof));
  return proof;
}

Status VerifyInclusion(const Digest& leaf_hash, std::uint64_t index, std::uint64_t size,
                       const std::vector<Digest>& proof, const Digest& root) {
  if (index >= size) {
    return ProofFailure("inclusion proof: leaf index " + std::to_string(index) +
                        " is not in a tree of " + std::to_string(size) + " leaves");
  }
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Digest r = leaf_hash;
  for (const Digest& p : proof) {
    if (sn == 0) return ProofFailure("inclusion proof has too many hashes");
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      if (!(fn & 1)) ShiftUntilOddOrZero(fn, sn);
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return ProofFailure("inclusion proof has too few hashes");
  if (r != root) {
    return ProofFailure(
        "inclusion proof does not lead to the tree's root hash (the leaf is not "
        "at this index of this tree, or the proof is damaged)");
  }
  return Status::Ok();
}

Status VerifyConsistency(std::uint64_t old_size, std::uint64_t new_size, const Digest& old_root,
                         const Digest& new_root, const std::vector<Digest>& proof) {
  if (old_size > new_size) {
    return ProofFailure("consistency proof: old tree size " + std::to_string(old_size) +
                        " is larger than new tree size " + std::to_string(new_size) +
                        " (a log never shrinks)");
  }
  if (old_size == new_size) {
    if (!proof.empty()) return ProofFailure("consistency proof between equal sizes must be empty");
    if (old_root != new_root) {
      return ProofFailure("two trees of size " + std::to_string(old_size) +
                          " have different root hashes: the log forked");
    }
    return Status::Ok();
  }
  if (old_size == 0) {
    if (!proof.empty()) return ProofFailure("consistency proof from the empty tree must be empty");
    return Status::Ok();
  }
  if (proof.empty()) return ProofFailure("consistency proof is empty");

  std::size_t start = 0;
  Digest fr;
  Digest sr;
  if (std::has_single_bit(old_size)) {
    fr = sr = old_root;  // RFC 9162: prepend first_hash
  } else {
    fr = sr = proof[0];
    start = 1;
  }
  std::uint64_t fn = old_size - 1;
  std::uint64_t sn = new_size - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  for (std::size_t i = start; i < proof.size(); ++i) {
    const Digest& c = proof[i];
    if (sn == 0) return ProofFailure("consistency proof has too many hashes");
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if (!(fn & 1)) ShiftUntilOddOrZero(fn, sn);
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return ProofFailure("consistency proof has too few hashes");
  if (fr != old_root) {
    return ProofFailure("consistency proof does not reproduce the old root hash");
  }
  if (sr != new_root) {
    return ProofFailure(
        "consistency proof does not reproduce the new root hash: the new tree "
        "does not extend the old one");
  }
  return Status::Ok();
}

// ---- MemoryTree -------------------------------------------------------------

std::uint64_t MemoryTree::Append(ByteView data) { return AppendLeafHash(LeafHash(data)); }
std::uint64_t MemoryTree::Append(std::string_view data) { return Append(AsBytes(data)); }

std::uint64_t MemoryTree::AppendLeafHash(const Digest& leaf_hash) {
  Result<std::vector<NodeWrite>> writes = AppendLeaf(size_, leaf_hash, Reader());
  // The reader cannot fail for nodes AppendLeaf asks for: they are complete.
  for (const NodeWrite& w : *writes) {
    if (levels_.size() <= w.level) levels_.resize(w.level + 1);
    levels_[w.level].push_back(w.hash);
  }
  return size_++;
}

Digest MemoryTree::Root() const { return *RootHash(size_, Reader()); }

NodeReader MemoryTree::Reader() const {
  return [this](std::uint32_t level, std::uint64_t index) -> Result<Digest> {
    if (level >= levels_.size() || index >= levels_[level].size()) {
      return Status::NotFound("Merkle node (" + std::to_string(level) + ", " +
                              std::to_string(index) + ") is not stored");
    }
    return levels_[level][index];
  };
}

}  // namespace signet::crypto::merkle

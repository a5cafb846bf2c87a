// TransparencyLog: the registry's append-only Merkle log (RFC 9162 hashing,
// crypto/merkle.h) over the Store. Every accepted statement is one leaf whose
// data is the envelope bytes; the log owns the kLogLeaves and kLogNodes column
// families and the `tree_size` and `checkpoint` meta keys (registry/keys.h,
// registry/STORAGE.md). Node (level, index) is stored once complete and never
// changes, so readers need no lock to read it.
//
// Open checks the stored log against its signed checkpoint (STORAGE.md
// "Open"). The one writer (registry/group_commit.h) appends leaves into the
// Overlay of a commit group, has the new tree's checkpoint signed into the same
// Overlay, writes the group, then publishes the new size and checkpoint.
// Readers see only published trees: proofs, receipts, leaves and node hashes
// up to Size().
//
// For serving C2SP tlog tiles: NodeHash(level, index) returns the stored hash
// of any complete subtree of the published tree (a hash tile is the 256 nodes
// NodeHash(8 * tile_level, 256 * n + i)), and Leaf(index) its leaf data,
// without recomputing any hash; NodeHashes and Leaves read a whole tile or
// entry bundle with one range scan.
//
// The witnessed checkpoint (meta key `witnessed_checkpoint`) is the newest
// checkpoint enough witnesses cosigned (server/checkpoint_publisher.h); it is
// what /v1/log/checkpoint serves when witnesses are configured. It is never
// replaced by a smaller tree, nor by another root of the same size.
//
// Thread safety: the const methods may be called from any thread at once,
// concurrently with the writer; AppendLeaf, SignTree, AdoptCheckpoint and
// Publish are for the one writer thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/merkle.h"
#include "crypto/receipt.h"
#include "crypto/sha256.h"
#include "registry/log_signer.h"
#include "registry/overlay.h"
#include "registry/store.h"

namespace signet::registry {

class TransparencyLog {
 public:
  // Recomputes the root from the stored nodes and requires the stored
  // checkpoint, verified with `signer`'s key, to be of that size and root, and
  // the last leaf's hash to match its stored data; an empty Store gets the
  // signed checkpoint of the empty tree. Internal errors say what is wrong
  // (another server key, a corrupt or truncated log). REQUIRES: `store`
  // outlives the log.
  static Result<std::unique_ptr<TransparencyLog>> Open(Store* store, LogSigner signer);

  TransparencyLog(const TransparencyLog&) = delete;
  TransparencyLog& operator=(const TransparencyLog&) = delete;

  // ---- the published tree (any thread) ------------------------------------
  std::uint64_t Size() const;
  // The latest signed checkpoint (C2SP signed note text), of Size() leaves.
  std::string Checkpoint() const;
  // The log's verifier key in signed-note text form (name+hex(keyid)+base64).
  std::string VerifierKey() const { return signer_.VerifierKey(); }
  const LogSigner& signer() const { return signer_; }

  // The data of leaf `index` (the envelope bytes, verbatim). NotFound when
  // index >= Size().
  Result<std::string> Leaf(std::uint64_t index) const;
  // The stored hash of the complete subtree (level, index): leaves
  // [index * 2^level, (index + 1) * 2^level). NotFound unless that subtree is
  // complete in the published tree.
  Result<crypto::Digest> NodeHash(std::uint32_t level, std::uint64_t index) const;
  // The root hash of the tree of the first `size` leaves (O(log size) reads).
  // REQUIRES: size <= Size() (InvalidArgument otherwise).
  Result<crypto::Digest> RootAt(std::uint64_t size) const;
  // The stored hashes of nodes (level, first) .. (level, first + count - 1),
  // concatenated (a hash tile's bytes), read with one range scan. NotFound
  // unless all are complete in the published tree; at most 256.
  Result<std::string> NodeHashes(std::uint32_t level, std::uint64_t first,
                                 std::uint32_t count) const;
  // The data of leaves first .. first + count - 1 (an entry bundle's entries),
  // one range scan. NotFound beyond Size(); at most 256.
  Result<std::vector<std::string>> Leaves(std::uint64_t first, std::uint32_t count) const;
  // REQUIRES: index < size <= Size() (InvalidArgument otherwise).
  Result<std::vector<crypto::Digest>> InclusionProof(std::uint64_t index, std::uint64_t size) const;
  // REQUIRES: old_size <= new_size <= Size() (InvalidArgument otherwise).
  Result<std::vector<crypto::Digest>> ConsistencyProof(std::uint64_t old_size,
                                                       std::uint64_t new_size) const;
  // Receipt for leaf `index` against the latest checkpoint (NotFound when
  // index >= Size()).
  Result<crypto::Receipt> ReceiptFor(std::uint64_t index) const;
  // Receipt for leaf `index` in the tree of `size` leaves that `checkpoint`
  // signs. REQUIRES: index < size, and that tree written (the writer answers
  // with both before it publishes the next).
  Result<crypto::Receipt> MakeReceipt(std::uint64_t index, std::uint64_t size,
                                      const std::string& checkpoint) const;

  // ---- the witnessed checkpoint (any thread) --------------------------------
  // "" until one was published.
  std::string WitnessedCheckpoint() const;
  // Stores `note` durably as the witnessed checkpoint after checking that it
  // is signed by the log key, that its tree is stored (size <= Size(), same
  // root as the stored nodes), and that it does not go back: a smaller size
  // than the current one is FailedPrecondition. Cosignatures are the caller's
  // to have verified.
  Status PublishWitnessed(const std::string& note);

  // ---- appending (the writer thread) ---------------------------------------
  // Puts leaf `index` with `data` and the Merkle nodes it completes into `o`.
  // REQUIRES: `o` sees the tree of `index` leaves (the stored one plus the
  // leaves appended to `o` or its parents). Deterministic: the same leaves
  // give the same nodes on every replica.
  static Status AppendLeaf(Overlay& o, std::uint64_t index, std::string_view data);
  // Signs the checkpoint of the tree of `size` leaves that `o` sees and puts
  // it and `tree_size` into `o`. Returns the checkpoint, and the root in
  // `*root` when given. REQUIRES: size >= Size() (a checkpoint is never signed
  // for a tree the log does not extend).
  Result<std::string> SignTree(Overlay& o, std::uint64_t size,
                               crypto::Digest* root = nullptr) const;
  // A replica's SignTree (docs/CLUSTER.md): puts `checkpoint`, signed by the
  // sequencer with this log's key, and `tree_size` into `o`, after checking
  // that it verifies and signs exactly the root of the tree of `size` leaves
  // that `o` sees. Internal when it does not: this replica and the sequencer
  // disagree about the log. The root in `*root` when given.
  Status AdoptCheckpoint(Overlay& o, std::uint64_t size, const std::string& checkpoint,
                         crypto::Digest* root = nullptr) const;
  // Once the batch holding SignTree's writes is durable: readers see the tree.
  void Publish(std::uint64_t size, std::string checkpoint);

 private:
  TransparencyLog(Store* store, LogSigner signer) : store_(store), signer_(std::move(signer)) {}
  Status Init();

  Store* store_;
  LogSigner signer_;

  mutable std::shared_mutex mu_;  // guards the three below
  std::uint64_t size_ = 0;
  std::string checkpoint_;
  std::string witnessed_;
  std::mutex publish_mu_;  // one PublishWitnessed at a time
};

}  // namespace signet::registry

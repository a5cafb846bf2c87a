#include "registry/transparency_log.h"

#include <mutex>
#include <optional>
#include <utility>

#include "registry/keys.h"

namespace signet::registry {
namespace {

namespace merkle = crypto::merkle;

// A stored Merkle node, or why there is none.
Result<crypto::Digest> ToNode(const Result<std::optional<std::string>>& v, std::uint32_t level,
                              std::uint64_t index) {
  if (!v.ok()) return v.status();
  std::optional<crypto::Digest> d = *v ? keys::ParseNodeValue(**v) : std::nullopt;
  if (!d) {
    return Status::Internal("log node (" + std::to_string(level) + ", " + std::to_string(index) +
                            ") is missing from the database");
  }
  return *d;
}

// Nodes as `reader` (a Store or an Overlay) sees them.
template <typename Reader>
merkle::NodeReader NodesOf(const Reader* reader) {
  return [reader](std::uint32_t level, std::uint64_t index) {
    return ToNode(reader->Get(Column::kLogNodes, keys::NodeKey(level, index)), level, index);
  };
}

}  // namespace

Result<std::unique_ptr<TransparencyLog>> TransparencyLog::Open(Store* store, LogSigner signer) {
  std::unique_ptr<TransparencyLog> log(new TransparencyLog(store, std::move(signer)));
  SIGNET_RETURN_IF_ERROR(log->Init());
  return log;
}

Status TransparencyLog::Init() {
  SIGNET_ASSIGN_OR_RETURN(auto size_v, store_->Get(Column::kMeta, keys::kTreeSize));
  std::uint64_t size = 0;
  if (size_v) {
    SIGNET_ASSIGN_OR_RETURN(size, keys::ParseU64Key(*size_v));
  }
  SIGNET_ASSIGN_OR_RETURN(auto cp_v, store_->Get(Column::kMeta, keys::kCheckpoint));
  SIGNET_ASSIGN_OR_RETURN(crypto::Digest root, merkle::RootHash(size, NodesOf(store_)));
  if (cp_v) {
    auto parsed = signer_.OpenCheckpoint(*cp_v);
    if (!parsed.ok()) {
      return Status::Internal("the stored checkpoint cannot be read with this server key (" +
                              parsed.status().message() +
                              "); start signetd with the key that created this data directory");
    }
    if (parsed->size != size || parsed->root != root) {
      return Status::Internal(
          "the log in the database does not match its signed checkpoint (stored size " +
          std::to_string(parsed->size) + ", recomputed size " + std::to_string(size) +
          "); the data directory is corrupt");
    }
    checkpoint_ = *cp_v;
  } else if (size != 0) {
    return Status::Internal("the database has log entries but no checkpoint; it is corrupt");
  } else {
    SIGNET_ASSIGN_OR_RETURN(checkpoint_, signer_.SignCheckpoint(0, root));
    WriteSet ws;
    ws.Put(Column::kMeta, std::string(keys::kTreeSize), keys::U64Key(0));
    ws.Put(Column::kMeta, std::string(keys::kCheckpoint), checkpoint_);
    SIGNET_RETURN_IF_ERROR(store_->Write(ws));
  }
  if (size > 0) {
    // The last leaf must hash the envelope stored for it.
    SIGNET_ASSIGN_OR_RETURN(auto leaf, store_->Get(Column::kLogLeaves, keys::LeafKey(size - 1)));
    SIGNET_ASSIGN_OR_RETURN(crypto::Digest node, NodesOf(store_)(0, size - 1));
    if (!leaf || merkle::LeafHash(*leaf) != node) {
      return Status::Internal("the last log entry does not match its leaf hash; corrupt data");
    }
  }
  SIGNET_ASSIGN_OR_RETURN(auto witnessed, store_->Get(Column::kMeta, keys::kWitnessedCheckpoint));
  if (witnessed) {
    auto w = signer_.OpenCheckpoint(*witnessed);
    if (!w.ok() || w->size > size) {
      return Status::Internal(
          "the stored witnessed checkpoint is not one of this log's; corrupt data");
    }
    witnessed_ = std::move(*witnessed);
  }
  size_ = size;
  return Status::Ok();
}

std::uint64_t TransparencyLog::Size() const {
  std::shared_lock lock(mu_);
  return size_;
}

std::string TransparencyLog::Checkpoint() const {
  std::shared_lock lock(mu_);
  return checkpoint_;
}

Result<std::string> TransparencyLog::Leaf(std::uint64_t index) const {
  if (index >= Size()) {
    return Status::NotFound("log entry " + std::to_string(index) + " does not exist (log size " +
                            std::to_string(Size()) + ")");
  }
  SIGNET_ASSIGN_OR_RETURN(auto v, store_->Get(Column::kLogLeaves, keys::LeafKey(index)));
  if (!v) return Status::Internal("log entry " + std::to_string(index) + " is missing");
  return std::move(*v);
}

Result<crypto::Digest> TransparencyLog::NodeHash(std::uint32_t level, std::uint64_t index) const {
  const std::uint64_t size = Size();
  // Complete iff its last leaf, (index + 1) * 2^level - 1, is below size.
  const bool complete = level < 64 && index < (size >> level);
  if (!complete) {
    return Status::NotFound("log node (" + std::to_string(level) + ", " + std::to_string(index) +
                            ") is not a complete subtree of the tree of size " +
                            std::to_string(size));
  }
  return NodesOf(store_)(level, index);
}

Result<crypto::Digest> TransparencyLog::RootAt(std::uint64_t size) const {
  if (size > Size()) {
    return Status::InvalidArgument("root of a tree of " + std::to_string(size) +
                                   " leaves asked for; the log has " + std::to_string(Size()));
  }
  return merkle::RootHash(size, NodesOf(store_));
}

Result<std::string> TransparencyLog::NodeHashes(std::uint32_t level, std::uint64_t first,
                                                std::uint32_t count) const {
  const std::uint64_t size = Size();
  if (count == 0 || count > 256) return Status::InvalidArgument("read 1 to 256 node hashes");
  const std::uint64_t complete = level < 64 ? size >> level : 0;
  if (first >= complete || count > complete - first) {
    return Status::NotFound("log nodes (" + std::to_string(level) + ", " + std::to_string(first) +
                            ".." + std::to_string(first + count - 1) +
                            ") are not all complete subtrees of the tree of size " +
                            std::to_string(size));
  }
  std::string out;
  out.reserve(std::size_t{count} * 32);
  std::uint64_t next = first;
  Status bad;
  const std::string prefix = keys::NodeKey(level, 0).substr(0, 1);
  SIGNET_RETURN_IF_ERROR(store_->Scan(
      Column::kLogNodes, prefix, keys::NodeKey(level, first),
      [&](std::string_view key, std::string_view value) {
        if (key != keys::NodeKey(level, next) || value.size() != 32) {
          bad = Status::Internal("log node (" + std::to_string(level) + ", " +
                                 std::to_string(next) + ") is missing from the database");
          return false;
        }
        out.append(value);
        return ++next < first + count;
      }));
  SIGNET_RETURN_IF_ERROR(bad);
  if (next != first + count) {
    return Status::Internal("log node (" + std::to_string(level) + ", " + std::to_string(next) +
                            ") is missing from the database");
  }
  return out;
}

Result<std::vector<std::string>> TransparencyLog::Leaves(std::uint64_t first,
                                                         std::uint32_t count) const {
  const std::uint64_t size = Size();
  if (count == 0 || count > 256) return Status::InvalidArgument("read 1 to 256 log entries");
  if (first >= size || count > size - first) {
    return Status::NotFound("log entries " + std::to_string(first) + ".." +
                            std::to_string(first + count - 1) + " are not all in the log (size " +
                            std::to_string(size) + ")");
  }
  std::vector<std::string> out;
  out.reserve(count);
  Status bad;
  SIGNET_RETURN_IF_ERROR(store_->Scan(
      Column::kLogLeaves, "", keys::LeafKey(first),
      [&](std::string_view key, std::string_view value) {
        if (key != keys::LeafKey(first + out.size())) {
          bad = Status::Internal("log entry " + std::to_string(first + out.size()) + " is missing");
          return false;
        }
        out.emplace_back(value);
        return out.size() < count;
      }));
  SIGNET_RETURN_IF_ERROR(bad);
  if (out.size() != count) {
    return Status::Internal("log entry " + std::to_string(first + out.size()) + " is missing");
  }
  return out;
}

std::string TransparencyLog::WitnessedCheckpoint() const {
  std::shared_lock lock(mu_);
  return witnessed_;
}

Status TransparencyLog::PublishWitnessed(const std::string& note) {
  std::lock_guard publishing(publish_mu_);
  SIGNET_ASSIGN_OR_RETURN(LogSigner::Parsed cp, signer_.OpenCheckpoint(note));
  if (cp.size > Size()) {
    return Status::InvalidArgument("checkpoint of size " + std::to_string(cp.size) +
                                   " is beyond the log's " + std::to_string(Size()));
  }
  SIGNET_ASSIGN_OR_RETURN(crypto::Digest root, merkle::RootHash(cp.size, NodesOf(store_)));
  if (root != cp.root) {
    return Status::InvalidArgument("checkpoint of size " + std::to_string(cp.size) +
                                   " does not have the stored tree's root");
  }
  const std::string current = WitnessedCheckpoint();
  if (!current.empty()) {
    SIGNET_ASSIGN_OR_RETURN(LogSigner::Parsed prev, signer_.OpenCheckpoint(current));
    if (cp.size < prev.size) {
      return Status::FailedPrecondition("the witnessed checkpoint is at size " +
                                        std::to_string(prev.size) + "; it never goes back to " +
                                        std::to_string(cp.size));
    }
  }
  WriteSet ws;
  ws.Put(Column::kMeta, std::string(keys::kWitnessedCheckpoint), note);
  SIGNET_RETURN_IF_ERROR(store_->Write(ws));
  std::unique_lock lock(mu_);
  witnessed_ = note;
  return Status::Ok();
}

Result<std::vector<crypto::Digest>> TransparencyLog::InclusionProof(std::uint64_t index,
                                                                    std::uint64_t size) const {
  if (index >= size || size > Size()) {
    return Status::InvalidArgument(
        "inclusion proof needs index < size <= " + std::to_string(Size()) + " (the log size)");
  }
  return merkle::InclusionProof(index, size, NodesOf(store_));
}

Result<std::vector<crypto::Digest>> TransparencyLog::ConsistencyProof(
    std::uint64_t old_size, std::uint64_t new_size) const {
  if (old_size > new_size || new_size > Size()) {
    return Status::InvalidArgument(
        "consistency proof needs old <= new <= " + std::to_string(Size()) + " (the log size)");
  }
  return merkle::ConsistencyProof(old_size, new_size, NodesOf(store_));
}

Result<crypto::Receipt> TransparencyLog::ReceiptFor(std::uint64_t index) const {
  std::uint64_t size;
  std::string cp;
  {
    std::shared_lock lock(mu_);
    size = size_;
    cp = checkpoint_;
  }
  if (index >= size) {
    return Status::NotFound("log entry " + std::to_string(index) + " does not exist");
  }
  return MakeReceipt(index, size, cp);
}

Result<crypto::Receipt> TransparencyLog::MakeReceipt(std::uint64_t index, std::uint64_t size,
                                                     const std::string& checkpoint) const {
  SIGNET_ASSIGN_OR_RETURN(auto leaf, store_->Get(Column::kLogLeaves, keys::LeafKey(index)));
  if (!leaf) return Status::Internal("log entry " + std::to_string(index) + " is missing");
  crypto::Receipt r;
  r.leaf_index = index;
  r.tree_size = size;
  r.leaf_hash = merkle::LeafHash(*leaf);
  SIGNET_ASSIGN_OR_RETURN(r.inclusion_proof, merkle::InclusionProof(index, size, NodesOf(store_)));
  r.checkpoint = checkpoint;
  return r;
}

Status TransparencyLog::AppendLeaf(Overlay& o, std::uint64_t index, std::string_view data) {
  SIGNET_ASSIGN_OR_RETURN(auto nodes,
                          merkle::AppendLeaf(index, merkle::LeafHash(data), NodesOf(&o)));
  for (const auto& n : nodes) {
    o.Put(Column::kLogNodes, keys::NodeKey(n.level, n.index), keys::NodeValue(n.hash));
  }
  o.Put(Column::kLogLeaves, keys::LeafKey(index), std::string(data));
  return Status::Ok();
}

Result<std::string> TransparencyLog::SignTree(Overlay& o, std::uint64_t size,
                                              crypto::Digest* root_out) const {
  SIGNET_ASSIGN_OR_RETURN(crypto::Digest root, merkle::RootHash(size, NodesOf(&o)));
  if (root_out != nullptr) *root_out = root;
  SIGNET_ASSIGN_OR_RETURN(std::string checkpoint, signer_.SignCheckpoint(size, root));
  o.Put(Column::kMeta, std::string(keys::kTreeSize), keys::U64Key(size));
  o.Put(Column::kMeta, std::string(keys::kCheckpoint), checkpoint);
  return checkpoint;
}

Status TransparencyLog::AdoptCheckpoint(Overlay& o, std::uint64_t size,
                                        const std::string& checkpoint,
                                        crypto::Digest* root_out) const {
  SIGNET_ASSIGN_OR_RETURN(crypto::Digest root, merkle::RootHash(size, NodesOf(&o)));
  auto parsed = signer_.OpenCheckpoint(checkpoint);
  if (!parsed.ok()) {
    return Status::Internal("the replicated checkpoint for log size " + std::to_string(size) +
                            " does not verify with this log's key: " + parsed.status().message());
  }
  if (parsed->size != size || parsed->root != root) {
    return Status::Internal("the replicated checkpoint signs log size " +
                            std::to_string(parsed->size) +
                            " with another root than the one computed here for size " +
                            std::to_string(size) + "; this replica diverged from the sequencer");
  }
  if (root_out != nullptr) *root_out = root;
  o.Put(Column::kMeta, std::string(keys::kTreeSize), keys::U64Key(size));
  o.Put(Column::kMeta, std::string(keys::kCheckpoint), checkpoint);
  return Status::Ok();
}

void TransparencyLog::Publish(std::uint64_t size, std::string checkpoint) {
  std::unique_lock lock(mu_);
  size_ = size;
  checkpoint_ = std::move(checkpoint);
}

}  // namespace signet::registry

// The registry's hook for a replicated log (docs/CLUSTER.md): one node, the
// sequencer, decides statements and stores them in a replicated stream before
// its own RocksDB; every node applies what the stream holds, in order.
//
//   Replicated  a decided statement as it travels: the envelope bytes, the
//               Decision (registry/applier.h) and the checkpoint the
//               sequencer signed for the tree ending with it. With these a
//               replica applies the statement without deciding it again
//               (Registry::ApplyReplicated).
//   Replicator  what the one writer (registry/group_commit.h) asks before it
//               decides a group and before it writes the group locally. The
//               cluster implements it over NATS JetStream (cluster/).
//
// Thread safety: Replicated is a value. Replicator methods are called from the
// registry's writer thread only, one at a time; implementations say what else
// may call them.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/status.h"
#include "registry/applier.h"

namespace signet::registry {

struct Replicated {
  std::string envelope_json;  // verbatim: the log leaf
  Decision decision;          // decision.log_index is the leaf it becomes
  // C2SP signed note of the tree of decision.log_index + 1 leaves.
  std::string checkpoint;
  friend bool operator==(const Replicated&, const Replicated&) = default;
};

class Replicator {
 public:
  virtual ~Replicator() = default;

  // Before a group of submissions is decided against a registry holding
  // `log_size` statements: OK when this node may decide now (it is the
  // sequencer and has applied the whole stream); otherwise the status every
  // statement of the group is answered with (Unavailable: retry).
  virtual Status MayDecide(std::uint64_t log_size) = 0;

  // Stores `group` (consecutive statements, the first at log index
  // `log_size`, the size MayDecide was asked about) in the replicated stream;
  // OK once a quorum holds every one of them. Any error means some of them
  // may be stored and some not: the writer rolls the group back, answers
  // every statement with the error, and MayDecide refuses until this node has
  // applied the stream again.
  virtual Status Replicate(std::span<const Replicated> group) = 0;
};

}  // namespace signet::registry

// GroupCommitter: the registry's one writer. Concurrent Submit() calls queue
// their Submissions; a single thread drains up to max_group_size of them,
// decides and applies each with the StatementApplier against the state left
// by the earlier ones (an Overlay per group, one per statement, so a rejected
// statement leaves nothing behind), has the transparency log sign the new
// tree, and writes ONE synced batch for the group (registry/STORAGE.md "One
// batch per commit group"). Callers are answered only after that write
// returns. If it fails, every statement of the group is answered with the
// error and the in-memory state goes back to where the group started: tree
// size, counters, acceptance clock and the index additions.
//
// Replicated (docs/CLUSTER.md): with a Replicator, a group is decided only
// when the Replicator allows it, the checkpoint of the tree after each
// statement is signed, and the group is stored in the replicated stream
// before the local batch is written (a failure there rolls back like a failed
// write). ApplyDecided is the other direction: statements another node
// decided, applied in order without deciding them again; the writer verifies
// that the sequencer's checkpoint signs the root it computed and stores it.
// Both kinds go through the same queue and thread, in the order they came.
//
// It owns the `counters` and `last_accepted_at` meta keys, the acceptance
// clock (never behind the previous statement, across restarts too) and the
// index updates of applied statements (registry/index_backend.h).
//
// Thread safety: Submit, ApplyDecided and committed() may be called from any
// thread. Destroying it while calls are in flight is a bug; the destructor
// answers every queued item, then stops the thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "common/status.h"
#include "registry/applier.h"
#include "registry/index_backend.h"
#include "registry/model.h"
#include "registry/records.h"
#include "registry/replication.h"
#include "registry/store.h"
#include "registry/submission.h"
#include "registry/transparency_log.h"

namespace signet::registry {

// A statement another node decided: parsed (ParseSubmission with now =
// decision.accepted_at), its decision, and the checkpoint signed after it.
struct Decided {
  Submission submission;
  Decision decision;
  std::string checkpoint;
};

class GroupCommitter {
 public:
  struct Options {
    Clock clock;                       // acceptance timestamps
    std::size_t max_group_size = 1;    // statements per synced batch, >= 1
    Replicator* replicator = nullptr;  // null: one machine
  };
  // The writer's stored state, read once at Open.
  struct State {
    records::Counters counters;
    Micros last_accepted = 0;
  };
  static Result<State> LoadState(const Store& store);

  // Starts the writer thread. REQUIRES: the four dependencies (and the
  // replicator) outlive it; `log` and `index` hold what `store` holds.
  GroupCommitter(Store* store, TransparencyLog* log, IndexBackend* index,
                 const StatementApplier* applier, Options options, State state);
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;
  ~GroupCommitter();

  // Blocks until the statement is durably committed (answered with its
  // receipt, read on the caller's thread) or rejected.
  Result<Accepted> Submit(Submission s);

  // Applies `batch` in order (entries below the current log size are skipped:
  // already applied) in one synced batch; blocks until it is durable. Errors:
  // FailedPrecondition when the batch does not continue the log (a gap),
  // Internal when an entry does not apply or the checkpoint does not sign the
  // root computed here (this replica and the stream disagree), the store's
  // errors otherwise. Nothing of a failed batch is applied.
  Status ApplyDecided(std::vector<Decided> batch);

  // What the last committed group left, for statistics.
  struct Committed {
    std::uint64_t tree_size = 0;
    records::Counters counters;
    std::uint64_t commit_groups = 0;  // since start
  };
  Committed committed() const;

 private:
  struct Pending;
  struct Rollback;
  void Loop();
  void CommitGroup(std::vector<std::unique_ptr<Pending>>& group);
  Status ApplyBatch(std::vector<Decided>& batch);
  // Decides, applies and indexes one statement in `o`.
  Result<Applied> Accept(const Submission& s, Micros now, Overlay& o, records::Counters& counters,
                         Decision& decision);
  // Records the index changes of an applied statement in `rb`, so that a
  // failed write takes additions out again and removals happen only once the
  // batch is durable.
  static void Track(const Applied& a, Rollback& rb);
  // Puts the in-memory state back to where the group started.
  void Undo(const Rollback& rb);
  // Writes the group's batch; on failure, Undo.
  Status Finish(Overlay& txn, const Rollback& rb);
  // Makes a durable group visible: removals, the index's cover (the tree of
  // tree_size_ leaves with `root`), the log's checkpoint, committed().
  void Publish(const Rollback& rb, const std::string& checkpoint, const crypto::Digest& root);

  Store* store_;
  TransparencyLog* log_;
  IndexBackend* index_;
  const StatementApplier* applier_;
  Options options_;

  // Touched only by the writer thread (and the constructor).
  std::uint64_t tree_size_ = 0;
  records::Counters counters_;
  Micros last_accepted_ = 0;

  mutable std::shared_mutex committed_mu_;
  Committed committed_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::unique_ptr<Pending>> queue_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything above is set
};

}  // namespace signet::registry

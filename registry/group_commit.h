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
// It owns the `counters` and `last_accepted_at` meta keys, the acceptance
// clock (never behind the previous statement, across restarts too) and the
// index updates of applied statements (registry/work_index.h).
//
// Thread safety: Submit and committed() may be called from any thread.
// Destroying it while Submit calls are in flight is a bug; the destructor
// answers every queued statement, then stops the thread.
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
#include "registry/model.h"
#include "registry/records.h"
#include "registry/store.h"
#include "registry/submission.h"
#include "registry/transparency_log.h"
#include "registry/work_index.h"

namespace signet::registry {

class GroupCommitter {
 public:
  struct Options {
    Clock clock;                     // acceptance timestamps
    std::size_t max_group_size = 1;  // statements per synced batch, >= 1
  };
  // The writer's stored state, read once at Open.
  struct State {
    records::Counters counters;
    Micros last_accepted = 0;
  };
  static Result<State> LoadState(const Store& store);

  // Starts the writer thread. REQUIRES: the four dependencies outlive it;
  // `log` and `index` hold what `store` holds.
  GroupCommitter(Store* store, TransparencyLog* log, WorkIndex* index,
                 const StatementApplier* applier, Options options, State state);
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;
  ~GroupCommitter();

  // Blocks until the statement is durably committed (answered with its
  // receipt, read on the caller's thread) or rejected.
  Result<Accepted> Submit(Submission s);

  // What the last committed group left, for statistics.
  struct Committed {
    std::uint64_t tree_size = 0;
    records::Counters counters;
    std::uint64_t commit_groups = 0;  // since start
  };
  Committed committed() const;

 private:
  struct Pending;
  void Loop();
  void CommitGroup(std::vector<std::unique_ptr<Pending>>& group);
  // Decides, applies and indexes one statement in `o`.
  Result<Applied> Accept(const Submission& s, Micros now, Overlay& o, records::Counters& counters);

  Store* store_;
  TransparencyLog* log_;
  WorkIndex* index_;
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

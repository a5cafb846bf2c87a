#include "registry/group_commit.h"

#include <algorithm>
#include <future>
#include <optional>
#include <utility>

#include "registry/keys.h"
#include "registry/overlay.h"

namespace signet::registry {

// One queued item: a submission to decide, or a batch another node decided.
struct GroupCommitter::Pending {
  std::optional<Submission> submission;
  std::promise<Result<Accepted>> promise;
  std::vector<Decided> decided;
  std::promise<Status> applied;
};

// What a group changed in memory before its batch is durable.
struct GroupCommitter::Rollback {
  std::uint64_t start_size = 0;
  records::Counters start_counters;
  Micros start_last = 0;
  std::vector<std::uint64_t> added;    // already indexed; removed again on failure
  std::vector<std::uint64_t> removed;  // removed from the index after success
  // Live works whose landmark print was (re)indexed: restored on failure.
  std::vector<std::uint64_t> landmarks_changed;
};

Result<GroupCommitter::State> GroupCommitter::LoadState(const Store& store) {
  State s;
  SIGNET_ASSIGN_OR_RETURN(auto counters_v, store.Get(Column::kMeta, keys::kCounters));
  if (counters_v) {
    SIGNET_ASSIGN_OR_RETURN(s.counters, records::DecodeCounters(*counters_v));
  }
  SIGNET_ASSIGN_OR_RETURN(auto last_v, store.Get(Column::kMeta, keys::kLastAcceptedAt));
  if (last_v) {
    SIGNET_ASSIGN_OR_RETURN(auto last, keys::ParseU64Key(*last_v));
    s.last_accepted = static_cast<Micros>(last);
  }
  return s;
}

GroupCommitter::GroupCommitter(Store* store, TransparencyLog* log, IndexBackend* index,
                               const StatementApplier* applier, Options options, State state)
    : store_(store),
      log_(log),
      index_(index),
      applier_(applier),
      options_(std::move(options)),
      tree_size_(log->Size()),
      counters_(state.counters),
      last_accepted_(state.last_accepted),
      committed_{tree_size_, counters_, 0},
      thread_([this] { Loop(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<Accepted> GroupCommitter::Submit(Submission s) {
  auto pending = std::make_unique<Pending>();
  pending->submission = std::move(s);
  std::future<Result<Accepted>> future = pending->promise.get_future();
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return Status::Unavailable("the registry is shutting down");
    queue_.push_back(std::move(pending));
  }
  queue_cv_.notify_one();
  Result<Accepted> r = future.get();
  if (!r.ok()) return r;
  // The writer named the tree and checkpoint; the proof is read here, on the
  // caller's thread, from nodes that are durable and never change.
  auto receipt = log_->MakeReceipt(r->log_index, r->receipt.tree_size, r->receipt.checkpoint);
  if (!receipt.ok()) {
    return receipt.status().WithContext("statement stored but its receipt failed");
  }
  r->receipt = std::move(*receipt);
  return r;
}

Status GroupCommitter::ApplyDecided(std::vector<Decided> batch) {
  auto pending = std::make_unique<Pending>();
  pending->decided = std::move(batch);
  std::future<Status> future = pending->applied.get_future();
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return Status::Unavailable("the registry is shutting down");
    queue_.push_back(std::move(pending));
  }
  queue_cv_.notify_one();
  return future.get();
}

GroupCommitter::Committed GroupCommitter::committed() const {
  std::shared_lock lock(committed_mu_);
  return committed_;
}

void GroupCommitter::Loop() {
  for (;;) {
    std::vector<std::unique_ptr<Pending>> group;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything answered
      // A decided batch goes alone; submissions group up to the next one.
      do {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      } while (group.front()->submission && !queue_.empty() && queue_.front()->submission &&
               group.size() < options_.max_group_size);
    }
    if (group.front()->submission) {
      CommitGroup(group);
    } else {
      group.front()->applied.set_value(ApplyBatch(group.front()->decided));
    }
  }
}

Result<Applied> GroupCommitter::Accept(const Submission& s, Micros now, Overlay& o,
                                       records::Counters& counters, Decision& decision) {
  SIGNET_ASSIGN_OR_RETURN(decision, applier_->Decide(s, o, tree_size_, now));
  SIGNET_ASSIGN_OR_RETURN(Applied a, applier_->Apply(s, decision, o, counters));
  if (a.index.add_ref) {
    // Indexed before the group is durable, so that the statements after it in
    // the group find it; Finish takes it out again if the write fails.
    const auto& body = std::get<WorkRegisterBody>(s.statement.body);
    SIGNET_RETURN_IF_ERROR(
        index_->Add(*a.index.add_ref, *a.accepted.work_id, body.fingerprint_values));
  }
  if (a.index.landmark_ref) {
    // ParseStatement checked the print against the index's limits, so this
    // does not fail in practice; if it does, the statement is not accepted.
    const std::uint64_t ref = *a.index.landmark_ref;
    if (Status added = index_->AddLandmark(ref, *a.index.landmark); !added.ok()) {
      if (a.index.add_ref) {
        index_->Remove(std::span<const std::uint64_t>(&ref, 1));
      } else {
        index_->RestoreLandmarks(*store_, std::span<const std::uint64_t>(&ref, 1));
      }
      return added.WithContext("indexing the landmark print");
    }
  }
  return a;
}

void GroupCommitter::Track(const Applied& a, Rollback& rb) {
  if (a.index.add_ref) {
    // A work withdrawn and registered again in one group stays indexed: its
    // pending removal is cancelled, and as it was indexed before the group,
    // a failed write must not take it out either.
    const auto pending = std::find(rb.removed.begin(), rb.removed.end(), *a.index.add_ref);
    if (pending != rb.removed.end()) {
      rb.removed.erase(pending);
    } else {
      rb.added.push_back(*a.index.add_ref);
    }
  }
  if (a.index.landmark_ref && !a.index.add_ref)
    rb.landmarks_changed.push_back(*a.index.landmark_ref);
  if (a.index.remove_ref) rb.removed.push_back(*a.index.remove_ref);
}

void GroupCommitter::Undo(const Rollback& rb) {
  index_->Remove(rb.added);
  index_->RestoreLandmarks(*store_, rb.landmarks_changed);
  tree_size_ = rb.start_size;
  counters_ = rb.start_counters;
  last_accepted_ = rb.start_last;
}

Status GroupCommitter::Finish(Overlay& txn, const Rollback& rb) {
  txn.Put(Column::kMeta, std::string(keys::kCounters), records::EncodeCounters(counters_));
  txn.Put(Column::kMeta, std::string(keys::kLastAcceptedAt),
          keys::U64Key(static_cast<std::uint64_t>(last_accepted_)));
  WriteSet ws;
  txn.AppendTo(ws);
  // Replicated, the stream's quorum holds the statements before this write:
  // it need not wait for the disk (registry/store.h).
  ws.set_sync(options_.replicator == nullptr);
  Status st = store_->Write(ws);
  if (!st.ok()) Undo(rb);  // nothing of the group is durable
  return st;
}

void GroupCommitter::Publish(const Rollback& rb, const std::string& checkpoint,
                             const crypto::Digest& root) {
  index_->Remove(rb.removed);
  // Every index change of the log up to tree_size_ is applied.
  index_->Committed(tree_size_, root);
  log_->Publish(tree_size_, checkpoint);
  std::unique_lock lock(committed_mu_);
  committed_.tree_size = tree_size_;
  committed_.counters = counters_;
  ++committed_.commit_groups;
}

void GroupCommitter::CommitGroup(std::vector<std::unique_ptr<Pending>>& group) {
  if (options_.replicator) {
    if (Status may = options_.replicator->MayDecide(tree_size_); !may.ok()) {
      for (auto& p : group) p->promise.set_value(may);
      return;
    }
  }
  Overlay txn(store_);
  Rollback rb{tree_size_, counters_, last_accepted_, {}, {}, {}};
  std::vector<std::optional<Result<Accepted>>> results(group.size());
  std::vector<Replicated> replicated;
  std::string checkpoint;
  crypto::Digest root{};  // of the tree `checkpoint` signs

  for (std::size_t i = 0; i < group.size(); ++i) {
    const Submission& s = *group[i]->submission;
    const Micros now = std::max(options_.clock(), last_accepted_);
    Overlay stmt(store_, &txn);
    records::Counters counters = counters_;
    Decision decision;
    Result<Applied> r = Accept(s, now, stmt, counters, decision);
    if (!r.ok()) {
      results[i] = r.status();
      continue;
    }
    if (options_.replicator) {
      // Every statement travels with the checkpoint of the tree it ends, so
      // that a replica serves a signed checkpoint for whatever size it has.
      crypto::Digest stmt_root{};
      auto cp = log_->SignTree(stmt, tree_size_ + 1, &stmt_root);
      if (!cp.ok()) {
        if (r->index.add_ref) index_->Remove(std::span(&*r->index.add_ref, 1));
        results[i] = cp.status();
        continue;
      }
      checkpoint = std::move(*cp);
      root = stmt_root;
      replicated.push_back({s.envelope_json, decision, checkpoint});
    }
    stmt.MergeIntoParent();
    counters_ = counters;
    last_accepted_ = now;
    ++tree_size_;
    Track(*r, rb);
    results[i] = std::move(r->accepted);
  }

  Status commit = Status::Ok();
  if (tree_size_ > rb.start_size) {
    if (options_.replicator) {
      commit = options_.replicator->Replicate(replicated);
      if (!commit.ok()) Undo(rb);
    } else {
      auto cp = log_->SignTree(txn, tree_size_, &root);
      if (cp.ok()) checkpoint = std::move(*cp);
      commit = cp.status();
      if (!commit.ok()) Undo(rb);
    }
    if (commit.ok()) commit = Finish(txn, rb);
  }

  if (!commit.ok()) {
    // Tell every caller whose statement was accepted that it was not stored
    // here (with a replicator, it may be in the stream: retrying is safe).
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (results[i]->ok()) results[i] = commit.WithContext("statement not stored");
      group[i]->promise.set_value(std::move(*results[i]));
    }
    return;
  }

  if (tree_size_ > rb.start_size) Publish(rb, checkpoint, root);
  for (std::size_t i = 0; i < group.size(); ++i) {
    Result<Accepted>& r = *results[i];
    if (r.ok()) {  // Submit completes the receipt
      r->receipt.tree_size = tree_size_;
      r->receipt.checkpoint = checkpoint;
    }
    group[i]->promise.set_value(std::move(r));
  }
}

Status GroupCommitter::ApplyBatch(std::vector<Decided>& batch) {
  Overlay txn(store_);
  Rollback rb{tree_size_, counters_, last_accepted_, {}, {}, {}};
  const std::string* checkpoint = nullptr;
  crypto::Digest root{};
  Status st = Status::Ok();
  for (Decided& d : batch) {
    const std::uint64_t at = d.decision.log_index;
    if (at < tree_size_) continue;  // applied already (this node decided it)
    if (at > tree_size_) {
      st = Status::FailedPrecondition("a replicated statement for log index " + std::to_string(at) +
                                      " arrived when the log holds " + std::to_string(tree_size_));
      break;
    }
    Overlay stmt(store_, &txn);
    records::Counters counters = counters_;
    Result<Applied> r = applier_->Apply(d.submission, d.decision, stmt, counters);
    if (r.ok() && r->index.add_ref) {
      const auto& body = std::get<WorkRegisterBody>(d.submission.statement.body);
      st = index_->Add(*r->index.add_ref, *r->accepted.work_id, body.fingerprint_values);
    }
    if (!r.ok() || !st.ok()) {
      st = (r.ok() ? st : r.status()).WithContext("replicated statement " + std::to_string(at));
      break;
    }
    stmt.MergeIntoParent();
    counters_ = counters;
    last_accepted_ = std::max(last_accepted_, d.decision.accepted_at);
    ++tree_size_;
    Track(*r, rb);
    checkpoint = &d.checkpoint;
  }
  if (st.ok() && checkpoint) st = log_->AdoptCheckpoint(txn, tree_size_, *checkpoint, &root);
  if (!st.ok()) {
    Undo(rb);
    return st;
  }
  if (!checkpoint) return Status::Ok();  // nothing new
  SIGNET_RETURN_IF_ERROR(Finish(txn, rb));
  Publish(rb, *checkpoint, root);
  return Status::Ok();
}

}  // namespace signet::registry

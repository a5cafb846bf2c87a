#include "registry/group_commit.h"

#include <algorithm>
#include <future>
#include <optional>
#include <utility>

#include "registry/keys.h"
#include "registry/overlay.h"

namespace signet::registry {

struct GroupCommitter::Pending {
  Submission submission;
  std::promise<Result<Accepted>> promise;
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

GroupCommitter::GroupCommitter(Store* store, TransparencyLog* log, WorkIndex* index,
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
      while (!queue_.empty() && group.size() < options_.max_group_size) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitGroup(group);
  }
}

Result<Applied> GroupCommitter::Accept(const Submission& s, Micros now, Overlay& o,
                                       records::Counters& counters) {
  SIGNET_ASSIGN_OR_RETURN(Decision d, applier_->Decide(s, o, tree_size_, now));
  SIGNET_ASSIGN_OR_RETURN(Applied a, applier_->Apply(s, d, o, counters));
  if (a.index.add_ref) {
    // Indexed before the group is durable, so that the statements after it in
    // the group find it; CommitGroup takes it out again if the write fails.
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

void GroupCommitter::CommitGroup(std::vector<std::unique_ptr<Pending>>& group) {
  Overlay txn(store_);
  const std::uint64_t start_size = tree_size_;
  const records::Counters start_counters = counters_;
  const Micros start_last = last_accepted_;
  std::vector<std::uint64_t> added;    // already indexed; removed again on failure
  std::vector<std::uint64_t> removed;  // removed from the index after success
  // Live works whose landmark print was (re)indexed: restored on failure.
  std::vector<std::uint64_t> landmarks_changed;
  std::vector<std::optional<Result<Accepted>>> results(group.size());
  std::size_t accepted = 0;

  for (std::size_t i = 0; i < group.size(); ++i) {
    const Micros now = std::max(options_.clock(), last_accepted_);
    Overlay stmt(store_, &txn);
    records::Counters counters = counters_;
    Result<Applied> r = Accept(group[i]->submission, now, stmt, counters);
    if (!r.ok()) {
      results[i] = r.status();
      continue;
    }
    stmt.MergeIntoParent();
    counters_ = counters;
    last_accepted_ = now;
    ++tree_size_;
    ++accepted;
    if (r->index.add_ref) {
      // A work withdrawn and registered again in one group stays indexed: its
      // pending removal is cancelled, and as it was indexed before the group,
      // a failed write must not take it out either.
      const auto pending = std::find(removed.begin(), removed.end(), *r->index.add_ref);
      if (pending != removed.end()) {
        removed.erase(pending);
      } else {
        added.push_back(*r->index.add_ref);
      }
    }
    if (r->index.landmark_ref && !r->index.add_ref) {
      landmarks_changed.push_back(*r->index.landmark_ref);
    }
    if (r->index.remove_ref) removed.push_back(*r->index.remove_ref);
    results[i] = std::move(r->accepted);
  }

  Status commit = Status::Ok();
  std::string checkpoint;
  if (accepted > 0) {
    auto cp = log_->SignTree(txn, tree_size_);
    if (cp.ok()) {
      checkpoint = std::move(*cp);
      txn.Put(Column::kMeta, std::string(keys::kCounters), records::EncodeCounters(counters_));
      txn.Put(Column::kMeta, std::string(keys::kLastAcceptedAt),
              keys::U64Key(static_cast<std::uint64_t>(last_accepted_)));
      WriteSet ws;
      txn.AppendTo(ws);
      commit = store_->Write(ws);
    } else {
      commit = cp.status();
    }
  }

  if (!commit.ok()) {
    // Nothing of the group is durable: undo in-memory effects and tell
    // every caller whose statement was accepted that it was not stored.
    index_->Remove(added);
    index_->RestoreLandmarks(*store_, landmarks_changed);
    tree_size_ = start_size;
    counters_ = start_counters;
    last_accepted_ = start_last;
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (results[i]->ok()) results[i] = commit.WithContext("statement not stored");
      group[i]->promise.set_value(std::move(*results[i]));
    }
    return;
  }

  if (accepted > 0) {
    index_->Remove(removed);
    log_->Publish(tree_size_, checkpoint);
    std::unique_lock lock(committed_mu_);
    committed_.tree_size = tree_size_;
    committed_.counters = counters_;
    ++committed_.commit_groups;
  }
  for (std::size_t i = 0; i < group.size(); ++i) {
    Result<Accepted>& r = *results[i];
    if (r.ok()) {  // Submit completes the receipt
      r->receipt.tree_size = tree_size_;
      r->receipt.checkpoint = checkpoint;
    }
    group[i]->promise.set_value(std::move(r));
  }
}

}  // namespace signet::registry

// ShardedIndex: the registry's IndexBackend (registry/index_backend.h) in a
// cluster (docs/CLUSTER.md "The fingerprint index is sharded by work"). It
// holds one WorkIndex per shard this node indexes (the shard map's choice)
// and reaches the other shards through a ShardClient:
//
//   Find         a query: the node's own shards searched here, the others by
//                fan-out; merged by score, the best max_matches, as one index
//                orders them; the coverage says which shards answered.
//   SearchEarly  a work.register's dispute search on the submitter's thread:
//                every shard "as of" this node's log size A (replicas wait
//                until they applied A), plus, on the sequencer, the recent
//                index of works it registered in the last ~20 s, which no
//                replica may hold yet. Any shard missing: Unavailable.
//   FindOverlaps the writer completes it with the recent index's additions
//                since (as one machine does with FindAddedSince), or searches
//                again when the early search is older than 5 s.
//
// max_posting_list (posting lists longer than it are skipped as
// uninformative) depends on the index's size; each shard uses it divided by
// the shard count so that it skips what the whole index would. Scores are
// E-values (fingerprint/matcher.h), and a shard's count only the references
// it holds (N of the contract); each reply says how many that was, and the
// merge rescales every match to the whole registry's N (the shards' sum) and
// applies the threshold again, so a cluster reports the E-values and matches
// one index of every work would. (The sequencer's recent index still counts
// only its own few works.)
//
// Its shard indexes are kept in memory and rebuilt from the local registry at
// every Open (Open waits for them): a persisted shard index would resume
// from a cover of the whole log, and replaying the log after it is not
// shard-aware yet (registry/work_index.h).
//
// Thread safety: as IndexBackend; set_sequencer and TrimRecent from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "cluster/shard_service.h"
#include "registry/index_backend.h"
#include "registry/work_index.h"

namespace signet::cluster {

class ShardedIndex final : public registry::IndexBackend {
 public:
  struct Options {
    std::uint32_t shards = 1;
    std::vector<std::uint32_t> mine;  // the shards this node indexes
    fp::IndexOptions index;
    fp::MatcherOptions matcher;
    std::chrono::seconds recent_horizon{20};
    std::chrono::seconds early_freshness{5};
  };
  explicit ShardedIndex(Options options);

  // REQUIRES: before any search; both outlive the index. `log_size` is the
  // local registry's (committed) log size.
  void Connect(ShardClient* client, std::function<std::uint64_t()> log_size);
  // On while this node is the sequencer: works it registers go into the
  // recent index as well. Off clears it.
  void set_sequencer(bool on);
  // Drops recent works older than the horizon; call every second or so.
  void TrimRecent();

  const std::vector<std::uint32_t>& mine() const { return options_.mine; }
  std::uint32_t shards() const { return options_.shards; }
  // A request of the ShardServer for one of mine().
  Result<SearchReply> SearchShard(const SearchRequest& request) const;

  Status Open(const registry::Store& store, const registry::TransparencyLog& log) override;
  bool complete() const override;
  bool WaitUntilComplete(std::chrono::milliseconds timeout) const override;
  Status failed() const override;
  Result<registry::EarlySearch> SearchEarly(std::span<const std::uint32_t> values) const override;
  Result<std::vector<registry::Overlap>> FindOverlaps(
      std::span<const std::uint32_t> values, const registry::EarlySearch* early) const override;
  Result<registry::FoundWorks> Find(std::span<const fp::QueryVariant> variants) const override;
  Status Add(std::uint64_t ref, std::string work_id,
             std::span<const std::uint32_t> values) override;
  void Remove(std::span<const std::uint64_t> refs) override;
  void Committed(std::uint64_t tree_size, const crypto::Digest& root) override;
  std::size_t works() const override;
  std::size_t positions() const override;
  std::size_t MemoryBytes() const override;
  fp::IndexStats IndexStats() const override;

 private:
  // Every shard searched (here or by fan-out): the merged matches.
  registry::FoundWorks SearchAll(SearchKind kind, std::uint64_t as_of,
                                 std::span<const fp::QueryVariant> variants,
                                 std::string* why_incomplete) const;
  const registry::WorkIndex* Local(std::uint32_t shard) const;

  const Options options_;
  // Each shard's view of the store, read by its rebuild (before local_: it
  // outlives the rebuild threads the WorkIndexes join).
  std::vector<std::unique_ptr<registry::Store>> views_;
  std::map<std::uint32_t, std::unique_ptr<registry::WorkIndex>> local_;
  ShardClient* client_ = nullptr;
  std::function<std::uint64_t()> log_size_;

  std::atomic<bool> sequencer_{false};
  registry::WorkIndex recent_;
  std::mutex recent_mu_;  // guards recent_added_, orders clear with Add
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>> recent_added_;
};

}  // namespace signet::cluster

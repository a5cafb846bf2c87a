#include "cluster/sharded_index.h"

#include <algorithm>
#include <set>

#include "cluster/shard_map.h"
#include "registry/records.h"

namespace signet::cluster {
namespace {

using Steady = std::chrono::steady_clock;

fp::MatcherOptions ForShard(fp::MatcherOptions m, std::uint32_t shards) {
  m.max_posting_list = std::max<std::size_t>(1, m.max_posting_list / shards);
  return m;
}

struct ShardFound {
  std::uint64_t references = 0;  // the live works the shard searched
  std::vector<registry::WorkIndex::Found> found;
};

// The shards' matches as one index of every work would report them. A
// shard's E-values count only its own references (E = p x N x V,
// fingerprint/matcher.h), so each is rescaled to the whole registry's N (the
// answered shards' works, extrapolated to the shards that did not answer),
// and the threshold applied again: a shard reports what passed its own
// smaller N, a superset of what passes the registry's. Then one index's
// order: by score, best first, one match per work, at most max_matches.
std::vector<registry::WorkIndex::Found> MergeShards(std::vector<ShardFound> answered,
                                                    std::uint32_t shards,
                                                    const fp::MatcherOptions& matcher) {
  double total = 0;
  for (const ShardFound& s : answered) total += static_cast<double>(s.references);
  if (!answered.empty()) total *= static_cast<double>(shards) / answered.size();
  const double registry_n = std::max({1.0, total, matcher.min_references});
  std::vector<registry::WorkIndex::Found> out;
  for (ShardFound& s : answered) {
    const double shard_n =
        std::max({1.0, static_cast<double>(s.references), matcher.min_references});
    const double scale = registry_n / shard_n;
    for (registry::WorkIndex::Found& f : s.found) {
      fp::Match& m = f.match;
      std::erase_if(m.segments, [&](fp::Segment& seg) {
        seg.e_value *= scale;
        return seg.e_value > matcher.max_e_value;
      });
      if (m.segments.empty()) continue;
      m.e_value =
          std::min_element(m.segments.begin(), m.segments.end(), [](const auto& a, const auto& b) {
            return a.e_value < b.e_value;
          })->e_value;
      m.score = fp::ScoreOfEValue(m.e_value);
      out.push_back(std::move(f));
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.match.score > b.match.score; });
  std::set<std::string> seen;
  std::erase_if(out, [&](const auto& f) { return !seen.insert(f.work_id).second; });
  if (out.size() > matcher.max_matches) out.resize(matcher.max_matches);
  return out;
}

// The store as one shard sees it: kFingerprints holds only that shard's works.
class ShardView : public registry::Store {
 public:
  ShardView(const registry::Store& store, std::uint32_t shard, std::uint32_t shards)
      : store_(store), shard_(shard), shards_(shards) {}
  Result<std::optional<std::string>> Get(registry::Column c, std::string_view key) const override {
    return store_.Get(c, key);
  }
  Status Scan(registry::Column c, std::string_view prefix, std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& visit) const override {
    if (c != registry::Column::kFingerprints) return store_.Scan(c, prefix, start, visit);
    return store_.Scan(c, prefix, start, [&](std::string_view k, std::string_view v) {
      auto rec = registry::records::DecodeFingerprint(v);
      // Undecodable entries go through: the index's own load reports them.
      if (rec.ok() && ShardOf(rec->work_id, shards_) != shard_) return true;
      return visit(k, v);
    });
  }
  Result<std::optional<std::pair<std::string, std::string>>> FindLastAtOrBefore(
      registry::Column c, std::string_view prefix, std::string_view upper) const override {
    return store_.FindLastAtOrBefore(c, prefix, upper);
  }
  Status Write(const registry::WriteSet&) override {
    return Status::Internal("a shard's view of the store is read-only");
  }

 private:
  const registry::Store& store_;
  std::uint32_t shard_, shards_;
};

}  // namespace

namespace {

// In memory (see the header), with the given matcher.
registry::WorkIndexOptions InMemory(fp::IndexOptions index, fp::MatcherOptions matcher) {
  registry::WorkIndexOptions o;
  o.index = std::move(index);
  o.index.directory.clear();
  o.matcher = std::move(matcher);
  return o;
}

}  // namespace

ShardedIndex::ShardedIndex(Options options)
    : options_(std::move(options)), recent_(InMemory(options_.index, options_.matcher)) {
  for (std::uint32_t k : options_.mine) {
    local_[k] = std::make_unique<registry::WorkIndex>(
        InMemory(options_.index, ForShard(options_.matcher, options_.shards)));
  }
}

void ShardedIndex::Connect(ShardClient* client, std::function<std::uint64_t()> log_size) {
  client_ = client;
  log_size_ = std::move(log_size);
}

void ShardedIndex::set_sequencer(bool on) {
  std::lock_guard lock(recent_mu_);
  if (sequencer_ == on) return;
  sequencer_ = on;
  if (!on) {
    std::vector<std::uint64_t> refs;
    for (const auto& [at, ref] : recent_added_) refs.push_back(ref);
    recent_.Remove(refs);
    recent_added_.clear();
  }
}

void ShardedIndex::TrimRecent() {
  std::vector<std::uint64_t> old;
  std::lock_guard lock(recent_mu_);
  const auto cutoff = Steady::now() - options_.recent_horizon;
  while (!recent_added_.empty() && recent_added_.front().first < cutoff) {
    old.push_back(recent_added_.front().second);
    recent_added_.pop_front();
  }
  // A ref added again since (withdrawn and registered again) stays.
  std::erase_if(old, [&](std::uint64_t ref) {
    return std::any_of(recent_added_.begin(), recent_added_.end(),
                       [&](const auto& e) { return e.second == ref; });
  });
  recent_.Remove(old);
}

const registry::WorkIndex* ShardedIndex::Local(std::uint32_t shard) const {
  auto it = local_.find(shard);
  return it == local_.end() ? nullptr : it->second.get();
}

Status ShardedIndex::Open(const registry::Store& store, const registry::TransparencyLog& log) {
  // The rebuild threads scan through their views until they are done.
  for (auto& [k, index] : local_) {
    views_.push_back(std::make_unique<ShardView>(store, k, options_.shards));
    SIGNET_RETURN_IF_ERROR(index->Open(*views_.back(), log));
  }
  for (auto& [k, index] : local_) {
    while (!index->WaitUntilComplete(std::chrono::seconds(1))) {
      SIGNET_RETURN_IF_ERROR(index->failed());
    }
  }
  return Status::Ok();
}

bool ShardedIndex::complete() const {
  return std::all_of(local_.begin(), local_.end(),
                     [](const auto& e) { return e.second->complete(); });
}

bool ShardedIndex::WaitUntilComplete(std::chrono::milliseconds timeout) const {
  const auto until = Steady::now() + timeout;
  for (const auto& [k, index] : local_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Steady::now());
    if (!index->WaitUntilComplete(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

Status ShardedIndex::failed() const {
  for (const auto& [k, index] : local_) SIGNET_RETURN_IF_ERROR(index->failed());
  return Status::Ok();
}

Result<SearchReply> ShardedIndex::SearchShard(const SearchRequest& request) const {
  const registry::WorkIndex* index = Local(request.shard);
  if (!index) {
    return Status::NotFound("this node does not index shard " + std::to_string(request.shard));
  }
  std::vector<fp::QueryVariant> views;
  for (const auto& v : request.variants) views.push_back({v.values, v.speed});
  SearchReply reply;
  reply.references = index->works();
  reply.found = index->Find(views);
  return reply;
}

registry::FoundWorks ShardedIndex::SearchAll(SearchKind kind, std::uint64_t as_of,
                                             std::span<const fp::QueryVariant> variants,
                                             std::string* why_incomplete) const {
  registry::FoundWorks out;
  out.coverage.shards = options_.shards;
  out.coverage.shards_searched = 0;
  std::vector<std::uint32_t> remote;
  for (std::uint32_t k = 0; k < options_.shards; ++k) {
    if (!Local(k)) remote.push_back(k);
  }
  // Each shard's matches with the works it searched (N of their E-values).
  std::vector<ShardFound> answered;
  // This node's own shards are searched while the others' replicas search.
  auto search_local = [&] {
    for (const auto& [k, index] : local_) {
      answered.push_back({index->works(), index->Find(variants)});
      ++out.coverage.shards_searched;
    }
  };
  std::vector<Result<SearchReply>> replies;
  if (!remote.empty() && client_) {
    replies = client_->Search(kind, as_of, variants, remote, search_local);
  } else {
    search_local();
  }
  for (std::size_t i = 0; i < remote.size(); ++i) {
    if (i >= replies.size()) {
      if (why_incomplete) *why_incomplete += "shard " + std::to_string(remote[i]) + ": no client; ";
      continue;
    }
    if (!replies[i].ok()) {
      if (why_incomplete) *why_incomplete += replies[i].status().message() + "; ";
      continue;
    }
    answered.push_back({replies[i]->references, std::move(replies[i]->found)});
    ++out.coverage.shards_searched;
  }
  out.found = MergeShards(std::move(answered), options_.shards, options_.matcher);
  return out;
}

Result<registry::FoundWorks> ShardedIndex::Find(std::span<const fp::QueryVariant> variants) const {
  return SearchAll(SearchKind::kMatch, 0, variants, nullptr);
}

Result<registry::EarlySearch> ShardedIndex::SearchEarly(
    std::span<const std::uint32_t> values) const {
  const std::uint64_t as_of = log_size_ ? log_size_() : 0;
  registry::EarlySearch early;
  // The recent index first: a work it holds is then either found here or
  // was committed before as_of, and every replica searched below holds it.
  if (sequencer_) early = recent_.SearchEarly(values);
  const fp::QueryVariant query{values, 1.0};
  std::string why;
  registry::FoundWorks all =
      SearchAll(SearchKind::kDispute, as_of, std::span<const fp::QueryVariant>(&query, 1), &why);
  if (!all.coverage.complete()) {
    return Status::Unavailable(
        "the dispute check of this registration could not search the whole fingerprint index (" +
        std::to_string(all.coverage.shards_searched) + " of " +
        std::to_string(all.coverage.shards) + " shards answered: " + why +
        "); it is refused rather than accepted with a dispute missed; retry");
  }
  // The shards searched the whole recording: the shared seconds are the
  // segments' (the dispute rules need them, registry/overlap_finder.h).
  for (auto& f : all.found) {
    early.elsewhere.push_back(
        {std::move(f.work_id), f.match.score, registry::SharedSeconds(f.match)});
  }
  early.searched_at = Steady::now();
  return early;
}

Result<std::vector<registry::Overlap>> ShardedIndex::FindOverlaps(
    std::span<const std::uint32_t> values, const registry::EarlySearch* early) const {
  registry::EarlySearch fresh;
  if (!early || Steady::now() - early->searched_at > options_.early_freshness) {
    SIGNET_ASSIGN_OR_RETURN(fresh, SearchEarly(values));
    early = &fresh;
  }
  SIGNET_ASSIGN_OR_RETURN(std::vector<registry::Overlap> out, recent_.FindOverlaps(values, early));
  out.insert(out.end(), early->elsewhere.begin(), early->elsewhere.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.score > b.score; });
  return out;
}

Status ShardedIndex::Add(std::uint64_t ref, std::string work_id,
                         std::span<const std::uint32_t> values) {
  if (sequencer_) {
    std::lock_guard lock(recent_mu_);
    if (sequencer_) {
      SIGNET_RETURN_IF_ERROR(recent_.Add(ref, work_id, values));
      recent_added_.emplace_back(Steady::now(), ref);
    }
  }
  auto it = local_.find(ShardOf(work_id, options_.shards));
  if (it == local_.end()) return Status::Ok();
  return it->second->Add(ref, std::move(work_id), values);
}

void ShardedIndex::Remove(std::span<const std::uint64_t> refs) {
  for (auto& [k, index] : local_) index->Remove(refs);
  recent_.Remove(refs);
}

// The shard indexes are in memory: nothing resumes from a cover.
void ShardedIndex::Committed(std::uint64_t, const crypto::Digest&) {}

std::size_t ShardedIndex::works() const {
  std::size_t n = 0;
  for (const auto& [k, index] : local_) n += index->works();
  return n;
}
std::size_t ShardedIndex::positions() const {
  std::size_t n = 0;
  for (const auto& [k, index] : local_) n += index->positions();
  return n;
}
std::size_t ShardedIndex::MemoryBytes() const {
  std::size_t n = recent_.MemoryBytes();
  for (const auto& [k, index] : local_) n += index->MemoryBytes();
  return n;
}
fp::IndexStats ShardedIndex::IndexStats() const {
  fp::IndexStats t;
  for (const auto& [k, index] : local_) {
    const fp::IndexStats s = index->IndexStats();
    t.recordings += s.recordings;
    t.positions += s.positions;
    t.segment_positions += s.segment_positions;
    t.delta_positions += s.delta_positions;
    t.dead_positions += s.dead_positions;
    t.segments += s.segments;
    t.key_bits = std::max(t.key_bits, s.key_bits);  // shards of one size: the same
    t.frozen_deltas += s.frozen_deltas;
    t.posting_bytes += s.posting_bytes;
    t.value_bytes += s.value_bytes;
    t.segment_bytes += s.segment_bytes;
    t.memory_bytes += s.memory_bytes;
    t.flushes += s.flushes;
    t.merges += s.merges;
    t.merging = t.merging || s.merging;
    if (!s.last_error.empty()) t.last_error = s.last_error;
  }
  t.memory_bytes += recent_.MemoryBytes();
  return t;
}

}  // namespace signet::cluster

// The facade: opens the units behind the Registry (registry/STORAGE.md "Who
// owns what") and answers with them.
#include "registry/registry.h"

#include <chrono>
#include <utility>

#include "registry/applier.h"
#include "registry/group_commit.h"
#include "registry/index_backend.h"
#include "registry/keys.h"
#include "registry/log_signer.h"
#include "registry/matching.h"
#include "registry/queries.h"
#include "registry/replication.h"
#include "registry/rocksdb_store.h"
#include "registry/search_index.h"
#include "registry/store.h"
#include "registry/submission.h"
#include "registry/transparency_log.h"

namespace signet::registry {

struct Registry::Impl {
  Impl(std::unique_ptr<Store> s, RegistryOptions o)
      : store(std::move(s)),
        options(std::move(o)),
        queries(*store),
        local(options.index_backend ? nullptr
                                    : std::make_unique<LocalIndex>(WorkIndexOptions{
                                          .index = options.index,
                                          .matcher = options.matcher,
                                          .log = options.log,
                                          .before_rebuild = options.before_index_rebuild})),
        index(options.index_backend ? *options.index_backend : *local),
        applier(index) {}

  std::unique_ptr<Store> store;
  RegistryOptions options;
  Queries queries;
  std::unique_ptr<LocalIndex> local;  // one machine: every live work
  IndexBackend& index;
  StatementApplier applier;
  std::unique_ptr<TransparencyLog> log;
  double open_seconds = 0;          // time Open took until queries could run
  search::IndexBuild search_build;  // what Open did to the search index
  // Last, so that it stops (answering every pending Submit) before the rest goes.
  std::unique_ptr<GroupCommitter> writer;
};

Registry::Registry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Registry::~Registry() = default;

Result<std::unique_ptr<Registry>> Registry::Open(const std::filesystem::path& dir,
                                                 RegistryOptions options) {
  SIGNET_ASSIGN_OR_RETURN(auto store, RocksDbStore::Open(dir, options.storage));
  if (options.index.directory.empty()) options.index.directory = dir / "index";
  return Open(std::unique_ptr<Store>(std::move(store)), std::move(options));
}

Result<std::unique_ptr<Registry>> Registry::Open(std::unique_ptr<Store> store,
                                                 RegistryOptions options) {
  if (!options.server_key) return Status::InvalidArgument("RegistryOptions.server_key is required");
  if (options.log_origin.empty()) {
    return Status::InvalidArgument("RegistryOptions.log_origin is required");
  }
  if (!options.clock) options.clock = SystemNowMicros;
  if (options.max_group_size == 0) options.max_group_size = 1;
  const std::string key_name =
      options.note_key_name.empty() ? options.log_origin : options.note_key_name;
  SIGNET_ASSIGN_OR_RETURN(LogSigner signer,
                          LogSigner::Create(options.log_origin, key_name, *options.server_key));
  auto impl = std::make_unique<Impl>(std::move(store), std::move(options));
  Impl& r = *impl;

  const auto t0 = std::chrono::steady_clock::now();
  SIGNET_ASSIGN_OR_RETURN(r.log, TransparencyLog::Open(r.store.get(), std::move(signer)));
  SIGNET_ASSIGN_OR_RETURN(GroupCommitter::State state, GroupCommitter::LoadState(*r.store));
  // A data directory from before search (or from older search rules) is
  // indexed once here, before the writer starts (search_index.h).
  SIGNET_ASSIGN_OR_RETURN(r.search_build, search::EnsureIndex(*r.store));
  SIGNET_RETURN_IF_ERROR(r.index.Open(*r.store, *r.log));
  if (r.options.wait_for_index) {
    while (!r.index.WaitUntilComplete(std::chrono::seconds(1))) {
      SIGNET_RETURN_IF_ERROR(r.index.failed());
    }
  }
  r.open_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.writer = std::make_unique<GroupCommitter>(
      r.store.get(), r.log.get(), &r.index, &r.applier,
      GroupCommitter::Options{r.options.clock, r.options.max_group_size, r.options.replicator},
      state);
  return std::unique_ptr<Registry>(new Registry(std::move(impl)));
}

Result<Accepted> Registry::Submit(std::string_view envelope_json) {
  const RegistryOptions& o = impl_->options;
  SIGNET_ASSIGN_OR_RETURN(
      Submission s,
      ParseSubmission(envelope_json, o.clock(), static_cast<Micros>(o.max_clock_skew.count())));
  // Verified here, on the caller's thread, so that signature checks of a group
  // run in parallel; the writer only confirms that the key is still current.
  SIGNET_RETURN_IF_ERROR(PreVerify(s, *impl_->store));
  // Only for a signature that checked out: unauthenticated bytes must not
  // cost a search.
  if (s.statement.type == StatementType::kWorkRegister && !impl_->index.complete() &&
      !impl_->index.WaitUntilComplete(o.registration_index_wait)) {
    // Its dispute search needs every registered work in the index.
    return Status::Unavailable(
        "the fingerprint index is being rebuilt (" + std::to_string(impl_->index.works()) +
        " works so far); work registrations resume when it is complete, retry in a minute");
  }
  if (s.verified_with && s.statement.type == StatementType::kWorkRegister) {
    SIGNET_ASSIGN_OR_RETURN(
        s.early_search,
        impl_->index.SearchEarly(std::get<WorkRegisterBody>(s.statement.body).fingerprint_values));
  }
  return impl_->writer->Submit(std::move(s));
}

Result<std::optional<std::uint64_t>> Registry::FindAccepted(std::string_view envelope_json) const {
  SIGNET_ASSIGN_OR_RETURN(auto at,
                          impl_->store->Get(Column::kStatementIds, StatementIdOf(envelope_json)));
  if (!at) return std::optional<std::uint64_t>();
  SIGNET_ASSIGN_OR_RETURN(std::uint64_t index, keys::ParseU64Key(*at));
  // Visible only once its group is published (the id is written with it).
  if (index >= impl_->log->Size()) return std::optional<std::uint64_t>();
  return std::optional<std::uint64_t>(index);
}

Status Registry::ApplyReplicated(std::span<const Replicated> entries) {
  const std::uint64_t size = impl_->log->Size();
  std::vector<Decided> batch;
  for (const Replicated& e : entries) {
    if (e.decision.log_index < size) continue;  // applied already (decided here)
    // Parsed as the sequencer parsed it, at the time it accepted it; on this
    // thread rather than the writer's, as for Submit.
    auto s = ParseSubmission(e.envelope_json, e.decision.accepted_at,
                             static_cast<Micros>(impl_->options.max_clock_skew.count()));
    if (!s.ok()) {
      return Status::Internal("replicated statement " + std::to_string(e.decision.log_index) +
                              " does not parse: " + s.status().message());
    }
    batch.push_back({std::move(*s), e.decision, e.checkpoint});
  }
  if (batch.empty()) return Status::Ok();
  return impl_->writer->ApplyDecided(std::move(batch));
}

Result<Artist> Registry::GetArtist(std::string_view id) const {
  return impl_->queries.GetArtist(id);
}
Result<std::vector<Work>> Registry::ListArtistWorks(std::string_view artist_id,
                                                    std::string_view cursor, std::size_t limit,
                                                    Page* page) const {
  return impl_->queries.ListArtistWorks(artist_id, cursor, limit, page);
}
Result<Work> Registry::GetWork(std::string_view id) const { return impl_->queries.GetWork(id); }
Result<TermsAnswer> Registry::TermsAt(std::string_view work_id, Micros at) const {
  return impl_->queries.TermsAt(work_id, at);
}
Result<std::string> Registry::ExportTerms(std::string_view work_id, ExportFormat format,
                                          const ExportContext& context) const {
  SIGNET_ASSIGN_OR_RETURN(TermsAnswer a, impl_->queries.TermsAt(work_id, impl_->options.clock()));
  auto text = registry::ExportTerms(a.effective, format, context);
  if (!text) {
    return Status::NotFound(
        "this work has no TDM Policy: every mining purpose is notAllowed, so there is no "
        "licence to offer (its tdmrep rule is a plain reservation)");
  }
  return std::move(*text);
}
Result<std::vector<HistoryEntry>> Registry::WorkHistory(std::string_view work_id) const {
  return impl_->queries.WorkHistory(work_id);
}
Result<std::vector<Dispute>> Registry::ListDisputes(std::string_view cursor, std::size_t limit,
                                                    const DisputeFilter& filter, Page* page) const {
  return impl_->queries.ListDisputes(cursor, limit, filter, page);
}
Result<Dispute> Registry::GetDispute(std::string_view id) const {
  return impl_->queries.GetDispute(id);
}

Result<std::vector<Work>> Registry::SearchWorks(const WorkQuery& query, std::string_view cursor,
                                                std::size_t limit, Page* page) const {
  return search::FindWorks(*impl_->store, query, cursor, limit, page);
}

Result<std::vector<Artist>> Registry::SearchArtists(std::string_view name, std::string_view cursor,
                                                    std::size_t limit, Page* page) const {
  return search::FindArtists(*impl_->store, name, cursor, limit, page);
}

Result<std::vector<WorkMatch>> Registry::Match(std::span<const std::uint32_t> query,
                                               SearchCoverage* coverage) const {
  const fp::QueryVariant v{query, 1.0};
  return MatchWorks(impl_->queries, impl_->index, std::span<const fp::QueryVariant>(&v, 1), nullptr,
                    coverage);
}
Result<std::vector<WorkMatch>> Registry::Match(std::span<const fp::QueryVariant> variants,
                                               const fp::LandmarkPrint* landmark,
                                               SearchCoverage* coverage) const {
  return MatchWorks(impl_->queries, impl_->index, variants, landmark, coverage);
}
bool Registry::IndexComplete() const { return impl_->index.complete(); }
Result<CheckResult> Registry::CheckItem(const CheckRequest& request) const {
  return registry::CheckItem(impl_->queries, impl_->index, request);
}

std::string Registry::Checkpoint() const { return impl_->log->Checkpoint(); }
std::string Registry::VerifierKey() const { return impl_->log->VerifierKey(); }
std::uint64_t Registry::LogSize() const { return impl_->log->Size(); }
Result<std::string> Registry::LogEntry(std::uint64_t index) const {
  return impl_->log->Leaf(index);
}
Result<std::vector<crypto::Digest>> Registry::InclusionProof(std::uint64_t index,
                                                             std::uint64_t size) const {
  return impl_->log->InclusionProof(index, size);
}
Result<std::vector<crypto::Digest>> Registry::ConsistencyProof(std::uint64_t old_size,
                                                               std::uint64_t new_size) const {
  return impl_->log->ConsistencyProof(old_size, new_size);
}
Result<crypto::Receipt> Registry::ReceiptFor(std::uint64_t index) const {
  return impl_->log->ReceiptFor(index);
}

Result<std::string> Registry::LogNodeHashes(std::uint32_t level, std::uint64_t first,
                                            std::uint32_t count) const {
  return impl_->log->NodeHashes(level, first, count);
}
Result<std::vector<std::string>> Registry::LogEntries(std::uint64_t first,
                                                      std::uint32_t count) const {
  return impl_->log->Leaves(first, count);
}
std::string Registry::WitnessedCheckpoint() const { return impl_->log->WitnessedCheckpoint(); }
Status Registry::PublishWitnessedCheckpoint(const std::string& note) {
  return impl_->log->PublishWitnessed(note);
}
Result<crypto::Receipt> Registry::WitnessedReceiptFor(std::uint64_t index) const {
  const std::string note = impl_->log->WitnessedCheckpoint();
  if (note.empty()) return Status::NotFound("no witnessed checkpoint has been published yet");
  SIGNET_ASSIGN_OR_RETURN(LogSigner::Parsed cp, impl_->log->signer().OpenCheckpoint(note));
  if (index >= cp.size) {
    return Status::NotFound("log entry " + std::to_string(index) +
                            " is not in the witnessed checkpoint (size " + std::to_string(cp.size) +
                            ") yet; witnessed checkpoints are "
                            "published every few seconds");
  }
  return impl_->log->MakeReceipt(index, cp.size, note);
}

Stats Registry::GetStats(bool with_index_memory) const {
  const GroupCommitter::Committed c = impl_->writer->committed();
  Stats s;
  s.artists = c.counters.artists;
  s.works = c.counters.works;
  s.withdrawn_works = c.counters.withdrawn_works;
  s.disputes = c.counters.disputes;
  s.open_disputes = c.counters.open_disputes;
  s.statements = c.tree_size;
  s.commit_groups = c.commit_groups;
  s.open_seconds = impl_->open_seconds;
  if (impl_->search_build.rebuilt) {
    s.search_index_backfilled_works = impl_->search_build.works;
    s.search_index_backfill_seconds = impl_->search_build.seconds;
  }
  s.indexed_works = impl_->index.works();
  s.index_positions = impl_->index.positions();
  s.index_complete = impl_->index.complete();
  s.landmark_works = impl_->index.landmark_works();
  if (with_index_memory) {
    const fp::IndexStats is = impl_->index.IndexStats();
    s.index_memory_bytes = is.memory_bytes;
    s.index_segments = is.segments;
    s.index_disk_bytes = is.segment_bytes;
    s.index_busy = is.merging || is.frozen_deltas > 0;
    s.index_posting_bytes = is.posting_bytes;
    s.index_value_bytes = is.value_bytes;
  }
  return s;
}

}  // namespace signet::registry

// The registry facade: the one object the API layer talks to.
//
// Writes: Submit() takes the bytes of a DSSE envelope (crypto/dsse.h JSON form)
// whose payload is a statement (registry/STATEMENTS.md), verifies and applies
// it, and answers with the resulting object and a transparency-log receipt.
// Every accepted statement, its log leaf, the new Merkle nodes, the new tree
// size and the signed checkpoint are written in ONE synced RocksDB batch, so
// an acknowledged statement survives kill -9 and the log never disagrees with
// the registry (registry/STORAGE.md). Concurrent Submit() calls are grouped:
// a single writer thread drains every pending statement, applies each against
// the state left by the earlier ones, writes one synced batch for the group,
// signs one checkpoint, then answers each caller.
//
// Reads: every other method reads committed state and may run concurrently
// with each other and with the writer. A read sees each statement either
// entirely or not at all except across column families of different
// statements (it may see a newer work next to an older artist record).
//
// Error codes (common/status.h, mapped to HTTP by api/):
//   InvalidArgument     malformed envelope, payload, field or identifier (400)
//   Unauthenticated     signature does not verify with the key it must (401)
//   PermissionDenied    signed by a key that is not the artist's current key,
//                       or touching another artist's work/dispute (403)
//   FailedPrecondition  stale or replayed seq, unknown artist, withdrawn work (409)
//   AlreadyExists       artist already registered (409)
//   NotFound            unknown id on the read side (404)
//   Unavailable/IoError storage failure (503/500)
//
// The values it takes and answers with are in registry/model.h; the units
// behind it are listed in registry/STORAGE.md ("Who owns what").
//
// Thread safety: all methods are thread-safe. Destroying the Registry while
// calls are in flight is a bug: stop the callers first.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/ed25519.h"
#include "crypto/receipt.h"
#include "crypto/sha256.h"
#include "fingerprint/matcher.h"
#include "registry/model.h"
#include "registry/rocksdb_store.h"
#include "registry/terms.h"

namespace signet::registry {

class IndexBackend;
class Replicator;
class Store;
struct Replicated;

struct RegistryOptions {
  // C2SP checkpoint origin line, e.g. "signet.example.org/log". Required.
  std::string log_origin;
  // Key name in the signed note ("signet.example.org"); defaults to log_origin.
  std::string note_key_name;
  // The server's log key. Required; shared so that the owner (signetd) can
  // keep using it.
  std::shared_ptr<const crypto::SecretKey> server_key;
  // Clock used for issued_at checks and for acceptance timestamps (terms history).
  Clock clock = SystemNowMicros;
  // issued_at may be at most this far in the future of clock().
  std::chrono::microseconds max_clock_skew = std::chrono::minutes(5);
  // Matching of new registrations against existing works and of Match/CheckItem.
  fp::MatcherOptions matcher;
  // The fingerprint index. Open(dir, ...) persists it in dir/index unless
  // index.directory names another place; Open(store, ...) keeps it in memory
  // unless index.directory is set.
  fp::IndexOptions index;
  // RocksDB caches and memtables (Open(dir, ...) only).
  RocksDbStoreOptions storage;
  // At most this many statements are committed in one synced batch.
  std::size_t max_group_size = 4096;
  // A cluster (docs/CLUSTER.md, cluster/): where the fingerprint index lives
  // (null: one WorkIndex of every live work, built here) and the replicated
  // stream statements are stored in before RocksDB (null: one machine). Both
  // must outlive the Registry.
  IndexBackend* index_backend = nullptr;
  Replicator* replicator = nullptr;
  // When the index must be rebuilt: true, Open returns once it is complete;
  // false, Open returns at once, queries answer from what is indexed so far
  // (Stats::index_complete false) and work registrations wait for it up to
  // registration_index_wait, then fail with Unavailable.
  bool wait_for_index = true;
  std::chrono::milliseconds registration_index_wait = std::chrono::seconds(30);
  // Start-up events of the index (opened, replayed, rebuilding and why).
  std::function<void(std::string_view)> log;
  // Tests only: called on the rebuild thread before an index rebuild starts.
  std::function<void()> before_index_rebuild;
};

class Registry {
 public:
  // Opens (creating if needed) the RocksDB database in `dir`, checks that the
  // stored checkpoint matches the root recomputed from stored nodes, opens
  // the fingerprint index (replaying what its files do not cover, or
  // rebuilding it: registry/work_index.h) and starts the writer thread.
  static Result<std::unique_ptr<Registry>> Open(const std::filesystem::path& dir,
                                                RegistryOptions options);
  // Same over any Store (tests, other backends).
  static Result<std::unique_ptr<Registry>> Open(std::unique_ptr<Store> store,
                                                RegistryOptions options);

  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  ~Registry();  // stops the writer after it has answered every pending Submit

  // Blocks until the statement is durably committed (or rejected).
  Result<Accepted> Submit(std::string_view envelope_json);
  // The log index of the statement these exact envelope bytes are, if it was
  // accepted (its statement id is their SHA-256): a retried submission's
  // answer.
  Result<std::optional<std::uint64_t>> FindAccepted(std::string_view envelope_json) const;

  // A replica (docs/CLUSTER.md): applies statements the sequencer decided, in
  // log order, without deciding them again; entries below LogSize() are
  // skipped. Blocks until they are durable. Errors: GroupCommitter::
  // ApplyDecided (a gap, an entry that does not apply, a checkpoint that does
  // not sign the root computed here).
  Status ApplyReplicated(std::span<const Replicated> entries);

  Result<Artist> GetArtist(std::string_view artist_id) const;
  // Works of an artist ordered by work id, starting after `cursor` (empty: from
  // the start); limit is clamped to [1, 1000].
  Result<std::vector<Work>> ListArtistWorks(std::string_view artist_id, std::string_view cursor,
                                            std::size_t limit, Page* page) const;
  Result<Work> GetWork(std::string_view work_id) const;
  // Terms in force at `at` (server acceptance time), see terms.h for resolution.
  Result<TermsAnswer> TermsAt(std::string_view work_id, Micros at) const;
  // The terms in force now in another standard's form (terms.h ExportTerms;
  // the context's URLs are the caller's). NotFound when the format has
  // nothing true to say about these terms (a TDM Policy with no permission).
  Result<std::string> ExportTerms(std::string_view work_id, ExportFormat format,
                                  const ExportContext& context) const;
  // Every accepted statement that touched the work, oldest first.
  Result<std::vector<HistoryEntry>> WorkHistory(std::string_view work_id) const;
  Result<std::vector<Dispute>> ListDisputes(std::string_view cursor, std::size_t limit,
                                            const DisputeFilter& filter, Page* page) const;
  Result<Dispute> GetDispute(std::string_view dispute_id) const;
  // Works that meet `query` (withdrawn ones too), in work id order after
  // `cursor`, and artists whose name has a word beginning with each word of
  // `name`, in artist id order; limit clamped to [1, 1000]
  // (registry/search_index.h: how words are read and matched).
  // InvalidArgument when there is nothing to search for.
  Result<std::vector<Work>> SearchWorks(const WorkQuery& query, std::string_view cursor,
                                        std::size_t limit, Page* page) const;
  Result<std::vector<Artist>> SearchArtists(std::string_view name, std::string_view cursor,
                                            std::size_t limit, Page* page) const;

  // Works found in a raw query fingerprint (live works only), best first.
  // `coverage` (optional): how much of the index was searched (all of it on
  // one machine; a cluster may answer from some shards only).
  Result<std::vector<WorkMatch>> Match(std::span<const std::uint32_t> query,
                                       SearchCoverage* coverage = nullptr) const;
  // The same with speed variants of the query (fingerprint/matcher.h); times
  // in the segments are the original query's.
  // With `landmark` (an audio query's landmark print, LandmarkOptions::Query()),
  // both prints are matched and merged per work (fingerprint/fusion.h).
  Result<std::vector<WorkMatch>> Match(std::span<const fp::QueryVariant> variants,
                                       const fp::LandmarkPrint* landmark = nullptr,
                                       SearchCoverage* coverage = nullptr) const;
  // False while the fingerprint index is being rebuilt: Match and CheckItem
  // then answer from the works indexed so far.
  bool IndexComplete() const;
  // The dataset check for one item: by sha256 (exact) and/or fingerprint.
  Result<CheckResult> CheckItem(const CheckRequest& request) const;

  // Latest signed checkpoint (C2SP signed note text).
  std::string Checkpoint() const;
  // The log's verifier key in signed-note text form (name+hex(keyid)+base64).
  std::string VerifierKey() const;
  std::uint64_t LogSize() const;
  // The envelope bytes of leaf `index`, verbatim.
  Result<std::string> LogEntry(std::uint64_t index) const;
  // REQUIRES: index < size <= LogSize().
  Result<std::vector<crypto::Digest>> InclusionProof(std::uint64_t index, std::uint64_t size) const;
  // REQUIRES: old_size <= new_size <= LogSize().
  Result<std::vector<crypto::Digest>> ConsistencyProof(std::uint64_t old_size,
                                                       std::uint64_t new_size) const;
  // Receipt for leaf `index` against the latest checkpoint.
  Result<crypto::Receipt> ReceiptFor(std::uint64_t index) const;
  // C2SP tlog-tiles reads (crypto/tiles.h), from the stored hashes and leaves
  // with one range scan each; at most 256 per call. NotFound beyond the log.
  Result<std::string> LogNodeHashes(std::uint32_t level, std::uint64_t first,
                                    std::uint32_t count) const;
  Result<std::vector<std::string>> LogEntries(std::uint64_t first, std::uint32_t count) const;
  // The newest checkpoint witnesses cosigned ("" before the first), and its
  // publication (server/checkpoint_publisher.h): durable, checked against the
  // stored tree, never going back (registry/transparency_log.h).
  std::string WitnessedCheckpoint() const;
  Status PublishWitnessedCheckpoint(const std::string& note);
  // Receipt for leaf `index` against the witnessed checkpoint. NotFound when
  // none is published or the leaf is not in its tree.
  Result<crypto::Receipt> WitnessedReceiptFor(std::uint64_t index) const;

  // Counts for /metrics; cheap. `with_index_memory` also fills
  // index_memory_bytes, which walks the index's mutable part (O(recent
  // additions), under the index's read lock): ask for it rarely.
  Stats GetStats(bool with_index_memory = false) const;

 private:
  struct Impl;
  explicit Registry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace signet::registry

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
#include <memory>
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
#include "registry/terms.h"

namespace signet::registry {

class Store;

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
  // The in-memory fingerprint index (rebuilt from RocksDB at Open).
  fp::IndexOptions index;
  // At most this many statements are committed in one synced batch.
  std::size_t max_group_size = 4096;
};

class Registry {
 public:
  // Opens (creating if needed) the RocksDB database in `dir`, checks that the
  // stored checkpoint matches the root recomputed from stored nodes, rebuilds
  // the fingerprint index and starts the writer thread.
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

  Result<Artist> GetArtist(std::string_view artist_id) const;
  // Works of an artist ordered by work id, starting after `cursor` (empty: from
  // the start); limit is clamped to [1, 1000].
  Result<std::vector<Work>> ListArtistWorks(std::string_view artist_id, std::string_view cursor,
                                            std::size_t limit, Page* page) const;
  Result<Work> GetWork(std::string_view work_id) const;
  // Terms in force at `at` (server acceptance time), see terms.h for resolution.
  Result<TermsAnswer> TermsAt(std::string_view work_id, Micros at) const;
  // The terms in force now in another standard's form; `location` is the URL
  // path a TDMRep rule names (the API's, e.g. its work path).
  Result<std::string> ExportTerms(std::string_view work_id, ExportFormat format,
                                  std::string_view location) const;
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
  Result<std::vector<WorkMatch>> Match(std::span<const std::uint32_t> query) const;
  // The same with speed variants of the query (fingerprint/matcher.h); times
  // in the segments are the original query's.
  Result<std::vector<WorkMatch>> Match(std::span<const fp::QueryVariant> variants) const;
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

// Store: the ordered key-value storage the registry sits on, split into
// column families named for the registry's access paths (registry/STORAGE.md
// has the key layout of each). The registry owns every key and value format;
// a Store only keeps bytes. RocksDbStore (registry/rocksdb_store.h) is the
// production implementation; another backend only has to honour the two
// guarantees below.
//
// Guarantees:
//   - Write() applies every operation of a WriteSet atomically: after a crash
//     either all of them are visible or none.
//   - Write() returns OK only once the data is durable (synced to stable
//     storage): an acknowledged write survives kill -9 and power loss.
//     Except a WriteSet marked set_sync(false): a cluster node's batches,
//     whose statements a quorum of the replicated stream already holds
//     (docs/CLUSTER.md); they are still atomic and survive kill -9 (the OS
//     keeps the log), and after a power loss the node applies the lost tail
//     from the stream again.
//
// Thread safety: every method may be called from several threads at once.
// Reads see committed writes; there is no read-your-writes inside a WriteSet
// (the registry overlays its pending writes itself).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace signet::registry {

enum class Column : std::uint8_t {
  kMeta = 0,      // tree size, latest checkpoint, counters
  kLogLeaves,     // log index -> envelope bytes (statements by log index)
  kLogNodes,      // (level, index) -> Merkle node hash
  kStatementIds,  // statement id -> log index
  kArtists,       // artist id -> artist record
  kWorks,         // work id -> work record
  kArtistWorks,   // (artist id, work id) -> ""
  kTermsHistory,  // (owner, accepted_at, log index) -> terms record
  kWorkHistory,   // (work id, log index) -> history entry
  kFingerprints,  // index ref id -> work id, live flag, raw sub-fingerprints
  kSha256,        // file SHA-256 -> work id
  kDisputes,      // dispute id -> dispute record
  kSearch,        // search index entries "<list>/<id>" -> "" (registry/search_index.h)
  kLandmarks,     // index ref id -> work id, landmark print (fingerprint/landmark_codec.h)
};
inline constexpr std::size_t kColumnCount = 14;
// The RocksDB column family name, e.g. "log_leaves". kMeta is "default".
std::string_view ColumnName(Column c);

// A batch of puts and deletes applied atomically by Store::Write.
class WriteSet {
 public:
  struct Op {
    Column column;
    std::string key;
    std::optional<std::string> value;  // nullopt: delete
  };

  void Put(Column c, std::string key, std::string value) {
    ops_.push_back({c, std::move(key), std::move(value)});
  }
  void Delete(Column c, std::string key) { ops_.push_back({c, std::move(key), std::nullopt}); }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  void clear() { ops_.clear(); }
  // Whether Write waits for stable storage (the default; see above).
  bool sync() const { return sync_; }
  void set_sync(bool sync) { sync_ = sync; }

 private:
  std::vector<Op> ops_;
  bool sync_ = true;
};

class Store {
 public:
  virtual ~Store() = default;

  // nullopt when the key is absent.
  virtual Result<std::optional<std::string>> Get(Column c, std::string_view key) const = 0;

  // Visits, in key order, the entries whose key starts with `prefix` and is
  // >= `start` (start empty: from the first), until `visit` returns false.
  virtual Status Scan(
      Column c, std::string_view prefix, std::string_view start,
      const std::function<bool(std::string_view key, std::string_view value)>& visit) const = 0;

  // The entry with the greatest key that starts with `prefix` and is <= `upper`.
  virtual Result<std::optional<std::pair<std::string, std::string>>> FindLastAtOrBefore(
      Column c, std::string_view prefix, std::string_view upper) const = 0;

  // Atomic and durable; see the guarantees above.
  virtual Status Write(const WriteSet& batch) = 0;
};

}  // namespace signet::registry

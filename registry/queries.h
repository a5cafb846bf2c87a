// Queries: the registry's reads of committed records (artists, works, terms
// in force, work history, disputes) over the Store, by the keys of
// registry/keys.h. Matching audio against works is registry/matching.h.
//
// A read sees each statement either entirely or not at all except across
// column families of different statements (registry/registry.h).
//
// Thread safety: const methods over a Store that may be read and written
// from any thread; safe to call concurrently.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "registry/model.h"
#include "registry/store.h"

namespace signet::registry {

class Queries {
 public:
  // REQUIRES: `store` outlives the Queries.
  explicit Queries(const Store& store) : store_(store) {}

  // NotFound for an unknown id.
  Result<Artist> GetArtist(std::string_view artist_id) const;
  Result<Work> GetWork(std::string_view work_id) const;
  Result<Dispute> GetDispute(std::string_view dispute_id) const;
  // The id of the first work registered with this file SHA-256, if any.
  Result<std::optional<std::string>> WorkIdBySha256(std::string_view sha256_hex) const;

  // Works of an artist ordered by work id, starting after `cursor` (empty:
  // from the start); limit is clamped to [1, 1000].
  Result<std::vector<Work>> ListArtistWorks(std::string_view artist_id, std::string_view cursor,
                                            std::size_t limit, Page* page) const;
  // Terms in force at `at` (server acceptance time), see terms.h.
  Result<TermsAnswer> TermsAt(std::string_view work_id, Micros at) const;
  // Every accepted statement that touched the work, oldest first.
  Result<std::vector<HistoryEntry>> WorkHistory(std::string_view work_id) const;
  // Disputes in id order after `cursor`; limit is clamped to [1, 1000].
  Result<std::vector<Dispute>> ListDisputes(std::string_view cursor, std::size_t limit,
                                            const DisputeFilter& filter, Page* page) const;

 private:
  const Store& store_;
};

}  // namespace signet::registry

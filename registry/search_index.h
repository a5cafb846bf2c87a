// The registry's secondary indexes for search: works by title words, artist
// name, artist id, ISRC and ISWC (GET /v1/works), artists by name
// (GET /v1/artists). registry/STORAGE.md has the key layout (column family
// `search`); registry/search_text.h says how titles and names are read.
//
// Every index entry is a key with an empty value, "<list>/<id>", so that each
// list (one title-token prefix, one ISRC, ...) is a run of keys in id order.
// A query intersects its lists by leapfrogging (seek every list to the
// largest id any list is at, until all agree), so a page costs a few seeks
// per result whatever the size of the lists, and a cursor is the last id.
// Every candidate is then checked against its record, so an entry that
// disagrees with its record is never answered (and a query token longer
// than the indexed prefix is checked in full).
//
// Maintenance: the statement applier writes a work's entries (and removes
// the ones its previous metadata had) in the same atomic batch as the work
// record, and an artist's with the artist record. At Open, EnsureIndex
// rebuilds the whole column family from the work and artist records when
// the data directory's index version (kMeta "search_index") is not
// kIndexVersion: a directory made before search existed is backfilled once,
// and a change of the normalisation rules re-indexes on upgrade.
//
// Thread safety: pure functions over a Store that may be read concurrently.
// EnsureIndex must run before any statement is applied.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "registry/model.h"
#include "registry/store.h"

namespace signet::registry::search {

// Bump when WorkKeys, ArtistKeys or search_text.h change what is stored.
inline constexpr std::string_view kIndexVersion = "2";
// Token prefixes of kMinPrefix..kMaxPrefix code points are indexed, and
// words shorter than kMinPrefix whole: a one-letter query word finds
// one-letter words only (as a beginning it would match most of the catalogue
// and cost an entry per word). Longer query words are looked up by their
// first kMaxPrefix code points and checked in full.
inline constexpr std::size_t kMinPrefix = 2;
inline constexpr std::size_t kMaxPrefix = 24;

// The `search` keys that a work, owned by an artist called
// `artist_display_name`, and an artist own.
std::vector<std::string> WorkKeys(const Work& work, std::string_view artist_display_name);
std::vector<std::string> ArtistKeys(const Artist& artist);

// Adds to `batch` (a WriteSet, or anything with the same Put and Delete) the
// writes that turn the entries `before` into `after`: deletes of those no
// longer wanted, puts of the new ones.
template <typename Batch>
void ReplaceKeys(Batch& batch, std::vector<std::string> before, std::vector<std::string> after);

// Works that meet `query`, in work id order after `cursor` (empty: from the
// start); limit clamped to [1, 1000]. InvalidArgument when the query has no
// condition, or a text with no letters or digits in it.
Result<std::vector<Work>> FindWorks(const Store& store, const WorkQuery& query,
                                    std::string_view cursor, std::size_t limit, Page* page);
// Artists whose display name has a word beginning with each word of `name`,
// in artist id order after `cursor`.
Result<std::vector<Artist>> FindArtists(const Store& store, std::string_view name,
                                        std::string_view cursor, std::size_t limit, Page* page);

struct IndexBuild {
  bool rebuilt = false;  // false: the stored index was current
  std::size_t works = 0, artists = 0, keys = 0;
  double seconds = 0;
};
// Rebuilds the index from the records unless it is at kIndexVersion. Writes
// in bounded batches; the version is written last, so an interrupted
// rebuild starts again at the next Open.
Result<IndexBuild> EnsureIndex(Store& store);

// ---- template definition ----------------------------------------------------

template <typename Batch>
void ReplaceKeys(Batch& batch, std::vector<std::string> before, std::vector<std::string> after) {
  std::sort(before.begin(), before.end());
  before.erase(std::unique(before.begin(), before.end()), before.end());
  std::sort(after.begin(), after.end());
  after.erase(std::unique(after.begin(), after.end()), after.end());
  std::size_t i = 0, j = 0;
  while (i < before.size() || j < after.size()) {
    if (j == after.size() || (i < before.size() && before[i] < after[j])) {
      batch.Delete(Column::kSearch, std::move(before[i++]));
    } else if (i == before.size() || after[j] < before[i]) {
      batch.Put(Column::kSearch, std::move(after[j++]), std::string());
    } else {
      ++i;
      ++j;
    }
  }
}

}  // namespace signet::registry::search

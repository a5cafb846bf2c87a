#include "registry/search_index.h"

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include "registry/keys.h"
#include "registry/records.h"
#include "registry/search_text.h"

namespace signet::registry::search {
namespace {

// One list per distinct prefix (kMinPrefix..kMaxPrefix code points) of every
// token, and per shorter token.
using ListFn = std::string (*)(std::string_view);

void AddPrefixKeys(ListFn list, std::string_view text, std::string_view id,
                   std::vector<std::string>& out) {
  std::set<std::string_view> prefixes;
  const std::vector<std::string> tokens = Tokens(text);
  for (const std::string& t : tokens) {
    const std::size_t length = CodePointCount(t);
    if (length < kMinPrefix) prefixes.insert(t);
    for (std::size_t k = kMinPrefix; k <= std::min(length, kMaxPrefix); ++k) {
      prefixes.insert(CodePointPrefix(t, k));
    }
  }
  for (std::string_view p : prefixes) out.push_back(list(p).append(id));
}

struct List {
  Column column;
  std::string prefix;
};

// The first id >= `id` in `list`, if any.
Result<std::optional<std::string>> FirstAtOrAfter(const Store& store, const List& list,
                                                  std::string_view id) {
  std::optional<std::string> out;
  SIGNET_RETURN_IF_ERROR(store.Scan(list.column, list.prefix, list.prefix + std::string(id),
                                    [&](std::string_view key, std::string_view) {
                                      out = std::string(key.substr(list.prefix.size()));
                                      return false;
                                    }));
  return out;
}

// Visits the ids that are in every list, in byte order, after `after`, until
// `visit` returns false. REQUIRES: lists not empty.
Status Intersect(const Store& store, const std::vector<List>& lists, std::string_view after,
                 const std::function<Result<bool>(const std::string&)>& visit) {
  std::string candidate(after);
  if (!after.empty()) candidate.push_back('\0');  // the smallest id after `after`
  for (;;) {
    bool agreed = false;
    while (!agreed) {
      agreed = true;
      for (const List& l : lists) {
        SIGNET_ASSIGN_OR_RETURN(auto next, FirstAtOrAfter(store, l, candidate));
        if (!next) return Status::Ok();
        if (*next != candidate) {
          candidate = std::move(*next);
          agreed = false;
          break;
        }
      }
    }
    SIGNET_ASSIGN_OR_RETURN(bool more, visit(candidate));
    if (!more) return Status::Ok();
    candidate.push_back('\0');
  }
}

// Query words, deduplicated; InvalidArgument when text was given but has none.
Result<std::vector<std::string>> QueryTokens(std::string_view text, std::string_view what) {
  std::vector<std::string> tokens = Tokens(text);
  if (!text.empty() && tokens.empty()) {
    return Status::InvalidArgument(std::string(what) +
                                   " has no letters or digits to search for; give a word");
  }
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  return tokens;
}

void AddTokenLists(ListFn list, const std::vector<std::string>& tokens, std::vector<List>& lists) {
  std::set<std::string> seen;
  for (const std::string& t : tokens) {
    std::string prefix = list(CodePointPrefix(t, kMaxPrefix));
    if (seen.insert(prefix).second) lists.push_back({Column::kSearch, std::move(prefix)});
  }
}

// Every query word begins some word of `text` (is one, if shorter than
// kMinPrefix), as the index has it.
bool WordsBegin(const std::vector<std::string>& query, std::string_view text) {
  const std::vector<std::string> words = Tokens(text);
  for (const std::string& q : query) {
    const bool whole = CodePointCount(q) < kMinPrefix;
    bool found = false;
    for (const std::string& w : words) found = found || (whole ? w == q : w.starts_with(q));
    if (!found) return false;
  }
  return true;
}

// Pages through the intersection: up to `limit` accepted records, and
// whether another follows (then next_cursor is the last id answered).
template <typename Record>
Result<std::vector<Record>> Collect(
    const Store& store, const std::vector<List>& lists, std::string_view cursor, std::size_t limit,
    Page* page, const std::function<Result<std::optional<Record>>(const std::string&)>& accept) {
  limit = std::clamp<std::size_t>(limit, 1, 1000);
  std::vector<Record> out;
  bool more = false;
  SIGNET_RETURN_IF_ERROR(
      Intersect(store, lists, cursor, [&](const std::string& id) -> Result<bool> {
        SIGNET_ASSIGN_OR_RETURN(std::optional<Record> r, accept(id));
        if (!r) return true;
        if (out.size() == limit) {
          more = true;
          return false;
        }
        out.push_back(std::move(*r));
        return true;
      }));
  if (page) page->next_cursor = more ? out.back().id : std::string();
  return out;
}

// Reads a column in chunks (so that the caller may write between them):
// calls `chunk` with up to `n` (key, value) pairs at a time, in key order.
Status ScanInChunks(
    const Store& store, Column column, std::size_t n,
    const std::function<Status(std::vector<std::pair<std::string, std::string>>&)>& chunk) {
  std::string start;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> items;
    SIGNET_RETURN_IF_ERROR(
        store.Scan(column, "", start, [&](std::string_view k, std::string_view v) {
          items.emplace_back(std::string(k), std::string(v));
          return items.size() < n;
        }));
    if (items.empty()) return Status::Ok();
    start = items.back().first + '\0';
    const bool last = items.size() < n;
    SIGNET_RETURN_IF_ERROR(chunk(items));
    if (last) return Status::Ok();
  }
}

constexpr std::size_t kChunk = 2000;         // records read at a time
constexpr std::size_t kMaxBatchOps = 20000;  // writes per synced batch

}  // namespace

std::vector<std::string> WorkKeys(const Work& work, std::string_view artist_display_name) {
  std::vector<std::string> out;
  AddPrefixKeys(keys::SearchTitleList, work.title, work.id, out);
  AddPrefixKeys(keys::SearchWorkArtistList, artist_display_name, work.id, out);
  if (work.isrc) out.push_back(keys::SearchIsrcList(*work.isrc).append(work.id));
  if (work.iswc) out.push_back(keys::SearchIswcList(*work.iswc).append(work.id));
  return out;
}

std::vector<std::string> ArtistKeys(const Artist& artist) {
  std::vector<std::string> out;
  AddPrefixKeys(keys::SearchArtistNameList, artist.display_name, artist.id, out);
  return out;
}

Result<std::vector<Work>> FindWorks(const Store& store, const WorkQuery& q, std::string_view cursor,
                                    std::size_t limit, Page* page) {
  SIGNET_ASSIGN_OR_RETURN(std::vector<std::string> title, QueryTokens(q.title, "the title"));
  SIGNET_ASSIGN_OR_RETURN(std::vector<std::string> artist,
                          QueryTokens(q.artist_name, "the artist name"));
  std::vector<List> lists;
  if (q.isrc) lists.push_back({Column::kSearch, keys::SearchIsrcList(*q.isrc)});
  if (q.iswc) lists.push_back({Column::kSearch, keys::SearchIswcList(*q.iswc)});
  // A work's artist is a list of its own already: artist_works, by work id.
  if (q.artist_id) lists.push_back({Column::kArtistWorks, keys::ArtistWorksPrefix(*q.artist_id)});
  AddTokenLists(keys::SearchTitleList, title, lists);
  AddTokenLists(keys::SearchWorkArtistList, artist, lists);
  if (lists.empty()) {
    return Status::InvalidArgument(
        "say what to search for: title words, an artist name or id, an ISRC or an ISWC");
  }
  std::map<std::string, std::string> names;  // artist id -> display name, this query's
  return Collect<Work>(
      store, lists, cursor, limit, page, [&](const std::string& id) -> Result<std::optional<Work>> {
        SIGNET_ASSIGN_OR_RETURN(auto v, store.Get(Column::kWorks, id));
        if (!v) return std::optional<Work>();
        SIGNET_ASSIGN_OR_RETURN(Work w, records::DecodeWork(*v));
        if ((q.isrc && w.isrc != q.isrc) || (q.iswc && w.iswc != q.iswc) ||
            (q.artist_id && w.artist != *q.artist_id) || !WordsBegin(title, w.title)) {
          return std::optional<Work>();
        }
        if (!artist.empty()) {
          auto it = names.find(w.artist);
          if (it == names.end()) {
            SIGNET_ASSIGN_OR_RETURN(auto av, store.Get(Column::kArtists, w.artist));
            std::string name;
            if (av) {
              SIGNET_ASSIGN_OR_RETURN(Artist a, records::DecodeArtist(*av));
              name = a.display_name;
            }
            it = names.emplace(w.artist, std::move(name)).first;
          }
          if (!WordsBegin(artist, it->second)) return std::optional<Work>();
        }
        return std::optional<Work>(std::move(w));
      });
}

Result<std::vector<Artist>> FindArtists(const Store& store, std::string_view name,
                                        std::string_view cursor, std::size_t limit, Page* page) {
  SIGNET_ASSIGN_OR_RETURN(std::vector<std::string> tokens, QueryTokens(name, "the name"));
  if (tokens.empty()) return Status::InvalidArgument("say which name to search for: ?q=WORDS");
  std::vector<List> lists;
  AddTokenLists(keys::SearchArtistNameList, tokens, lists);
  return Collect<Artist>(store, lists, cursor, limit, page,
                         [&](const std::string& id) -> Result<std::optional<Artist>> {
                           SIGNET_ASSIGN_OR_RETURN(auto v, store.Get(Column::kArtists, id));
                           if (!v) return std::optional<Artist>();
                           SIGNET_ASSIGN_OR_RETURN(Artist a, records::DecodeArtist(*v));
                           if (!WordsBegin(tokens, a.display_name)) return std::optional<Artist>();
                           return std::optional<Artist>(std::move(a));
                         });
}

Result<IndexBuild> EnsureIndex(Store& store) {
  IndexBuild build;
  SIGNET_ASSIGN_OR_RETURN(auto version, store.Get(Column::kMeta, keys::kSearchIndexVersion));
  if (version && *version == kIndexVersion) return build;
  const auto start = std::chrono::steady_clock::now();
  build.rebuilt = true;
  WriteSet batch;
  auto flush = [&](bool force) -> Status {
    if (batch.empty() || (!force && batch.ops().size() < kMaxBatchOps)) return Status::Ok();
    SIGNET_RETURN_IF_ERROR(store.Write(batch));
    batch.clear();
    return Status::Ok();
  };
  // Whatever an older version (or an interrupted rebuild) left goes first.
  SIGNET_RETURN_IF_ERROR(ScanInChunks(store, Column::kSearch, kChunk, [&](auto& items) {
    for (auto& [k, v] : items) batch.Delete(Column::kSearch, std::move(k));
    return flush(false);
  }));
  SIGNET_RETURN_IF_ERROR(flush(true));
  std::map<std::string, std::string> names;
  SIGNET_RETURN_IF_ERROR(ScanInChunks(store, Column::kArtists, kChunk, [&](auto& items) -> Status {
    for (const auto& [k, v] : items) {
      SIGNET_ASSIGN_OR_RETURN(Artist a, records::DecodeArtist(v));
      for (std::string& key : ArtistKeys(a)) {
        batch.Put(Column::kSearch, std::move(key), std::string());
        ++build.keys;
      }
      names.emplace(a.id, a.display_name);
      ++build.artists;
    }
    return flush(false);
  }));
  SIGNET_RETURN_IF_ERROR(ScanInChunks(store, Column::kWorks, kChunk, [&](auto& items) -> Status {
    for (const auto& [k, v] : items) {
      SIGNET_ASSIGN_OR_RETURN(Work w, records::DecodeWork(v));
      auto name = names.find(w.artist);
      for (std::string& key : WorkKeys(w, name == names.end() ? "" : name->second)) {
        batch.Put(Column::kSearch, std::move(key), std::string());
        ++build.keys;
      }
      ++build.works;
    }
    return flush(false);
  }));
  batch.Put(Column::kMeta, std::string(keys::kSearchIndexVersion), std::string(kIndexVersion));
  SIGNET_RETURN_IF_ERROR(flush(true));
  build.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return build;
}

}  // namespace signet::registry::search

#include "registry/queries.h"

#include <algorithm>
#include <utility>

#include "registry/keys.h"
#include "registry/records.h"

namespace signet::registry {
namespace {

// The terms record of `owner` in force at `at`.
Result<std::optional<records::TermsRecord>> TermsRecordAt(const Store& store,
                                                          std::string_view owner, Micros at) {
  const std::string upper = keys::TermsHistoryKey(owner, at, ~0ULL);
  SIGNET_ASSIGN_OR_RETURN(auto e, store.FindLastAtOrBefore(Column::kTermsHistory, owner, upper));
  if (!e) return std::optional<records::TermsRecord>();
  SIGNET_ASSIGN_OR_RETURN(auto rec, records::DecodeTermsRecord(e->second));
  return std::optional<records::TermsRecord>(std::move(rec));
}

}  // namespace

Result<Artist> Queries::GetArtist(std::string_view id) const {
  SIGNET_ASSIGN_OR_RETURN(auto v, store_.Get(Column::kArtists, id));
  if (!v) return Status::NotFound("artist " + std::string(id) + " is not registered");
  return records::DecodeArtist(*v);
}

Result<Work> Queries::GetWork(std::string_view id) const {
  SIGNET_ASSIGN_OR_RETURN(auto v, store_.Get(Column::kWorks, id));
  if (!v) return Status::NotFound("work " + std::string(id) + " is not registered");
  return records::DecodeWork(*v);
}

Result<Dispute> Queries::GetDispute(std::string_view id) const {
  SIGNET_ASSIGN_OR_RETURN(auto v, store_.Get(Column::kDisputes, id));
  if (!v) return Status::NotFound("dispute " + std::string(id) + " does not exist");
  return records::DecodeDispute(*v);
}

Result<std::optional<std::string>> Queries::WorkIdBySha256(std::string_view sha256_hex) const {
  return store_.Get(Column::kSha256, sha256_hex);
}

Result<std::vector<Work>> Queries::ListArtistWorks(std::string_view artist_id,
                                                   std::string_view cursor, std::size_t limit,
                                                   Page* page) const {
  SIGNET_ASSIGN_OR_RETURN(Artist a, GetArtist(artist_id));
  limit = std::clamp<std::size_t>(limit, 1, 1000);
  const std::string prefix = keys::ArtistWorksPrefix(artist_id);
  std::string start = prefix;
  if (!cursor.empty()) start.append(cursor).push_back('\0');
  std::vector<std::string> ids;
  bool more = false;
  SIGNET_RETURN_IF_ERROR(
      store_.Scan(Column::kArtistWorks, prefix, start, [&](std::string_view key, std::string_view) {
        if (ids.size() == limit) {
          more = true;
          return false;
        }
        ids.emplace_back(key.substr(prefix.size()));
        return true;
      }));
  std::vector<Work> out;
  for (const auto& id : ids) {
    SIGNET_ASSIGN_OR_RETURN(Work w, GetWork(id));
    out.push_back(std::move(w));
  }
  if (page) page->next_cursor = more && !ids.empty() ? ids.back() : std::string();
  return out;
}

Result<TermsAnswer> Queries::TermsAt(std::string_view work_id, Micros at) const {
  SIGNET_ASSIGN_OR_RETURN(Work w, GetWork(work_id));
  TermsAnswer a;
  a.work_id = w.id;
  a.at = at;
  SIGNET_ASSIGN_OR_RETURN(auto wt, TermsRecordAt(store_, keys::TermsOwnerWork(w.id), at));
  SIGNET_ASSIGN_OR_RETURN(auto dt, TermsRecordAt(store_, keys::TermsOwnerArtist(w.artist), at));
  if (wt) {
    a.work_terms = wt->terms;
    a.work_terms_log_index = wt->log_index;
    a.work_terms_since = wt->accepted_at;
  }
  if (dt) {
    a.default_terms = dt->terms;
    a.default_terms_log_index = dt->log_index;
    a.default_terms_since = dt->accepted_at;
  }
  a.effective = ResolveTerms(wt ? &wt->terms : nullptr, dt ? &dt->terms : nullptr);
  return a;
}

Result<std::vector<HistoryEntry>> Queries::WorkHistory(std::string_view work_id) const {
  SIGNET_ASSIGN_OR_RETURN(Work w, GetWork(work_id));
  std::vector<HistoryEntry> out;
  Status st;
  SIGNET_RETURN_IF_ERROR(store_.Scan(Column::kWorkHistory, keys::WorkHistoryPrefix(w.id), "",
                                     [&](std::string_view, std::string_view v) {
                                       auto h = records::DecodeHistoryEntry(v);
                                       if (!h.ok()) {
                                         st = h.status();
                                         return false;
                                       }
                                       out.push_back(std::move(*h));
                                       return true;
                                     }));
  SIGNET_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<Dispute>> Queries::ListDisputes(std::string_view cursor, std::size_t limit,
                                                   const DisputeFilter& f, Page* page) const {
  limit = std::clamp<std::size_t>(limit, 1, 1000);
  std::string start;
  if (!cursor.empty()) start = std::string(cursor) + '\0';
  std::vector<Dispute> out;
  bool more = false;
  Status st;
  SIGNET_RETURN_IF_ERROR(
      store_.Scan(Column::kDisputes, "", start, [&](std::string_view, std::string_view v) {
        auto d = records::DecodeDispute(v);
        if (!d.ok()) {
          st = d.status();
          return false;
        }
        if (f.state && d->state != *f.state) return true;
        if (f.artist && d->artist_a != *f.artist && d->artist_b != *f.artist) return true;
        if (f.work && d->work_a != *f.work && d->work_b != *f.work) return true;
        if (out.size() == limit) {
          more = true;
          return false;
        }
        out.push_back(std::move(*d));
        return true;
      }));
  SIGNET_RETURN_IF_ERROR(st);
  if (page) page->next_cursor = more ? out.back().id : std::string();
  return out;
}

}  // namespace signet::registry

#include "registry/applier.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>

#include "crypto/dsse.h"
#include "registry/keys.h"
#include "registry/search_index.h"
#include "registry/transparency_log.h"

namespace signet::registry {
namespace {

Result<std::optional<Artist>> LoadArtist(const Overlay& o, std::string_view id) {
  return o.GetRecord<Artist>(Column::kArtists, id, records::DecodeArtist);
}
Result<std::optional<Work>> LoadWork(const Overlay& o, std::string_view id) {
  return o.GetRecord<Work>(Column::kWorks, id, records::DecodeWork);
}
Result<std::optional<Dispute>> LoadDispute(const Overlay& o, std::string_view id) {
  return o.GetRecord<Dispute>(Column::kDisputes, id, records::DecodeDispute);
}

// Apply's loads: a record the decision relied on must be there.
template <typename T>
Result<T> Present(Result<std::optional<T>> r, std::string_view what, std::string_view id) {
  if (!r.ok()) return r.status();
  if (!*r) {
    return Status::Internal(std::string(what) + " " + std::string(id) +
                            " is missing from the state this statement was decided against");
  }
  return std::move(**r);
}

Status Authorize(const Submission& s, const Artist& artist) {
  if (s.verified_with && *s.verified_with == artist.current_key) return Status::Ok();
  if (crypto::dsse::Verify(s.envelope, artist.current_key).ok()) return Status::Ok();
  for (const auto& old : artist.previous_keys) {
    if (crypto::dsse::Verify(s.envelope, old).ok()) {
      return Status::PermissionDenied("signed by a key that artist " + artist.id +
                                      " has rotated away from; sign with the artist's current key");
    }
  }
  return Status::Unauthenticated("the signature does not verify with the current key of artist " +
                                 artist.id);
}

// The signer's own live work, or why the statement may not touch it.
Result<Work> LoadOwnWork(const Overlay& o, std::string_view work_id, const Artist& artist,
                         std::string_view action) {
  SIGNET_ASSIGN_OR_RETURN(auto w, LoadWork(o, work_id));
  if (!w) return Status::NotFound("work " + std::string(work_id) + " is not registered");
  if (w->artist != artist.id) {
    return Status::PermissionDenied("work " + std::string(work_id) +
                                    " belongs to another artist; only its artist may " +
                                    std::string(action));
  }
  if (w->withdrawn) {
    return Status::FailedPrecondition("work " + std::string(work_id) +
                                      " is withdrawn; register it again first");
  }
  return std::move(*w);
}

void EraseId(std::vector<std::string>& v, std::string_view id) {
  v.erase(std::remove(v.begin(), v.end(), id), v.end());
}

// One statement's effects on the state; the rules were checked by Decide.
class Effects {
 public:
  Effects(const Submission& s, const Decision& d, Overlay& o, records::Counters& counters)
      : s_(s), d_(d), o_(o), counters_(counters), h_{d.log_index,      s.statement_id,
                                                     s.statement.type, s.statement.artist,
                                                     s.statement.seq,  s.statement.issued_at,
                                                     d.accepted_at} {}

  Result<Applied> Run();

 private:
  void AddHistory(std::string_view work_id) {
    o_.Put(Column::kWorkHistory, keys::WorkHistoryKey(work_id, h_.log_index),
           records::EncodeHistoryEntry(h_));
  }
  void PutWork(const Work& w) { o_.Put(Column::kWorks, w.id, records::EncodeWork(w)); }
  void PutTerms(const std::string& owner, const Terms& terms) {
    o_.Put(Column::kTermsHistory, keys::TermsHistoryKey(owner, d_.accepted_at, d_.log_index),
           records::EncodeTermsRecord({terms, d_.log_index, d_.accepted_at}));
  }
  Dispute OpenDispute(Work& earlier, Work& later, std::string opened_by, std::string reason,
                      double score, std::optional<Dispute> previous);
  Status ResolveDispute(Dispute& d, std::string_view by, std::string resolution,
                        Work* already_loaded);

  Status WorkRegister(Artist& artist);
  Status WorkLandmark(const WorkRegisterBody& b, Work& w, bool becomes_live);
  Status WorkWithdraw(Artist& artist);
  Status DisputeOpen(const Artist& artist);

  const Submission& s_;
  const Decision& d_;
  Overlay& o_;
  records::Counters& counters_;
  const HistoryEntry h_;
  Applied out_;
};

// Opens (or reopens) the dispute between `earlier` and `later`.
Dispute Effects::OpenDispute(Work& earlier, Work& later, std::string opened_by, std::string reason,
                             double score, std::optional<Dispute> previous) {
  Dispute d = previous ? std::move(*previous) : Dispute{};
  d.id = keys::DisputeIdFor(earlier.id, later.id);
  d.work_a = earlier.id;
  d.artist_a = earlier.artist;
  d.work_b = later.id;
  d.artist_b = later.artist;
  d.state = DisputeState::kOpen;
  d.opened_by = std::move(opened_by);
  d.reason = std::move(reason);
  d.match_score = score;
  d.opened_at = d_.accepted_at;
  d.open_log_index = d_.log_index;
  d.resolved_by.clear();
  d.resolution.clear();
  d.resolved_at = 0;
  d.resolve_log_index = 0;
  if (!previous) ++counters_.disputes;
  ++counters_.open_disputes;
  earlier.open_disputes.push_back(d.id);
  later.open_disputes.push_back(d.id);
  o_.Put(Column::kDisputes, d.id, records::EncodeDispute(d));
  return d;
}

Status Effects::ResolveDispute(Dispute& d, std::string_view by, std::string resolution,
                               Work* already_loaded) {
  d.state = DisputeState::kResolved;
  d.resolved_by = std::string(by);
  d.resolution = std::move(resolution);
  d.resolved_at = d_.accepted_at;
  d.resolve_log_index = d_.log_index;
  --counters_.open_disputes;
  o_.Put(Column::kDisputes, d.id, records::EncodeDispute(d));
  for (const std::string& wid : {d.work_a, d.work_b}) {
    if (already_loaded && already_loaded->id == wid) {
      EraseId(already_loaded->open_disputes, d.id);
      continue;
    }
    SIGNET_ASSIGN_OR_RETURN(auto w, LoadWork(o_, wid));
    if (!w) return Status::Internal("dispute " + d.id + " names a missing work " + wid);
    EraseId(w->open_disputes, d.id);
    PutWork(*w);
    AddHistory(wid);
  }
  return Status::Ok();
}

Result<Applied> Effects::Run() {
  const Statement& st = s_.statement;
  Accepted& acc = out_.accepted;
  acc.statement_id = s_.statement_id;
  acc.type = st.type;
  acc.artist_id = st.artist;
  acc.log_index = d_.log_index;
  acc.accepted_at = d_.accepted_at;

  Artist artist;
  if (st.type != StatementType::kArtistRegister) {
    SIGNET_ASSIGN_OR_RETURN(artist, Present(LoadArtist(o_, st.artist), "artist", st.artist));
  }
  switch (st.type) {
    case StatementType::kArtistRegister: {
      const auto& b = std::get<ArtistRegisterBody>(st.body);
      artist.id = st.artist;
      artist.current_key = b.public_key;
      artist.display_name = b.display_name;
      artist.isni = b.isni;
      artist.ipi = b.ipi;
      artist.links = b.links;
      artist.registered_at = d_.accepted_at;
      artist.register_log_index = d_.log_index;
      ++counters_.artists;
      search::ReplaceKeys(o_, {}, search::ArtistKeys(artist));
      break;
    }
    case StatementType::kArtistRotateKey: {
      const auto& b = std::get<ArtistRotateKeyBody>(st.body);
      artist.previous_keys.push_back(artist.current_key);
      artist.current_key = b.new_public_key;
      break;
    }
    case StatementType::kArtistDefaultTerms: {
      const auto& b = std::get<ArtistDefaultTermsBody>(st.body);
      artist.default_terms = b.terms;
      PutTerms(keys::TermsOwnerArtist(artist.id), b.terms);
      break;
    }
    case StatementType::kWorkRegister:
      SIGNET_RETURN_IF_ERROR(WorkRegister(artist));
      break;
    case StatementType::kWorkTerms: {
      const auto& b = std::get<WorkTermsBody>(st.body);
      SIGNET_ASSIGN_OR_RETURN(Work w, Present(LoadWork(o_, b.work), "work", b.work));
      w.terms = b.terms;
      w.updated_at = d_.accepted_at;
      PutTerms(keys::TermsOwnerWork(w.id), b.terms);
      PutWork(w);
      AddHistory(w.id);
      acc.work_id = w.id;
      acc.work = std::move(w);
      break;
    }
    case StatementType::kWorkWithdraw:
      SIGNET_RETURN_IF_ERROR(WorkWithdraw(artist));
      break;
    case StatementType::kDisputeOpen:
      SIGNET_RETURN_IF_ERROR(DisputeOpen(artist));
      break;
    case StatementType::kDisputeResolve: {
      const auto& b = std::get<DisputeResolveBody>(st.body);
      SIGNET_ASSIGN_OR_RETURN(Dispute d, Present(LoadDispute(o_, b.dispute), "dispute", b.dispute));
      SIGNET_RETURN_IF_ERROR(ResolveDispute(d, artist.id, b.resolution, nullptr));
      acc.dispute_id = d.id;
      acc.dispute = std::move(d);
      break;
    }
  }

  artist.last_seq = st.seq;
  o_.Put(Column::kArtists, artist.id, records::EncodeArtist(artist));
  acc.artist = std::move(artist);

  // The log leaf and the Merkle nodes it completes go into the same batch.
  SIGNET_RETURN_IF_ERROR(TransparencyLog::AppendLeaf(o_, d_.log_index, s_.envelope_json));
  o_.Put(Column::kStatementIds, s_.statement_id, keys::U64Key(d_.log_index));
  return std::move(out_);
}

Status Effects::WorkRegister(Artist& artist) {
  const auto& b = std::get<WorkRegisterBody>(s_.statement.body);
  const std::string work_id = WorkIdFor(artist.id, b.fingerprint_values);
  SIGNET_ASSIGN_OR_RETURN(auto existing, LoadWork(o_, work_id));
  // The search entries of the metadata this registration replaces.
  std::vector<std::string> old_search_keys;
  if (existing) old_search_keys = search::WorkKeys(*existing, artist.display_name);
  Work w;
  bool becomes_live = true;
  if (existing) {
    // Same artist, same recording: the same work. Metadata is replaced.
    w = std::move(*existing);
    becomes_live = w.withdrawn;
  } else {
    w.id = work_id;
    w.artist = artist.id;
    w.registered_at = d_.accepted_at;
    w.register_log_index = d_.log_index;
    w.fingerprint_length = b.fingerprint_values.size();
  }
  w.title = b.title;
  w.credits = b.credits;
  w.duration_seconds = b.duration_seconds;
  if (b.sha256) w.sha256 = b.sha256;
  if (b.isrc) w.isrc = b.isrc;
  if (b.iswc) w.iswc = b.iswc;
  if (b.musicbrainz_recording_ids) w.musicbrainz_recording_ids = *b.musicbrainz_recording_ids;
  w.updated_at = d_.accepted_at;
  w.withdrawn = false;
  const std::uint64_t ref = w.register_log_index;
  SIGNET_RETURN_IF_ERROR(WorkLandmark(b, w, becomes_live));

  if (becomes_live) {
    ++counters_.works;
    if (existing) --counters_.withdrawn_works;
    ++artist.work_count;
    o_.Put(Column::kFingerprints, keys::FingerprintKey(ref),
           records::EncodeFingerprint(w.id, true, b.fingerprint_values));
    o_.Put(Column::kArtistWorks, keys::ArtistWorksKey(artist.id, w.id), "");
    if (w.sha256) {
      SIGNET_ASSIGN_OR_RETURN(auto sha_owner, o_.Get(Column::kSha256, *w.sha256));
      if (!sha_owner) o_.Put(Column::kSha256, *w.sha256, w.id);
    }
    // Another artist's live work with the same recording: keep both, open a dispute.
    for (const Overlap& m : d_.disputes) {
      SIGNET_ASSIGN_OR_RETURN(Work other, Present(LoadWork(o_, m.work_id), "work", m.work_id));
      SIGNET_ASSIGN_OR_RETURN(auto previous, LoadDispute(o_, keys::DisputeIdFor(w.id, other.id)));
      Dispute d =
          OpenDispute(other, w, "registry",
                      "the recording matches work " + other.id + " of artist " + other.artist,
                      m.score, std::move(previous));
      PutWork(other);
      AddHistory(other.id);
      out_.accepted.opened_disputes.push_back(std::move(d));
    }
    out_.index.add_ref = ref;
  } else if (!d_.disputes.empty()) {
    return Status::Internal("work " + w.id + " is live already; the decision opens disputes");
  }
  search::ReplaceKeys(o_, std::move(old_search_keys), search::WorkKeys(w, artist.display_name));
  PutWork(w);
  AddHistory(w.id);
  out_.accepted.work_id = w.id;
  out_.accepted.work = std::move(w);
  return Status::Ok();
}

// The landmark print: a statement that carries one stores it (a work
// registered before landmark prints gains it this way: same work id, nothing
// else changes); without one, the stored print (if any) stays, and is
// indexed again when the work comes back to life.
Status Effects::WorkLandmark(const WorkRegisterBody& b, Work& w, bool becomes_live) {
  const std::string key = keys::LandmarkKey(w.register_log_index);
  std::shared_ptr<const fp::LandmarkPrint> print;
  if (b.landmark_print) {
    o_.Put(Column::kLandmarks, key, records::EncodeLandmark(w.id, *b.landmark));
    w.landmark_peaks = b.landmark_print->peaks.size();
    print = std::make_shared<const fp::LandmarkPrint>(*b.landmark_print);
  } else if (becomes_live && w.landmark_peaks > 0) {
    SIGNET_ASSIGN_OR_RETURN(auto stored, o_.Get(Column::kLandmarks, key));
    if (!stored) return Status::Internal("work " + w.id + " has no stored landmark print");
    SIGNET_ASSIGN_OR_RETURN(records::LandmarkRecord rec, records::DecodeLandmark(*stored));
    print = std::make_shared<const fp::LandmarkPrint>(std::move(rec.print));
  }
  if (print) {
    out_.index.landmark_ref = w.register_log_index;
    out_.index.landmark = std::move(print);
  }
  return Status::Ok();
}

Status Effects::WorkWithdraw(Artist& artist) {
  const auto& b = std::get<WorkWithdrawBody>(s_.statement.body);
  SIGNET_ASSIGN_OR_RETURN(Work w, Present(LoadWork(o_, b.work), "work", b.work));
  w.withdrawn = true;
  w.updated_at = d_.accepted_at;
  --counters_.works;
  ++counters_.withdrawn_works;
  if (artist.work_count > 0) --artist.work_count;
  const std::string fp_key = keys::FingerprintKey(w.register_log_index);
  SIGNET_ASSIGN_OR_RETURN(auto fpv, o_.Get(Column::kFingerprints, fp_key));
  if (!fpv) return Status::Internal("work " + w.id + " has no stored fingerprint");
  SIGNET_ASSIGN_OR_RETURN(auto fpr, records::DecodeFingerprint(*fpv));
  o_.Put(Column::kFingerprints, fp_key, records::EncodeFingerprint(w.id, false, fpr.values));
  out_.index.remove_ref = w.register_log_index;
  // A withdrawn work no longer claims the recording: its disputes end.
  for (const std::string& did : std::vector<std::string>(w.open_disputes)) {
    SIGNET_ASSIGN_OR_RETURN(auto d, LoadDispute(o_, did));
    if (!d || d->state != DisputeState::kOpen) continue;
    SIGNET_RETURN_IF_ERROR(
        ResolveDispute(*d, artist.id, "work " + w.id + " withdrawn by its artist", &w));
  }
  PutWork(w);
  AddHistory(w.id);
  out_.accepted.work_id = w.id;
  out_.accepted.work = std::move(w);
  return Status::Ok();
}

Status Effects::DisputeOpen(const Artist& artist) {
  const auto& b = std::get<DisputeOpenBody>(s_.statement.body);
  SIGNET_ASSIGN_OR_RETURN(Work mine, Present(LoadWork(o_, b.work), "work", b.work));
  SIGNET_ASSIGN_OR_RETURN(Work other, Present(LoadWork(o_, b.other_work), "work", b.other_work));
  SIGNET_ASSIGN_OR_RETURN(auto previous, LoadDispute(o_, keys::DisputeIdFor(mine.id, other.id)));
  const bool mine_first = mine.register_log_index < other.register_log_index;
  Dispute d = mine_first ? OpenDispute(mine, other, artist.id, b.reason, 0, std::move(previous))
                         : OpenDispute(other, mine, artist.id, b.reason, 0, std::move(previous));
  PutWork(mine);
  PutWork(other);
  AddHistory(mine.id);
  AddHistory(other.id);
  out_.accepted.work_id = mine.id;
  out_.accepted.dispute_id = d.id;
  out_.accepted.work = std::move(mine);
  out_.accepted.dispute = std::move(d);
  return Status::Ok();
}

}  // namespace

Result<Decision> StatementApplier::Decide(const Submission& s, const Overlay& o,
                                          std::uint64_t log_index, Micros now) const {
  const Statement& st = s.statement;
  SIGNET_ASSIGN_OR_RETURN(auto dup, o.Get(Column::kStatementIds, s.statement_id));
  if (dup) {
    SIGNET_ASSIGN_OR_RETURN(auto at, keys::ParseU64Key(*dup));
    return Status::AlreadyExists("this statement was already accepted at log index " +
                                 std::to_string(at));
  }
  SIGNET_ASSIGN_OR_RETURN(auto existing, LoadArtist(o, st.artist));
  Artist artist;
  if (st.type == StatementType::kArtistRegister) {
    if (existing) {
      return Status::AlreadyExists("artist " + st.artist + " is already registered");
    }
  } else {
    if (!existing) {
      return Status::FailedPrecondition("artist " + st.artist +
                                        " is not registered; submit artist.register first");
    }
    artist = std::move(*existing);
    SIGNET_RETURN_IF_ERROR(Authorize(s, artist));
    if (st.seq <= artist.last_seq) {
      return Status::FailedPrecondition(
                 "seq " + std::to_string(st.seq) + " is not greater than " +
                 std::to_string(artist.last_seq) +
                 ", the last seq accepted from this artist (replayed or reordered statement); "
                 "use seq " +
                 std::to_string(artist.last_seq + 1) + " or higher")
          .WithField("seq");
    }
  }

  Decision d{log_index, now, {}};
  switch (st.type) {
    case StatementType::kArtistRegister:
    case StatementType::kArtistDefaultTerms:
      break;
    case StatementType::kArtistRotateKey: {
      const auto& b = std::get<ArtistRotateKeyBody>(st.body);
      bool used = b.new_public_key == artist.current_key;
      for (const auto& k : artist.previous_keys) used = used || k == b.new_public_key;
      if (used) {
        return Status::FailedPrecondition(
                   "artist.rotate_key: field \"new_public_key\" was already used by this artist; "
                   "generate a fresh key")
            .WithField("new_public_key");
      }
      break;
    }
    case StatementType::kWorkRegister: {
      const EarlySearch* early = s.early_search ? &*s.early_search : nullptr;
      SIGNET_ASSIGN_OR_RETURN(
          d.disputes, DecideDisputes(std::get<WorkRegisterBody>(st.body), artist, early, o));
      break;
    }
    case StatementType::kWorkTerms:
      SIGNET_RETURN_IF_ERROR(
          LoadOwnWork(o, std::get<WorkTermsBody>(st.body).work, artist, "change its terms")
              .status());
      break;
    case StatementType::kWorkWithdraw:
      SIGNET_RETURN_IF_ERROR(
          LoadOwnWork(o, std::get<WorkWithdrawBody>(st.body).work, artist, "withdraw it").status());
      break;
    case StatementType::kDisputeOpen: {
      const auto& b = std::get<DisputeOpenBody>(st.body);
      SIGNET_ASSIGN_OR_RETURN(Work mine, LoadOwnWork(o, b.work, artist, "dispute with it"));
      SIGNET_ASSIGN_OR_RETURN(auto other, LoadWork(o, b.other_work));
      if (!other) return Status::NotFound("work " + b.other_work + " is not registered");
      if (other->artist == artist.id) {
        return Status::InvalidArgument(
            "dispute.open: field \"other_work\" is your own work; a dispute is between two "
            "artists");
      }
      if (other->withdrawn) {
        return Status::FailedPrecondition("work " + b.other_work + " is withdrawn");
      }
      const std::string did = keys::DisputeIdFor(mine.id, other->id);
      SIGNET_ASSIGN_OR_RETURN(auto previous, LoadDispute(o, did));
      if (previous && previous->state == DisputeState::kOpen) {
        return Status::AlreadyExists("dispute " + did + " between these works is already open");
      }
      break;
    }
    case StatementType::kDisputeResolve: {
      const auto& b = std::get<DisputeResolveBody>(st.body);
      SIGNET_ASSIGN_OR_RETURN(auto dispute, LoadDispute(o, b.dispute));
      if (!dispute) return Status::NotFound("dispute " + b.dispute + " does not exist");
      if (dispute->artist_a != artist.id && dispute->artist_b != artist.id) {
        return Status::PermissionDenied("only the two artists of dispute " + b.dispute +
                                        " may resolve it");
      }
      if (dispute->state != DisputeState::kOpen) {
        return Status::FailedPrecondition("dispute " + b.dispute + " is already resolved");
      }
      break;
    }
  }
  return d;
}

Result<std::vector<Overlap>> StatementApplier::DecideDisputes(const WorkRegisterBody& b,
                                                              const Artist& artist,
                                                              const EarlySearch* early,
                                                              const Overlay& o) const {
  const std::string work_id = WorkIdFor(artist.id, b.fingerprint_values);
  SIGNET_ASSIGN_OR_RETURN(auto existing, LoadWork(o, work_id));
  // Re-registering a live work changes its metadata only.
  if (existing && !existing->withdrawn) return std::vector<Overlap>();
  SIGNET_ASSIGN_OR_RETURN(std::vector<Overlap> overlaps,
                          finder_.FindOverlaps(b.fingerprint_values, early));
  const double new_seconds =
      static_cast<double>(b.fingerprint_values.size()) * fp::kSecondsPerPosition;
  std::vector<Overlap> out;
  for (Overlap& m : overlaps) {
    if (m.work_id == work_id) continue;
    const bool chosen = std::any_of(out.begin(), out.end(),
                                    [&](const Overlap& c) { return c.work_id == m.work_id; });
    if (chosen) continue;
    SIGNET_ASSIGN_OR_RETURN(auto other, LoadWork(o, m.work_id));
    if (!other || other->withdrawn) continue;
    const double other_seconds =
        static_cast<double>(other->fingerprint_length) * fp::kSecondsPerPosition;
    if (other->artist == artist.id) {
      if (IsSameRecording(m.shared_seconds, new_seconds, other_seconds)) {
        return Status::AlreadyExists(
                   fmt::format("work.register: same recording as {} (they share {:.1f} "
                               "s of {:.1f} s), which this artist registered already",
                               other->id, m.shared_seconds, other_seconds))
            .WithField("fingerprint")
            .WithWorkId(other->id);
      }
      continue;
    }
    if (!IsSubstantialOverlap(m.shared_seconds, new_seconds, other_seconds)) continue;
    SIGNET_ASSIGN_OR_RETURN(auto previous, LoadDispute(o, keys::DisputeIdFor(work_id, other->id)));
    if (previous && previous->state == DisputeState::kOpen) continue;
    out.push_back(std::move(m));
  }
  return out;
}

Result<Applied> StatementApplier::Apply(const Submission& s, const Decision& d, Overlay& o,
                                        records::Counters& counters) const {
  return Effects(s, d, o, counters).Run();
}

}  // namespace signet::registry

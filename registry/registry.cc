#include "registry/registry.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "crypto/dsse.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "fingerprint/index.h"
#include "protocol/ids.h"
#include "registry/log_signer.h"
#include "registry/records.h"
#include "registry/rocksdb_store.h"
#include "registry/store.h"

namespace signet::registry {

std::string_view DisputeStateName(DisputeState s) {
  return s == DisputeState::kOpen ? "open" : "resolved";
}

namespace {

namespace merkle = crypto::merkle;
using protocol::DisputeIdFor;
using records::U64Key;

constexpr std::string_view kMetaTreeSize = "tree_size";
constexpr std::string_view kMetaCheckpoint = "checkpoint";
constexpr std::string_view kMetaCounters = "counters";
constexpr std::string_view kMetaLastAccepted = "last_accepted_at";

// A stored Merkle node, or why there is none.
Result<crypto::Digest> ToNode(const Result<std::optional<std::string>>& v, std::uint32_t level,
                              std::uint64_t index) {
  if (!v.ok()) return v.status();
  if (!*v || (*v)->size() != 32) {
    return Status::Internal("log node (" + std::to_string(level) + ", " + std::to_string(index) +
                            ") is missing from the database");
  }
  crypto::Digest d;
  std::copy((*v)->begin(), (*v)->end(), d.begin());
  return d;
}

// Writes pending over the committed Store (and over a parent overlay): the
// writer applies each statement in its own Overlay and merges it into the
// group's only when the statement is accepted, so a rejected statement leaves
// nothing behind.
class Overlay {
 public:
  Overlay(const Store* store, Overlay* parent) : store_(store), parent_(parent) {}

  Result<std::optional<std::string>> Get(Column c, std::string_view key) const {
    auto it = writes_.find({c, std::string(key)});
    if (it != writes_.end()) return it->second;
    if (parent_) return parent_->Get(c, key);
    return store_->Get(c, key);
  }
  void Put(Column c, std::string key, std::string value) {
    writes_[{c, std::move(key)}] = std::move(value);
  }
  void Delete(Column c, std::string key) { writes_[{c, std::move(key)}] = std::nullopt; }

  void MergeIntoParent() {
    for (auto& [k, v] : writes_) parent_->writes_[k] = std::move(v);
    writes_.clear();
  }
  void AppendTo(WriteSet& ws) const {
    for (const auto& [k, v] : writes_) {
      if (v) {
        ws.Put(k.first, k.second, *v);
      } else {
        ws.Delete(k.first, k.second);
      }
    }
  }

  merkle::NodeReader Reader() const {
    return [this](std::uint32_t level, std::uint64_t index) {
      return ToNode(Get(Column::kLogNodes, records::NodeKey(level, index)), level, index);
    };
  }

 private:
  const Store* store_;
  Overlay* parent_;
  std::map<std::pair<Column, std::string>, std::optional<std::string>> writes_;
};

merkle::NodeReader StoreReader(const Store* store) {
  return [store](std::uint32_t level, std::uint64_t index) {
    return ToNode(store->Get(Column::kLogNodes, records::NodeKey(level, index)), level, index);
  };
}

template <typename T>
Result<std::optional<T>> GetRecord(const Overlay& o, Column c, std::string_view key,
                                   Result<T> (*decode)(std::string_view)) {
  SIGNET_ASSIGN_OR_RETURN(auto v, o.Get(c, key));
  if (!v) return std::optional<T>();
  SIGNET_ASSIGN_OR_RETURN(T t, decode(*v));
  return std::optional<T>(std::move(t));
}

std::string ArtistWorksKey(std::string_view artist, std::string_view work) {
  std::string k(artist);
  k.push_back('/');
  k.append(work);
  return k;
}

std::string HistoryKey(std::string_view work, std::uint64_t log_index) {
  std::string k(work);
  k.push_back('/');
  k += U64Key(log_index);
  return k;
}

void EraseId(std::vector<std::string>& v, std::string_view id) {
  v.erase(std::remove(v.begin(), v.end(), id), v.end());
}

}  // namespace

class Registry::Impl {
 public:
  Impl(std::unique_ptr<Store> store, RegistryOptions options, LogSigner signer)
      : store_(std::move(store)),
        options_(std::move(options)),
        signer_(std::move(signer)),
        index_(options_.index) {}

  ~Impl() {
    {
      std::lock_guard lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
  }

  Status Init() {
    const auto t0 = std::chrono::steady_clock::now();
    SIGNET_ASSIGN_OR_RETURN(auto size_v, store_->Get(Column::kMeta, kMetaTreeSize));
    std::uint64_t size = 0;
    if (size_v) {
      SIGNET_ASSIGN_OR_RETURN(size, records::ParseU64Key(*size_v));
    }
    SIGNET_ASSIGN_OR_RETURN(auto cp_v, store_->Get(Column::kMeta, kMetaCheckpoint));
    SIGNET_ASSIGN_OR_RETURN(crypto::Digest root, merkle::RootHash(size, StoreReader(store_.get())));
    if (cp_v) {
      auto parsed = signer_.OpenCheckpoint(*cp_v);
      if (!parsed.ok()) {
        return Status::Internal("the stored checkpoint cannot be read with this server key (" +
                                parsed.status().message() +
                                "); start signetd with the key that created this data directory");
      }
      if (parsed->size != size || parsed->root != root) {
        return Status::Internal(
            "the log in the database does not match its signed checkpoint (stored size " +
            std::to_string(parsed->size) + ", recomputed size " + std::to_string(size) +
            "); the data directory is corrupt");
      }
      checkpoint_ = *cp_v;
    } else if (size != 0) {
      return Status::Internal("the database has log entries but no checkpoint; it is corrupt");
    } else {
      SIGNET_ASSIGN_OR_RETURN(checkpoint_, signer_.SignCheckpoint(0, root));
      WriteSet ws;
      ws.Put(Column::kMeta, std::string(kMetaTreeSize), U64Key(0));
      ws.Put(Column::kMeta, std::string(kMetaCheckpoint), checkpoint_);
      SIGNET_RETURN_IF_ERROR(store_->Write(ws));
    }
    if (size > 0) {
      // The last leaf must hash the envelope stored for it.
      SIGNET_ASSIGN_OR_RETURN(auto leaf, store_->Get(Column::kLogLeaves, U64Key(size - 1)));
      SIGNET_ASSIGN_OR_RETURN(crypto::Digest node, StoreReader(store_.get())(0, size - 1));
      if (!leaf || merkle::LeafHash(*leaf) != node) {
        return Status::Internal("the last log entry does not match its leaf hash; corrupt data");
      }
    }
    tree_size_ = committed_size_ = size;
    SIGNET_ASSIGN_OR_RETURN(auto counters_v, store_->Get(Column::kMeta, kMetaCounters));
    if (counters_v) {
      SIGNET_ASSIGN_OR_RETURN(counters_, records::DecodeCounters(*counters_v));
    }
    committed_counters_ = counters_;
    SIGNET_ASSIGN_OR_RETURN(auto last_v, store_->Get(Column::kMeta, kMetaLastAccepted));
    if (last_v) {
      SIGNET_ASSIGN_OR_RETURN(auto last, records::ParseU64Key(*last_v));
      last_accepted_ = static_cast<Micros>(last);
    }

    // Rebuild the fingerprint index from every live work: one base build at
    // Compact() instead of a geometric series of merges (fingerprint/INDEX.md).
    index_.BeginBulkLoad();
    Status decode_status;
    SIGNET_RETURN_IF_ERROR(store_->Scan(
        Column::kFingerprints, "", "", [&](std::string_view key, std::string_view value) {
          auto ref = records::ParseU64Key(key);
          auto rec = records::DecodeFingerprint(value);
          if (!ref.ok() || !rec.ok()) {
            decode_status = ref.ok() ? rec.status() : ref.status();
            return false;
          }
          if (rec->live) {
            Status added = index_.Add(*ref, rec->values);
            if (!added.ok()) {
              decode_status = added.WithContext("rebuilding the fingerprint index");
              return false;
            }
            refs_[*ref] = rec->work_id;
          }
          return true;
        }));
    SIGNET_RETURN_IF_ERROR(decode_status);
    index_.Compact();
    open_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    writer_ = std::thread([this] { WriterLoop(); });
    return Status::Ok();
  }

  // ---- write path --------------------------------------------------------

  struct Prepared {
    std::string envelope_json;
    crypto::dsse::Envelope envelope;
    Statement statement;
    std::string statement_id;
    std::optional<crypto::PublicKey> verified_with;
    // work.register: the dispute search, done on the caller's thread against
    // the index as it was at `dispute_mark`; the writer adds the works indexed
    // since (Matcher::FindAddedSince), so its own share stays small.
    std::optional<std::vector<fp::Match>> dispute_matches;
    fp::IndexMark dispute_mark;
  };

  struct Pending {
    Prepared prepared;
    std::promise<Result<Accepted>> promise;
  };

  Result<Prepared> Prepare(std::string_view envelope_json) const {
    Prepared p;
    p.envelope_json = std::string(envelope_json);
    auto env = crypto::dsse::ParseJson(envelope_json);
    if (!env.ok()) {
      return Status::InvalidArgument("envelope: " + env.status().message());
    }
    p.envelope = std::move(*env);
    if (p.envelope.payload_type != kStatementPayloadType) {
      return Status::InvalidArgument("envelope: payloadType must be \"" +
                                     std::string(kStatementPayloadType) + "\"");
    }
    SIGNET_ASSIGN_OR_RETURN(p.statement,
                            ParseStatement(p.envelope.payload, options_.clock(),
                                           static_cast<Micros>(options_.max_clock_skew.count())));
    const crypto::Digest id = crypto::Sha256(envelope_json);
    p.statement_id = crypto::HexEncode(crypto::ByteView(id.data(), id.size()));
    // Verify here, on the caller's thread, so that signature checks of a group
    // run in parallel; the writer only confirms that the key is still current.
    if (p.statement.type == StatementType::kArtistRegister) {
      const auto& body = std::get<ArtistRegisterBody>(p.statement.body);
      Status s = crypto::dsse::Verify(p.envelope, body.public_key);
      if (!s.ok()) {
        return Status::Unauthenticated("artist.register must be signed by the key it registers: " +
                                       s.message());
      }
      p.verified_with = body.public_key;
    } else {
      auto v = store_->Get(Column::kArtists, p.statement.artist);
      if (v.ok() && *v) {
        auto artist = records::DecodeArtist(**v);
        if (artist.ok() && crypto::dsse::Verify(p.envelope, artist->current_key).ok()) {
          p.verified_with = artist->current_key;
        }
      }
    }
    // Only for a signature that checked out: unauthenticated bytes must not
    // cost a search.
    if (p.verified_with && p.statement.type == StatementType::kWorkRegister) {
      const auto& values = std::get<WorkRegisterBody>(p.statement.body).fingerprint_values;
      p.dispute_matches = MakeMatcher().Find(values, &p.dispute_mark);
    }
    return p;
  }

  Result<Accepted> Submit(std::string_view envelope_json) {
    SIGNET_ASSIGN_OR_RETURN(Prepared p, Prepare(envelope_json));
    auto pending = std::make_unique<Pending>();
    pending->prepared = std::move(p);
    std::future<Result<Accepted>> future = pending->promise.get_future();
    {
      std::lock_guard lock(queue_mu_);
      if (stopping_) return Status::Unavailable("the registry is shutting down");
      queue_.push_back(std::move(pending));
    }
    queue_cv_.notify_one();
    Result<Accepted> r = future.get();
    if (!r.ok()) return r;
    // The writer named the tree and checkpoint; the proof is read here, on the
    // caller's thread, from nodes that are durable and never change.
    auto receipt = MakeReceipt(r->log_index, r->receipt.tree_size, r->receipt.checkpoint);
    if (!receipt.ok()) {
      return receipt.status().WithContext("statement stored but its receipt failed");
    }
    r->receipt = std::move(*receipt);
    return r;
  }

  void WriterLoop() {
    for (;;) {
      std::vector<std::unique_ptr<Pending>> group;
      {
        std::unique_lock lock(queue_mu_);
        queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything answered
        while (!queue_.empty() && group.size() < options_.max_group_size) {
          group.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      CommitGroup(group);
    }
  }

  // What the index must do once the group is durable (or undo if it is not).
  struct IndexChanges {
    std::vector<std::uint64_t> added;    // already added; remove on failure
    std::vector<std::uint64_t> removed;  // remove after success
  };

  void CommitGroup(std::vector<std::unique_ptr<Pending>>& group) {
    Overlay txn(store_.get(), nullptr);
    const std::uint64_t start_size = tree_size_;
    const records::Counters start_counters = counters_;
    const Micros start_last = last_accepted_;
    IndexChanges index_changes;
    std::vector<std::optional<Result<Accepted>>> results(group.size());
    std::size_t accepted = 0;

    for (std::size_t i = 0; i < group.size(); ++i) {
      Micros now = std::max(options_.clock(), last_accepted_);
      Overlay stmt(store_.get(), &txn);
      IndexChanges local;
      const records::Counters before = counters_;
      auto r = Apply(group[i]->prepared, now, stmt, local);
      if (r.ok()) {
        stmt.MergeIntoParent();
        last_accepted_ = now;
        ++tree_size_;
        ++accepted;
        index_changes.added.insert(index_changes.added.end(), local.added.begin(),
                                   local.added.end());
        index_changes.removed.insert(index_changes.removed.end(), local.removed.begin(),
                                     local.removed.end());
      } else {
        counters_ = before;
        UndoIndexAdds(local.added);
      }
      results[i] = std::move(r);
    }

    Status commit = Status::Ok();
    std::string checkpoint;
    if (accepted > 0) {
      auto root = merkle::RootHash(tree_size_, txn.Reader());
      auto cp = root.ok() ? signer_.SignCheckpoint(tree_size_, *root)
                          : Result<std::string>(root.status());
      if (cp.ok()) {
        checkpoint = std::move(*cp);
        txn.Put(Column::kMeta, std::string(kMetaTreeSize), U64Key(tree_size_));
        txn.Put(Column::kMeta, std::string(kMetaCheckpoint), checkpoint);
        txn.Put(Column::kMeta, std::string(kMetaCounters), records::EncodeCounters(counters_));
        txn.Put(Column::kMeta, std::string(kMetaLastAccepted),
                U64Key(static_cast<std::uint64_t>(last_accepted_)));
        WriteSet ws;
        txn.AppendTo(ws);
        commit = store_->Write(ws);
      } else {
        commit = cp.status();
      }
    }

    if (!commit.ok()) {
      // Nothing of the group is durable: undo in-memory effects and tell
      // every caller whose statement was accepted that it was not stored.
      UndoIndexAdds(index_changes.added);
      tree_size_ = start_size;
      counters_ = start_counters;
      last_accepted_ = start_last;
      for (std::size_t i = 0; i < group.size(); ++i) {
        if (results[i]->ok()) results[i] = commit.WithContext("statement not stored");
        group[i]->promise.set_value(std::move(*results[i]));
      }
      return;
    }

    if (accepted > 0) {
      {
        std::unique_lock lock(refs_mu_);
        for (std::uint64_t ref : index_changes.removed) {
          index_.Remove(ref);
          refs_.erase(ref);
        }
      }
      {
        std::unique_lock lock(state_mu_);
        committed_size_ = tree_size_;
        checkpoint_ = checkpoint;
        committed_counters_ = counters_;
        ++commit_groups_;
      }
    }
    for (std::size_t i = 0; i < group.size(); ++i) {
      Result<Accepted>& r = *results[i];
      if (r.ok()) {  // Submit completes the receipt
        r->receipt.tree_size = tree_size_;
        r->receipt.checkpoint = checkpoint;
      }
      group[i]->promise.set_value(std::move(r));
    }
  }

  void UndoIndexAdds(const std::vector<std::uint64_t>& added) {
    if (added.empty()) return;
    std::unique_lock lock(refs_mu_);
    for (std::uint64_t ref : added) {
      index_.Remove(ref);
      refs_.erase(ref);
    }
  }

  Micros Now() const { return options_.clock(); }

  Status Authorize(const Prepared& p, const Artist& artist) const {
    if (p.verified_with && *p.verified_with == artist.current_key) return Status::Ok();
    if (crypto::dsse::Verify(p.envelope, artist.current_key).ok()) return Status::Ok();
    for (const auto& old : artist.previous_keys) {
      if (crypto::dsse::Verify(p.envelope, old).ok()) {
        return Status::PermissionDenied(
            "signed by a key that artist " + artist.id +
            " has rotated away from; sign with the artist's current key");
      }
    }
    return Status::Unauthenticated("the signature does not verify with the current key of artist " +
                                   artist.id);
  }

  Result<Work> LoadOwnWork(const Overlay& o, std::string_view work_id, const Artist& artist,
                           std::string_view action) const {
    SIGNET_ASSIGN_OR_RETURN(auto w,
                            GetRecord<Work>(o, Column::kWorks, work_id, records::DecodeWork));
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

  void AddHistory(Overlay& o, std::string_view work_id, const HistoryEntry& h) {
    o.Put(Column::kWorkHistory, HistoryKey(work_id, h.log_index), records::EncodeHistoryEntry(h));
  }

  // Opens (or reopens) the dispute between `earlier` and `later`.
  Dispute OpenDispute(Overlay& o, Work& earlier, Work& later, std::string opened_by,
                      std::string reason, double score, Micros now, std::uint64_t log_index,
                      std::optional<Dispute> previous) {
    Dispute d = previous ? std::move(*previous) : Dispute{};
    d.id = DisputeIdFor(earlier.id, later.id);
    d.work_a = earlier.id;
    d.artist_a = earlier.artist;
    d.work_b = later.id;
    d.artist_b = later.artist;
    d.state = DisputeState::kOpen;
    d.opened_by = std::move(opened_by);
    d.reason = std::move(reason);
    d.match_score = score;
    d.opened_at = now;
    d.open_log_index = log_index;
    d.resolved_by.clear();
    d.resolution.clear();
    d.resolved_at = 0;
    d.resolve_log_index = 0;
    if (!previous) ++counters_.disputes;
    ++counters_.open_disputes;
    earlier.open_disputes.push_back(d.id);
    later.open_disputes.push_back(d.id);
    o.Put(Column::kDisputes, d.id, records::EncodeDispute(d));
    return d;
  }

  Status ResolveDispute(Overlay& o, Dispute& d, std::string_view by, std::string resolution,
                        Micros now, std::uint64_t log_index, const HistoryEntry& h,
                        Work* already_loaded) {
    d.state = DisputeState::kResolved;
    d.resolved_by = std::string(by);
    d.resolution = std::move(resolution);
    d.resolved_at = now;
    d.resolve_log_index = log_index;
    --counters_.open_disputes;
    o.Put(Column::kDisputes, d.id, records::EncodeDispute(d));
    for (const std::string& wid : {d.work_a, d.work_b}) {
      if (already_loaded && already_loaded->id == wid) {
        EraseId(already_loaded->open_disputes, d.id);
        continue;
      }
      SIGNET_ASSIGN_OR_RETURN(auto w, GetRecord<Work>(o, Column::kWorks, wid, records::DecodeWork));
      if (!w) return Status::Internal("dispute " + d.id + " names a missing work " + wid);
      EraseId(w->open_disputes, d.id);
      o.Put(Column::kWorks, wid, records::EncodeWork(*w));
      AddHistory(o, wid, h);
    }
    return Status::Ok();
  }

  Result<Accepted> Apply(const Prepared& p, Micros now, Overlay& o, IndexChanges& index_changes) {
    const Statement& st = p.statement;
    const std::uint64_t log_index = tree_size_;
    SIGNET_ASSIGN_OR_RETURN(auto dup, o.Get(Column::kStatementIds, p.statement_id));
    if (dup) {
      SIGNET_ASSIGN_OR_RETURN(auto at, records::ParseU64Key(*dup));
      return Status::AlreadyExists("this statement was already accepted at log index " +
                                   std::to_string(at));
    }
    SIGNET_ASSIGN_OR_RETURN(
        auto existing, GetRecord<Artist>(o, Column::kArtists, st.artist, records::DecodeArtist));
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
      SIGNET_RETURN_IF_ERROR(Authorize(p, artist));
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

    Accepted acc;
    acc.statement_id = p.statement_id;
    acc.type = st.type;
    acc.artist_id = st.artist;
    acc.log_index = log_index;
    acc.accepted_at = now;
    HistoryEntry h{log_index, p.statement_id, st.type, st.artist, st.seq, st.issued_at, now};

    switch (st.type) {
      case StatementType::kArtistRegister: {
        const auto& b = std::get<ArtistRegisterBody>(st.body);
        artist.id = st.artist;
        artist.current_key = b.public_key;
        artist.display_name = b.display_name;
        artist.isni = b.isni;
        artist.ipi = b.ipi;
        artist.links = b.links;
        artist.registered_at = now;
        artist.register_log_index = log_index;
        ++counters_.artists;
        break;
      }
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
        artist.previous_keys.push_back(artist.current_key);
        artist.current_key = b.new_public_key;
        break;
      }
      case StatementType::kArtistDefaultTerms: {
        const auto& b = std::get<ArtistDefaultTermsBody>(st.body);
        artist.default_terms = b.terms;
        o.Put(Column::kTermsHistory,
              records::TermsHistoryKey(records::TermsOwnerArtist(artist.id), now, log_index),
              records::EncodeTermsRecord({b.terms, log_index, now}));
        break;
      }
      case StatementType::kWorkRegister: {
        SIGNET_ASSIGN_OR_RETURN(
            Work w, ApplyWorkRegister(p, artist, now, log_index, o, index_changes, acc, h));
        acc.work_id = w.id;
        acc.work = std::move(w);
        break;
      }
      case StatementType::kWorkTerms: {
        const auto& b = std::get<WorkTermsBody>(st.body);
        SIGNET_ASSIGN_OR_RETURN(Work w, LoadOwnWork(o, b.work, artist, "change its terms"));
        w.terms = b.terms;
        w.updated_at = now;
        o.Put(Column::kTermsHistory,
              records::TermsHistoryKey(records::TermsOwnerWork(w.id), now, log_index),
              records::EncodeTermsRecord({b.terms, log_index, now}));
        o.Put(Column::kWorks, w.id, records::EncodeWork(w));
        AddHistory(o, w.id, h);
        acc.work_id = w.id;
        acc.work = std::move(w);
        break;
      }
      case StatementType::kWorkWithdraw: {
        const auto& b = std::get<WorkWithdrawBody>(st.body);
        SIGNET_ASSIGN_OR_RETURN(Work w, LoadOwnWork(o, b.work, artist, "withdraw it"));
        w.withdrawn = true;
        w.updated_at = now;
        --counters_.works;
        ++counters_.withdrawn_works;
        if (artist.work_count > 0) --artist.work_count;
        SIGNET_ASSIGN_OR_RETURN(auto fpv,
                                o.Get(Column::kFingerprints, U64Key(w.register_log_index)));
        if (!fpv) return Status::Internal("work " + w.id + " has no stored fingerprint");
        SIGNET_ASSIGN_OR_RETURN(auto fpr, records::DecodeFingerprint(*fpv));
        o.Put(Column::kFingerprints, U64Key(w.register_log_index),
              records::EncodeFingerprint(w.id, false, fpr.values));
        index_changes.removed.push_back(w.register_log_index);
        // A withdrawn work no longer claims the recording: its disputes end.
        for (const std::string& did : std::vector<std::string>(w.open_disputes)) {
          SIGNET_ASSIGN_OR_RETURN(
              auto d, GetRecord<Dispute>(o, Column::kDisputes, did, records::DecodeDispute));
          if (!d || d->state != DisputeState::kOpen) continue;
          SIGNET_RETURN_IF_ERROR(ResolveDispute(o, *d, artist.id,
                                                "work " + w.id + " withdrawn by its artist", now,
                                                log_index, h, &w));
        }
        o.Put(Column::kWorks, w.id, records::EncodeWork(w));
        AddHistory(o, w.id, h);
        acc.work_id = w.id;
        acc.work = std::move(w);
        break;
      }
      case StatementType::kDisputeOpen: {
        const auto& b = std::get<DisputeOpenBody>(st.body);
        SIGNET_ASSIGN_OR_RETURN(Work mine, LoadOwnWork(o, b.work, artist, "dispute with it"));
        SIGNET_ASSIGN_OR_RETURN(
            auto other, GetRecord<Work>(o, Column::kWorks, b.other_work, records::DecodeWork));
        if (!other) return Status::NotFound("work " + b.other_work + " is not registered");
        if (other->artist == artist.id) {
          return Status::InvalidArgument(
              "dispute.open: field \"other_work\" is your own work; a dispute is between two "
              "artists");
        }
        if (other->withdrawn) {
          return Status::FailedPrecondition("work " + b.other_work + " is withdrawn");
        }
        const std::string did = DisputeIdFor(mine.id, other->id);
        SIGNET_ASSIGN_OR_RETURN(
            auto previous, GetRecord<Dispute>(o, Column::kDisputes, did, records::DecodeDispute));
        if (previous && previous->state == DisputeState::kOpen) {
          return Status::AlreadyExists("dispute " + did + " between these works is already open");
        }
        const bool mine_first = mine.register_log_index < other->register_log_index;
        Dispute d = mine_first ? OpenDispute(o, mine, *other, artist.id, b.reason, 0, now,
                                             log_index, std::move(previous))
                               : OpenDispute(o, *other, mine, artist.id, b.reason, 0, now,
                                             log_index, std::move(previous));
        o.Put(Column::kWorks, mine.id, records::EncodeWork(mine));
        o.Put(Column::kWorks, other->id, records::EncodeWork(*other));
        AddHistory(o, mine.id, h);
        AddHistory(o, other->id, h);
        acc.work_id = mine.id;
        acc.dispute_id = d.id;
        acc.work = std::move(mine);
        acc.dispute = std::move(d);
        break;
      }
      case StatementType::kDisputeResolve: {
        const auto& b = std::get<DisputeResolveBody>(st.body);
        SIGNET_ASSIGN_OR_RETURN(
            auto d, GetRecord<Dispute>(o, Column::kDisputes, b.dispute, records::DecodeDispute));
        if (!d) return Status::NotFound("dispute " + b.dispute + " does not exist");
        if (d->artist_a != artist.id && d->artist_b != artist.id) {
          return Status::PermissionDenied("only the two artists of dispute " + b.dispute +
                                          " may resolve it");
        }
        if (d->state != DisputeState::kOpen) {
          return Status::FailedPrecondition("dispute " + b.dispute + " is already resolved");
        }
        SIGNET_RETURN_IF_ERROR(
            ResolveDispute(o, *d, artist.id, b.resolution, now, log_index, h, nullptr));
        acc.dispute_id = d->id;
        acc.dispute = std::move(*d);
        break;
      }
    }

    artist.last_seq = st.seq;
    o.Put(Column::kArtists, artist.id, records::EncodeArtist(artist));
    acc.artist = std::move(artist);

    // The log leaf and the Merkle nodes it completes go into the same batch.
    const crypto::Digest leaf = merkle::LeafHash(p.envelope_json);
    SIGNET_ASSIGN_OR_RETURN(auto nodes, merkle::AppendLeaf(log_index, leaf, o.Reader()));
    for (const auto& n : nodes) {
      o.Put(Column::kLogNodes, records::NodeKey(n.level, n.index),
            std::string(reinterpret_cast<const char*>(n.hash.data()), n.hash.size()));
    }
    o.Put(Column::kLogLeaves, U64Key(log_index), p.envelope_json);
    o.Put(Column::kStatementIds, p.statement_id, U64Key(log_index));
    return acc;
  }

  Result<Work> ApplyWorkRegister(const Prepared& p, Artist& artist, Micros now,
                                 std::uint64_t log_index, Overlay& o, IndexChanges& index_changes,
                                 Accepted& acc, const HistoryEntry& h) {
    const auto& b = std::get<WorkRegisterBody>(p.statement.body);
    const std::string work_id = WorkIdFor(artist.id, b.fingerprint_values);
    SIGNET_ASSIGN_OR_RETURN(auto existing,
                            GetRecord<Work>(o, Column::kWorks, work_id, records::DecodeWork));
    Work w;
    bool becomes_live = true;
    if (existing) {
      // Same artist, same recording: the same work. Metadata is replaced.
      w = std::move(*existing);
      becomes_live = w.withdrawn;
    } else {
      w.id = work_id;
      w.artist = artist.id;
      w.registered_at = now;
      w.register_log_index = log_index;
      w.fingerprint_length = b.fingerprint_values.size();
    }
    w.title = b.title;
    w.credits = b.credits;
    w.duration_seconds = b.duration_seconds;
    if (b.sha256) w.sha256 = b.sha256;
    if (b.isrc) w.isrc = b.isrc;
    if (b.iswc) w.iswc = b.iswc;
    w.updated_at = now;
    w.withdrawn = false;
    const std::uint64_t ref = w.register_log_index;

    if (becomes_live) {
      ++counters_.works;
      if (existing) --counters_.withdrawn_works;
      ++artist.work_count;
      o.Put(Column::kFingerprints, U64Key(ref),
            records::EncodeFingerprint(w.id, true, b.fingerprint_values));
      o.Put(Column::kArtistWorks, ArtistWorksKey(artist.id, w.id), "");
      if (w.sha256) {
        SIGNET_ASSIGN_OR_RETURN(auto sha_owner, o.Get(Column::kSha256, *w.sha256));
        if (!sha_owner) o.Put(Column::kSha256, *w.sha256, w.id);
      }
      // Another artist's live work with the same recording: keep both, open a dispute.
      std::vector<fp::Match> matches;
      if (p.dispute_matches) {
        matches = *p.dispute_matches;
        std::vector<fp::Match> since =
            MakeMatcher().FindAddedSince(b.fingerprint_values, p.dispute_mark);
        matches.insert(matches.end(), std::make_move_iterator(since.begin()),
                       std::make_move_iterator(since.end()));
      } else {
        matches = MakeMatcher().Find(b.fingerprint_values);
      }
      for (const fp::Match& m : matches) {
        std::string other_id;
        {
          std::shared_lock lock(refs_mu_);
          auto it = refs_.find(m.ref_id);
          if (it == refs_.end()) continue;
          other_id = it->second;
        }
        if (other_id == w.id) continue;
        SIGNET_ASSIGN_OR_RETURN(auto other,
                                GetRecord<Work>(o, Column::kWorks, other_id, records::DecodeWork));
        if (!other || other->withdrawn || other->artist == artist.id) continue;
        const std::string did = DisputeIdFor(w.id, other->id);
        SIGNET_ASSIGN_OR_RETURN(
            auto previous, GetRecord<Dispute>(o, Column::kDisputes, did, records::DecodeDispute));
        if (previous && previous->state == DisputeState::kOpen) continue;
        Dispute d =
            OpenDispute(o, *other, w, "registry",
                        "the recording matches work " + other->id + " of artist " + other->artist,
                        m.score, now, log_index, std::move(previous));
        o.Put(Column::kWorks, other->id, records::EncodeWork(*other));
        AddHistory(o, other->id, h);
        acc.opened_disputes.push_back(std::move(d));
      }
      {
        std::unique_lock lock(refs_mu_);
        SIGNET_RETURN_IF_ERROR(index_.Add(ref, b.fingerprint_values));
        refs_[ref] = w.id;
      }
      index_changes.added.push_back(ref);
    }
    o.Put(Column::kWorks, w.id, records::EncodeWork(w));
    AddHistory(o, w.id, h);
    return w;
  }

  Result<crypto::Receipt> MakeReceipt(std::uint64_t index, std::uint64_t size,
                                      const std::string& checkpoint) const {
    SIGNET_ASSIGN_OR_RETURN(auto leaf, store_->Get(Column::kLogLeaves, U64Key(index)));
    if (!leaf) return Status::Internal("log entry " + std::to_string(index) + " is missing");
    crypto::Receipt r;
    r.leaf_index = index;
    r.tree_size = size;
    r.leaf_hash = merkle::LeafHash(*leaf);
    SIGNET_ASSIGN_OR_RETURN(r.inclusion_proof,
                            merkle::InclusionProof(index, size, StoreReader(store_.get())));
    r.checkpoint = checkpoint;
    return r;
  }

  // ---- read path ----------------------------------------------------------

  fp::Matcher MakeMatcher() const { return fp::Matcher(index_, options_.matcher); }

  Result<Artist> GetArtist(std::string_view id) const {
    SIGNET_ASSIGN_OR_RETURN(auto v, store_->Get(Column::kArtists, id));
    if (!v) return Status::NotFound("artist " + std::string(id) + " is not registered");
    return records::DecodeArtist(*v);
  }

  Result<Work> GetWork(std::string_view id) const {
    SIGNET_ASSIGN_OR_RETURN(auto v, store_->Get(Column::kWorks, id));
    if (!v) return Status::NotFound("work " + std::string(id) + " is not registered");
    return records::DecodeWork(*v);
  }

  Result<Dispute> GetDispute(std::string_view id) const {
    SIGNET_ASSIGN_OR_RETURN(auto v, store_->Get(Column::kDisputes, id));
    if (!v) return Status::NotFound("dispute " + std::string(id) + " does not exist");
    return records::DecodeDispute(*v);
  }

  Result<std::vector<Work>> ListArtistWorks(std::string_view artist_id, std::string_view cursor,
                                            std::size_t limit, Page* page) const {
    SIGNET_ASSIGN_OR_RETURN(Artist a, GetArtist(artist_id));
    limit = std::clamp<std::size_t>(limit, 1, 1000);
    const std::string prefix = std::string(artist_id) + "/";
    std::string start = prefix;
    if (!cursor.empty()) start.append(cursor).push_back('\0');
    std::vector<std::string> ids;
    bool more = false;
    SIGNET_RETURN_IF_ERROR(store_->Scan(Column::kArtistWorks, prefix, start,
                                        [&](std::string_view key, std::string_view) {
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

  Result<std::optional<records::TermsRecord>> TermsRecordAt(std::string_view owner,
                                                            Micros at) const {
    const std::string upper = records::TermsHistoryKey(owner, at, ~0ULL);
    SIGNET_ASSIGN_OR_RETURN(auto e,
                            store_->FindLastAtOrBefore(Column::kTermsHistory, owner, upper));
    if (!e) return std::optional<records::TermsRecord>();
    SIGNET_ASSIGN_OR_RETURN(auto rec, records::DecodeTermsRecord(e->second));
    return std::optional<records::TermsRecord>(std::move(rec));
  }

  Result<TermsAnswer> TermsAt(std::string_view work_id, Micros at) const {
    SIGNET_ASSIGN_OR_RETURN(Work w, GetWork(work_id));
    TermsAnswer a;
    a.work_id = w.id;
    a.at = at;
    SIGNET_ASSIGN_OR_RETURN(auto wt, TermsRecordAt(records::TermsOwnerWork(w.id), at));
    SIGNET_ASSIGN_OR_RETURN(auto dt, TermsRecordAt(records::TermsOwnerArtist(w.artist), at));
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

  Result<std::vector<HistoryEntry>> WorkHistory(std::string_view work_id) const {
    SIGNET_ASSIGN_OR_RETURN(Work w, GetWork(work_id));
    std::vector<HistoryEntry> out;
    Status st;
    SIGNET_RETURN_IF_ERROR(store_->Scan(Column::kWorkHistory, w.id + "/", "",
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

  Result<std::vector<Dispute>> ListDisputes(std::string_view cursor, std::size_t limit,
                                            const DisputeFilter& f, Page* page) const {
    limit = std::clamp<std::size_t>(limit, 1, 1000);
    std::string start;
    if (!cursor.empty()) start = std::string(cursor) + '\0';
    std::vector<Dispute> out;
    bool more = false;
    Status st;
    SIGNET_RETURN_IF_ERROR(
        store_->Scan(Column::kDisputes, "", start, [&](std::string_view, std::string_view v) {
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

  // Fills everything a match result shows about a work.
  Result<WorkMatch> Describe(Work w) const {
    WorkMatch m;
    SIGNET_ASSIGN_OR_RETURN(Artist a, GetArtist(w.artist));
    m.artist_display_name = a.display_name;
    for (const auto& did : w.open_disputes) {
      SIGNET_ASSIGN_OR_RETURN(Dispute d, GetDispute(did));
      m.disputes.push_back(std::move(d));
    }
    m.terms =
        ResolveTerms(w.terms ? &*w.terms : nullptr, a.default_terms ? &*a.default_terms : nullptr);
    m.work = std::move(w);
    return m;
  }

  Result<std::vector<WorkMatch>> Match(std::span<const fp::QueryVariant> variants) const {
    std::vector<fp::Match> found = MakeMatcher().Find(variants);
    std::vector<WorkMatch> out;
    for (const fp::Match& fm : found) {
      std::string id;
      {
        std::shared_lock lock(refs_mu_);
        auto it = refs_.find(fm.ref_id);
        if (it == refs_.end()) continue;
        id = it->second;
      }
      auto w = GetWork(id);
      if (!w.ok()) {
        if (w.status().code() == Status::Code::kNotFound) continue;  // not yet committed
        return w.status();
      }
      if (w->withdrawn) continue;
      SIGNET_ASSIGN_OR_RETURN(WorkMatch m, Describe(std::move(*w)));
      m.score = fm.score;
      m.speed = fm.speed;
      for (const auto& s : fm.segments) {
        m.segments.push_back(
            {s.query_start, s.query_end, s.ref_start, s.ref_end, s.bit_error_rate});
      }
      out.push_back(std::move(m));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const WorkMatch& a, const WorkMatch& b) { return a.score > b.score; });
    return out;
  }

  Result<CheckResult> CheckItem(const CheckRequest& req) const {
    if (!req.fingerprint && !req.sha256) {
      return Status::InvalidArgument("a check item needs a fingerprint, a sha256, or both");
    }
    std::vector<WorkMatch> works;
    if (req.sha256) {
      SIGNET_ASSIGN_OR_RETURN(auto id, store_->Get(Column::kSha256, *req.sha256));
      if (id) {
        SIGNET_ASSIGN_OR_RETURN(Work w, GetWork(*id));
        if (!w.withdrawn) {
          SIGNET_ASSIGN_OR_RETURN(WorkMatch m, Describe(std::move(w)));
          m.score = 1.0;
          works.push_back(std::move(m));
        }
      }
    }
    if (req.fingerprint) {
      const fp::QueryVariant query{*req.fingerprint, 1.0};
      SIGNET_ASSIGN_OR_RETURN(auto matched, Match(std::span<const fp::QueryVariant>(&query, 1)));
      for (auto& m : matched) {
        bool seen = false;
        for (const auto& e : works) seen = seen || e.work.id == m.work.id;
        if (!seen) works.push_back(std::move(m));
      }
    }
    CheckResult out;
    std::vector<VerdictResult> verdicts;
    for (auto& m : works) {
      VerdictResult v = DecideVerdict(m.terms, req.purpose, req.licences, !m.disputes.empty());
      verdicts.push_back(v);
      out.works.push_back({std::move(m), std::move(v)});
    }
    out.verdict = CombineVerdicts(verdicts);
    return out;
  }

  // ---- log side -----------------------------------------------------------

  std::string Checkpoint() const {
    std::shared_lock lock(state_mu_);
    return checkpoint_;
  }
  std::string VerifierKey() const { return signer_.VerifierKey(); }
  std::uint64_t LogSize() const {
    std::shared_lock lock(state_mu_);
    return committed_size_;
  }

  Result<std::string> LogEntry(std::uint64_t index) const {
    if (index >= LogSize()) {
      return Status::NotFound("log entry " + std::to_string(index) + " does not exist (log size " +
                              std::to_string(LogSize()) + ")");
    }
    SIGNET_ASSIGN_OR_RETURN(auto v, store_->Get(Column::kLogLeaves, U64Key(index)));
    if (!v) return Status::Internal("log entry " + std::to_string(index) + " is missing");
    return std::move(*v);
  }

  Result<std::vector<crypto::Digest>> InclusionProof(std::uint64_t index,
                                                     std::uint64_t size) const {
    if (index >= size || size > LogSize()) {
      return Status::InvalidArgument(
          "inclusion proof needs index < size <= " + std::to_string(LogSize()) + " (the log size)");
    }
    return merkle::InclusionProof(index, size, StoreReader(store_.get()));
  }

  Result<std::vector<crypto::Digest>> ConsistencyProof(std::uint64_t old_size,
                                                       std::uint64_t new_size) const {
    if (old_size > new_size || new_size > LogSize()) {
      return Status::InvalidArgument(
          "consistency proof needs old <= new <= " + std::to_string(LogSize()) + " (the log size)");
    }
    return merkle::ConsistencyProof(old_size, new_size, StoreReader(store_.get()));
  }

  Result<crypto::Receipt> ReceiptFor(std::uint64_t index) const {
    std::uint64_t size;
    std::string cp;
    {
      std::shared_lock lock(state_mu_);
      size = committed_size_;
      cp = checkpoint_;
    }
    if (index >= size) {
      return Status::NotFound("log entry " + std::to_string(index) + " does not exist");
    }
    return MakeReceipt(index, size, cp);
  }

  Stats GetStats(bool with_memory) const {
    Stats s;
    std::shared_lock lock(state_mu_);
    s.artists = committed_counters_.artists;
    s.works = committed_counters_.works;
    s.withdrawn_works = committed_counters_.withdrawn_works;
    s.disputes = committed_counters_.disputes;
    s.open_disputes = committed_counters_.open_disputes;
    s.statements = committed_size_;
    s.commit_groups = commit_groups_;
    s.open_seconds = open_seconds_;
    {
      std::shared_lock rlock(refs_mu_);
      s.indexed_works = refs_.size();
    }
    s.index_positions = index_.positions();
    // fp::Index::Stats walks the whole mutable delta: only when asked.
    if (with_memory) s.index_memory_bytes = index_.MemoryBytes();
    return s;
  }

 private:
  std::unique_ptr<Store> store_;
  RegistryOptions options_;
  LogSigner signer_;

  // The fingerprint index and its ref id -> work id map (ref id = log index of
  // the work's first registration). refs_mu_ guards refs_ and orders index
  // updates with them.
  fp::Index index_;
  mutable std::shared_mutex refs_mu_;
  std::unordered_map<std::uint64_t, std::string> refs_;

  // Writer-thread state (touched only by the writer, and by Init before it starts).
  std::uint64_t tree_size_ = 0;
  records::Counters counters_;
  Micros last_accepted_ = 0;

  // Committed state for readers.
  mutable std::shared_mutex state_mu_;
  std::uint64_t committed_size_ = 0;
  std::string checkpoint_;
  records::Counters committed_counters_;
  std::uint64_t commit_groups_ = 0;
  double open_seconds_ = 0;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::unique_ptr<Pending>> queue_;
  bool stopping_ = false;
  std::thread writer_;
};

Registry::Registry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Registry::~Registry() = default;

Result<std::unique_ptr<Registry>> Registry::Open(const std::filesystem::path& dir,
                                                 RegistryOptions options) {
  SIGNET_ASSIGN_OR_RETURN(auto store, RocksDbStore::Open(dir));
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
  auto impl = std::make_unique<Impl>(std::move(store), std::move(options), std::move(signer));
  SIGNET_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<Registry>(new Registry(std::move(impl)));
}

Result<Accepted> Registry::Submit(std::string_view envelope_json) {
  return impl_->Submit(envelope_json);
}
Result<Artist> Registry::GetArtist(std::string_view id) const { return impl_->GetArtist(id); }
Result<std::vector<Work>> Registry::ListArtistWorks(std::string_view artist_id,
                                                    std::string_view cursor, std::size_t limit,
                                                    Page* page) const {
  return impl_->ListArtistWorks(artist_id, cursor, limit, page);
}
Result<Work> Registry::GetWork(std::string_view id) const { return impl_->GetWork(id); }
Result<TermsAnswer> Registry::TermsAt(std::string_view work_id, Micros at) const {
  return impl_->TermsAt(work_id, at);
}
Result<std::string> Registry::ExportTerms(std::string_view work_id, ExportFormat format,
                                          std::string_view location) const {
  SIGNET_ASSIGN_OR_RETURN(TermsAnswer a, impl_->TermsAt(work_id, impl_->Now()));
  return registry::ExportTerms(a.effective, format, location);
}
Result<std::vector<HistoryEntry>> Registry::WorkHistory(std::string_view work_id) const {
  return impl_->WorkHistory(work_id);
}
Result<std::vector<Dispute>> Registry::ListDisputes(std::string_view cursor, std::size_t limit,
                                                    const DisputeFilter& filter, Page* page) const {
  return impl_->ListDisputes(cursor, limit, filter, page);
}
Result<Dispute> Registry::GetDispute(std::string_view id) const { return impl_->GetDispute(id); }
Result<std::vector<WorkMatch>> Registry::Match(std::span<const std::uint32_t> query) const {
  const fp::QueryVariant v{query, 1.0};
  return impl_->Match(std::span<const fp::QueryVariant>(&v, 1));
}

Result<std::vector<WorkMatch>> Registry::Match(std::span<const fp::QueryVariant> variants) const {
  return impl_->Match(variants);
}
Result<CheckResult> Registry::CheckItem(const CheckRequest& request) const {
  return impl_->CheckItem(request);
}
std::string Registry::Checkpoint() const { return impl_->Checkpoint(); }
std::string Registry::VerifierKey() const { return impl_->VerifierKey(); }
std::uint64_t Registry::LogSize() const { return impl_->LogSize(); }
Result<std::string> Registry::LogEntry(std::uint64_t index) const { return impl_->LogEntry(index); }
Result<std::vector<crypto::Digest>> Registry::InclusionProof(std::uint64_t index,
                                                             std::uint64_t size) const {
  return impl_->InclusionProof(index, size);
}
Result<std::vector<crypto::Digest>> Registry::ConsistencyProof(std::uint64_t old_size,
                                                               std::uint64_t new_size) const {
  return impl_->ConsistencyProof(old_size, new_size);
}
Result<crypto::Receipt> Registry::ReceiptFor(std::uint64_t index) const {
  return impl_->ReceiptFor(index);
}
Stats Registry::GetStats(bool with_index_memory) const {
  return impl_->GetStats(with_index_memory);
}

}  // namespace signet::registry

#include "registry/work_index.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <limits>
#include <set>
#include <utility>

#include "crypto/encoding.h"
#include "fingerprint/landmark_matcher.h"
#include "registry/keys.h"
#include "registry/records.h"
#include "registry/submission.h"
#include "registry/transparency_log.h"

namespace signet::registry {
namespace {

// A work id "wk_" + 32 hex digits is the 16 bytes of the index tag.
fp::IndexTag TagOf(std::string_view work_id) {
  fp::IndexTag tag{};
  if (work_id.size() == 35) {
    auto bytes = crypto::HexDecode(work_id.substr(3));
    if (bytes.ok() && bytes->size() == tag.size()) {
      std::copy(bytes->begin(), bytes->end(), tag.begin());
    }
  }
  return tag;
}

std::string WorkIdOf(const fp::IndexTag& tag) {
  return "wk_" + crypto::HexEncode(crypto::ByteView(tag.data(), tag.size()));
}

fp::IndexCover CoverOf(std::uint64_t size, const crypto::Digest& root) {
  fp::IndexCover c;
  c.position = size;
  std::copy(root.begin(), root.end(), c.digest.begin());
  return c;
}

// The landmark index persists in index/landmark/ (fingerprint/INDEX.md).
fp::LandmarkIndexOptions LandmarkOptionsFor(const std::filesystem::path& index_dir) {
  fp::LandmarkIndexOptions o;
  if (!index_dir.empty()) o.directory = index_dir / "landmark";
  return o;
}

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A window's matches with their query times counted from the start of the
// whole registration (the window starts `offset` positions into it).
void ShiftToRecording(std::vector<fp::Match>& matches, std::size_t offset) {
  const double by = static_cast<double>(offset) * fp::kSecondsPerPosition;
  for (fp::Match& m : matches) {
    for (fp::Segment& seg : m.segments) {
      seg.query_start += by;
      seg.query_end += by;
    }
  }
}

}  // namespace

WorkIndex::WorkIndex(WorkIndexOptions options)
    : options_(std::move(options)),
      index_(options_.index),
      landmarks_(LandmarkOptionsFor(options_.index.directory)) {}

WorkIndex::~WorkIndex() {
  stop_ = true;
  if (rebuilder_.joinable()) rebuilder_.join();
  if (complete() && !options_.index.directory.empty()) {
    // A clean shutdown: everything flushed, the next start replays nothing.
    const Status s = index_.Persist();
    if (!s.ok()) Log("fingerprint index: not persisted at shutdown: " + s.ToString());
    bool loading;
    {
      std::lock_guard lock(mu_);
      loading = landmarks_loading_;
    }
    if (!loading) {
      const Status l = landmarks_.Persist();
      if (!l.ok()) Log("landmark index: not persisted at shutdown: " + l.ToString());
    }
  }
}

void WorkIndex::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

Result<std::string> WorkIndex::WhyNotResume(const fp::IndexOpenReport& r,
                                            const std::filesystem::path& dir,
                                            const TransparencyLog& log) const {
  const std::uint64_t size = log.Size();
  if (dir.empty()) return std::string("the index is kept in memory only");
  if (r.state == fp::IndexOpenReport::State::kNone) return "no persisted index in " + dir.string();
  if (r.state == fp::IndexOpenReport::State::kDiscarded) {
    return "the persisted index was unusable: " + r.message;
  }
  if (!r.cover || r.cover->position > size) {
    return "the persisted index covers " +
           (r.cover ? std::to_string(r.cover->position) + " statements" : std::string("nothing")) +
           ", the log has " + std::to_string(size);
  }
  SIGNET_ASSIGN_OR_RETURN(crypto::Digest root, log.RootAt(r.cover->position));
  if (CoverOf(r.cover->position, root) != *r.cover) {
    return "the persisted index was built from another log (root mismatch at size " +
           std::to_string(r.cover->position) + ")";
  }
  return std::string();
}

Status WorkIndex::Open(const Store& store, const TransparencyLog& log) {
  const auto t0 = std::chrono::steady_clock::now();
  const fp::IndexOpenReport& r = index_.open_report();
  const fp::IndexOpenReport& lr = landmarks_.open_report();
  const std::uint64_t size = log.Size();
  SIGNET_ASSIGN_OR_RETURN(std::string why, WhyNotResume(r, options_.index.directory, log));
  SIGNET_ASSIGN_OR_RETURN(
      std::string landmark_why,
      WhyNotResume(lr, LandmarkOptionsFor(options_.index.directory).directory, log));
  if (why.empty()) {
    // Each print resumes from its own cover; the replay starts at the lower
    // one and sets each work to what the store holds.
    const bool landmarks_resume = landmark_why.empty();
    std::uint64_t from = r.cover->position;
    if (landmarks_resume) from = std::min(from, lr.cover->position);
    if (!landmarks_resume) {
      landmarks_.Reset();
      landmarks_.SetPersisting(false);  // until every stored print is loaded
      std::lock_guard lock(mu_);
      landmarks_loading_ = true;
    }
    SIGNET_ASSIGN_OR_RETURN(std::size_t landmark_reads, Replay(store, log, from, landmarks_resume));
    SIGNET_ASSIGN_OR_RETURN(crypto::Digest root, log.RootAt(size));
    index_.SetCover(CoverOf(size, root));
    if (landmarks_resume) landmarks_.SetCover(CoverOf(size, root));
    std::lock_guard lock(mu_);
    last_cover_ = CoverOf(size, root);
    complete_ = true;
    open_seconds_ = SecondsSince(t0);
    message_ =
        "fingerprint index: " + r.message + " in " + std::to_string(r.seconds) +
        " s; replayed statements " + std::to_string(from) + " to " + std::to_string(size) +
        "; ready in " + std::to_string(open_seconds_) + " s; landmark index: " +
        (landmarks_resume
             ? lr.message + ", " + std::to_string(landmark_reads) + " stored landmark prints read"
             : "rebuilding from the registry while Chromaprint serves (" + landmark_why + ")");
    Log(message_);
    if (!landmarks_resume) {
      rebuilder_ = std::thread([this, s = &store] { RebuildLandmarks(s); });
    }
    return Status::Ok();
  }
  // Rebuild, serving reads meanwhile. Registrations wait (Registry::Submit).
  SIGNET_RETURN_IF_ERROR(index_.Reset());
  landmarks_.Reset();
  landmarks_.SetPersisting(false);  // until every stored print is loaded
  {
    std::lock_guard lock(mu_);
    complete_ = false;
    landmarks_loading_ = true;
    open_seconds_ = SecondsSince(t0);
    message_ = "fingerprint index: rebuilding from the registry (" + why + ")";
  }
  Log(message_);
  rebuilder_ = std::thread([this, s = &store, why] { Rebuild(s, why); });
  return Status::Ok();
}

void WorkIndex::RebuildLandmarks(const Store* store) {
  const auto t0 = std::chrono::steady_clock::now();
  auto loaded = LoadLandmarks(*store);
  if (stop_) return;
  Log(loaded.ok() ? "landmark index: rebuilt " + std::to_string(*loaded) + " landmark prints in " +
                        std::to_string(SecondsSince(t0)) + " s"
                  : "landmark index: rebuild failed: " + loaded.status().ToString() +
                        "; restart signetd to retry");
}

void WorkIndex::Rebuild(const Store* store, std::string why) {
  if (options_.before_rebuild) options_.before_rebuild();
  const auto t0 = std::chrono::steady_clock::now();
  index_.BeginBulkLoad();
  std::size_t added = 0;
  Status st =
      store->Scan(Column::kFingerprints, "", "", [&](std::string_view key, std::string_view value) {
        if (stop_) return false;
        auto ref = keys::ParseU64Key(key);
        auto rec = records::DecodeFingerprint(value);
        if (!ref.ok() || !rec.ok()) {
          Log("fingerprint index: skipping an unreadable kFingerprints entry: " +
              (ref.ok() ? rec.status() : ref.status()).ToString());
          return true;
        }
        if (!rec->live) return true;
        std::lock_guard lock(mu_);
        if (touched_.contains(*ref)) return true;  // the writer has the last word
        Status a = index_.Add(*ref, rec->values, TagOf(rec->work_id));
        if (!a.ok()) Log("fingerprint index: ref " + std::to_string(*ref) + ": " + a.ToString());
        ++added;
        return true;
      });
  if (stop_) return;
  index_.Compact();
  std::size_t landmarks = 0;
  if (st.ok()) {
    auto loaded = LoadLandmarks(*store);
    if (loaded.ok()) {
      landmarks = *loaded;
    } else {
      st = loaded.status();
    }
  }
  if (stop_) return;
  std::lock_guard lock(mu_);
  if (!st.ok()) {
    // Not complete, and it says so: queries stay partial, registrations wait.
    failed_ = st.WithContext("rebuilding the fingerprint index");
    message_ = "fingerprint index: rebuild failed after " + std::to_string(added) +
               " works: " + st.ToString() + "; restart signetd to retry";
    Log(message_);
    complete_cv_.notify_all();
    return;
  }
  complete_ = true;
  touched_.clear();
  // No registration was applied meanwhile (they wait for complete()), so the
  // last group's cover holds for the rebuilt index too.
  if (last_cover_) index_.SetCover(*last_cover_);
  message_ = "fingerprint index: rebuilt " + std::to_string(added) + " works (" +
             std::to_string(landmarks) + " with landmark prints) in " +
             std::to_string(SecondsSince(t0)) + " s (" + why + ")";
  Log(message_);
  complete_cv_.notify_all();
}

Result<std::size_t> WorkIndex::LoadLandmarks(const Store& store) {
  // One base build at Compact() instead of a series of merges.
  landmarks_.BeginBulkLoad();
  std::size_t added = 0;
  Status st =
      store.Scan(Column::kLandmarks, "", "", [&](std::string_view key, std::string_view value) {
        if (stop_) return false;
        auto ref = keys::ParseU64Key(key);
        auto rec = records::DecodeLandmark(value);
        if (!ref.ok() || !rec.ok()) {
          Log("landmark index: skipping an unreadable kLandmarks entry: " +
              (ref.ok() ? rec.status() : ref.status()).ToString());
          return true;
        }
        std::lock_guard lock(mu_);
        // The writer has the last word.
        if (touched_.contains(*ref) || landmark_touched_.contains(*ref)) return true;
        const auto tag = index_.Tag(*ref);
        if (!tag) return true;  // withdrawn: its print stays stored
        Status a = landmarks_.Add(*ref, rec->print, *tag);
        if (!a.ok()) {
          Log("landmark index: ref " + std::to_string(*ref) + ": " + a.ToString());
          return true;
        }
        ++added;
        return true;
      });
  // Shutting down: nothing is stored, the next start rebuilds.
  if (stop_) return Status::Unavailable("the landmark rebuild stopped at shutdown");
  if (st.ok()) {
    // The writer's changes meanwhile are in the delta, which the base built
    // now includes: it reflects the last durable group, and may be stored.
    std::lock_guard lock(mu_);
    if (last_cover_) landmarks_.SetCover(*last_cover_);
    landmarks_.SetPersisting(true);
  }
  landmarks_.Compact();
  std::lock_guard lock(mu_);
  landmarks_loading_ = false;
  landmark_touched_.clear();
  if (!st.ok()) return st.WithContext("rebuilding the landmark index");
  return added;
}

Result<std::size_t> WorkIndex::Replay(const Store& store, const TransparencyLog& log,
                                      std::uint64_t from, bool landmarks) {
  // The works registered or withdrawn since `from`; each is then set to what
  // the store holds now, so the order of the statements does not matter.
  std::set<std::string> works;
  const Micros now = SystemNowMicros();
  for (std::uint64_t i = from; i < log.Size(); ++i) {
    SIGNET_ASSIGN_OR_RETURN(std::string leaf, log.Leaf(i));
    auto s = ParseSubmission(leaf, now, std::numeric_limits<Micros>::max() / 4);
    if (!s.ok()) continue;  // accepted once, so readable; nothing to index if not
    const Statement& st = s->statement;
    if (st.type == StatementType::kWorkRegister) {
      works.insert(WorkIdFor(st.artist, std::get<WorkRegisterBody>(st.body).fingerprint_values));
    } else if (st.type == StatementType::kWorkWithdraw) {
      works.insert(std::get<WorkWithdrawBody>(st.body).work);
    }
  }
  std::size_t landmark_reads = 0;
  for (const std::string& id : works) {
    SIGNET_ASSIGN_OR_RETURN(auto v, store.Get(Column::kWorks, id));
    if (!v) continue;  // never accepted
    SIGNET_ASSIGN_OR_RETURN(Work w, records::DecodeWork(*v));
    const std::uint64_t ref = w.register_log_index;
    if (w.withdrawn) {
      index_.Remove(ref);
      landmarks_.Remove(ref);
      continue;
    }
    if (landmarks) {
      // A later work.register may have added or replaced the landmark print
      // of a work Chromaprint already holds: set it from the store.
      SIGNET_ASSIGN_OR_RETURN(auto lv, store.Get(Column::kLandmarks, keys::LandmarkKey(ref)));
      if (lv) {
        SIGNET_ASSIGN_OR_RETURN(records::LandmarkRecord rec, records::DecodeLandmark(*lv));
        ++landmark_reads;
        const Status a = landmarks_.Add(ref, rec.print, TagOf(id));
        if (!a.ok()) Log("landmark index: ref " + std::to_string(ref) + ": " + a.ToString());
      } else {
        landmarks_.Remove(ref);
      }
    }
    if (index_.Contains(ref)) continue;
    SIGNET_ASSIGN_OR_RETURN(auto fv, store.Get(Column::kFingerprints, keys::FingerprintKey(ref)));
    if (!fv) return Status::Internal("work " + id + " has no stored fingerprint");
    SIGNET_ASSIGN_OR_RETURN(records::FingerprintRecord rec, records::DecodeFingerprint(*fv));
    SIGNET_RETURN_IF_ERROR(index_.Add(ref, rec.values, TagOf(id)));
  }
  return landmark_reads;
}

bool WorkIndex::complete() const {
  std::lock_guard lock(mu_);
  return complete_;
}

bool WorkIndex::WaitUntilComplete(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  complete_cv_.wait_for(lock, timeout, [this] { return complete_ || !failed_.ok(); });
  return complete_;
}

Status WorkIndex::failed() const {
  std::lock_guard lock(mu_);
  return failed_;
}

WorkIndex::Status_ WorkIndex::state() const {
  std::lock_guard lock(mu_);
  return {complete_, message_, open_seconds_};
}

std::vector<std::span<const std::uint32_t>> WorkIndex::DisputeWindows(
    std::span<const std::uint32_t> values) const {
  const std::size_t k = options_.dispute_windows, w = options_.dispute_window_positions;
  if (k == 0 || w == 0 || values.size() <= k * w) return {values};
  // Evenly spread: window j starts at (n - w) * (2j + 1) / (2k).
  std::vector<std::span<const std::uint32_t>> out;
  for (std::size_t j = 0; j < k; ++j) {
    const std::size_t start = (values.size() - w) * (2 * j + 1) / (2 * k);
    out.push_back(values.subspan(start, w));
  }
  return out;
}

fp::Matcher WorkIndex::DisputeMatcher() const {
  fp::MatchOptions o = options_.matcher;
  o.max_candidates = std::min(o.max_candidates, options_.dispute_candidates);
  o.max_probed_positions = std::min(o.max_probed_positions, options_.dispute_probed_positions);
  return fp::Matcher(index_, o);
}

EarlySearch WorkIndex::SearchEarly(std::span<const std::uint32_t> values) const {
  EarlySearch s;
  const fp::Matcher matcher = DisputeMatcher();
  bool first = true;
  for (const auto& window : DisputeWindows(values)) {
    fp::IndexMark mark;
    std::vector<fp::Match> m = matcher.FindSettled(window, &mark);
    ShiftToRecording(m, static_cast<std::size_t>(window.data() - values.data()));
    if (first) s.mark = mark;  // the earliest: FindAddedSince covers the rest
    first = false;
    s.matches.insert(s.matches.end(), std::make_move_iterator(m.begin()),
                     std::make_move_iterator(m.end()));
  }
  return s;
}

Result<std::vector<Overlap>> WorkIndex::FindOverlaps(std::span<const std::uint32_t> values,
                                                     const EarlySearch* early) const {
  std::vector<fp::Match> matches;
  const fp::Matcher matcher = DisputeMatcher();
  if (early) matches = early->matches;
  const auto windows = DisputeWindows(values);
  std::vector<std::pair<double, double>> searched;  // in positions
  for (const auto& window : windows) {
    const auto offset = static_cast<std::size_t>(window.data() - values.data());
    searched.emplace_back(static_cast<double>(offset), static_cast<double>(offset + window.size()));
    std::vector<fp::Match> m =
        early ? matcher.FindAddedSince(window, early->mark) : matcher.Find(window);
    ShiftToRecording(m, offset);
    matches.insert(matches.end(), std::make_move_iterator(m.begin()),
                   std::make_move_iterator(m.end()));
  }
  return ToOverlaps(matches, values.size(), UnionLength(std::move(searched)));
}

std::vector<Overlap> WorkIndex::ToOverlaps(const std::vector<fp::Match>& matches,
                                           std::size_t positions, double searched) const {
  // One entry per work, with its best score, in the order first found, and
  // the union of the query spans its segments cover. The windows are spread
  // evenly over the recording, so the share of the searched positions a work
  // covers estimates its share of the whole recording.
  std::vector<Overlap> out;
  std::vector<std::vector<std::pair<double, double>>> spans;
  for (const fp::Match& m : matches) {
    const auto tag = index_.Tag(m.ref_id);
    if (!tag) continue;  // withdrawn meanwhile
    std::string id = WorkIdOf(*tag);
    auto it =
        std::find_if(out.begin(), out.end(), [&](const Overlap& o) { return o.work_id == id; });
    if (it == out.end()) {
      out.push_back({std::move(id), m.score, 0});
      spans.emplace_back();
      it = out.end() - 1;
    } else {
      it->score = std::max(it->score, m.score);
    }
    auto& own = spans[static_cast<std::size_t>(it - out.begin())];
    for (const fp::Segment& seg : m.segments) own.emplace_back(seg.query_start, seg.query_end);
  }
  const double scale = searched > 0 ? static_cast<double>(positions) / searched : 1.0;
  const double recording = static_cast<double>(positions) * fp::kSecondsPerPosition;
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].shared_seconds = std::min(recording, UnionLength(std::move(spans[i])) * scale);
  }
  return out;
}

std::vector<WorkIndex::Found> WorkIndex::Find(std::span<const fp::QueryVariant> variants) const {
  std::vector<fp::Match> found = MakeMatcher().Find(variants);
  std::vector<Found> out;
  for (fp::Match& m : found) {
    const auto tag = index_.Tag(m.ref_id);
    if (!tag) continue;
    out.push_back({WorkIdOf(*tag), std::move(m)});
  }
  return out;
}

Status WorkIndex::Add(std::uint64_t ref, std::string_view work_id,
                      std::span<const std::uint32_t> values) {
  std::lock_guard lock(mu_);
  if (!complete_) touched_.insert(ref);
  return index_.Add(ref, values, TagOf(work_id));
}

void WorkIndex::Remove(std::span<const std::uint64_t> refs) {
  if (refs.empty()) return;
  std::lock_guard lock(mu_);
  for (std::uint64_t ref : refs) {
    if (!complete_) touched_.insert(ref);
    if (landmarks_loading_) landmark_touched_.insert(ref);
    index_.Remove(ref);
    landmarks_.Remove(ref);
  }
}

std::vector<WorkIndex::FusedFound> WorkIndex::FindFused(std::span<const fp::QueryVariant> variants,
                                                        const fp::LandmarkPrint& landmark) const {
  // Each print reports candidates up to a looser bar than its own default, so
  // that fusion sees agreements; fp::Fuse applies the one bar (fusion.h).
  const double refs = static_cast<double>(works());
  const fp::MatchOptions chroma_options = fp::ChromaprintLoosened(options_.matcher, refs);
  fp::LandmarkMatchOptions landmark_options;
  landmark_options.max_pair_probability = 1e-4;
  const fp::Matcher matcher(index_, chroma_options);
  std::vector<fp::Match> chroma = matcher.Find(variants);
  std::vector<fp::LandmarkMatch> marks =
      fp::LandmarkMatcher(landmarks_, landmark_options).Find(landmark);
  std::vector<FusedFound> out;
  fp::FusionOptions fusion;
  fusion.chromaprint_references = std::max(refs, chroma_options.min_references);
  const std::vector<fp::LineLook> lines =
      fp::LookAlongLandmarkLines(matcher, variants, marks, fusion.chromaprint_references, chroma);
  for (fp::FusedMatch& f : fp::Fuse(chroma, marks, works(), fusion, lines)) {
    const auto tag = index_.Tag(f.ref_id);
    if (!tag) continue;  // withdrawn meanwhile
    FusedFound found;
    found.work_id = WorkIdOf(*tag);
    for (fp::Match& c : chroma) {  // the work's best (fp::LookAlongLandmarkLines adds more)
      if (c.ref_id == f.ref_id && (!found.chromaprint || c.e_value < found.chromaprint->e_value))
        found.chromaprint = c;
    }
    found.match = std::move(f);
    out.push_back(std::move(found));
  }
  return out;
}

Status WorkIndex::AddLandmark(std::uint64_t ref, const fp::LandmarkPrint& print) {
  std::lock_guard lock(mu_);
  if (!complete_) touched_.insert(ref);
  if (landmarks_loading_) landmark_touched_.insert(ref);
  return landmarks_.Add(ref, print, index_.Tag(ref).value_or(fp::IndexTag{}));
}

void WorkIndex::RestoreLandmarks(const Store& store, std::span<const std::uint64_t> refs) {
  for (std::uint64_t ref : refs) {
    std::optional<fp::LandmarkPrint> print;
    auto stored = store.Get(Column::kLandmarks, keys::LandmarkKey(ref));
    if (stored.ok() && *stored) {
      if (auto rec = records::DecodeLandmark(**stored); rec.ok()) print = std::move(rec->print);
    }
    std::lock_guard lock(mu_);
    if (!complete_) touched_.insert(ref);
    if (landmarks_loading_) landmark_touched_.insert(ref);
    if (const auto tag = index_.Tag(ref); print && tag) {
      if (landmarks_.Add(ref, *print, *tag).ok()) continue;
    }
    landmarks_.Remove(ref);
  }
}

void WorkIndex::Committed(std::uint64_t tree_size, const crypto::Digest& root) {
  std::lock_guard lock(mu_);
  last_cover_ = CoverOf(tree_size, root);
  if (complete_) index_.SetCover(*last_cover_);
  // Safe while the landmark index is rebuilt too: a bulk load writes nothing
  // until its Compact, which includes every change the writer made.
  landmarks_.SetCover(*last_cover_);
}

}  // namespace signet::registry

// WorkIndex: the indexes of live works, Chromaprint's (fingerprint/index.h)
// and the landmark print's (fingerprint/landmark_index.h, for the works whose
// registration carries one), each recording under its ref id (the log index
// of the work's first registration, registry/STORAGE.md kFingerprints and
// kLandmarks; both indexes use it) with its work id kept in the Chromaprint
// index's per-reference tag, so the registry keeps no map of its own.
//
// Start-up (Open): the index persists its segments in a directory of its own
// with a cover, the log size and root it reflected. If the cover is a
// prefix of this registry's log (same root at that size), Open replays only
// the statements after it (registrations and withdrawals) and the index is
// complete at once. Otherwise (no index yet, damaged files, a log that does
// not extend the cover) Open says why through the log callback and rebuilds
// the index from kFingerprints on a background thread; until it is complete
// queries answer from what is indexed so far and say so (complete() false),
// and Registry::Submit holds work registrations back (their dispute search
// needs every work).
//
// The landmark index persists in `landmark/` under the index directory with a
// cover of its own (fingerprint/INDEX.md, "Landmark segments"). When both
// covers hold, Open replays from the lower one, setting each work's landmark
// print from kLandmarks too, and reads no other landmark print. When only the
// landmark index is unusable, Open says why, Chromaprint serves at once and
// the landmark index is rebuilt from kLandmarks on a background thread
// (fused queries meanwhile see the landmark prints indexed so far); when the
// Chromaprint index is rebuilt, the landmark index is rebuilt after it on the
// same thread.
//
// Afterwards the group-commit writer adds a work's recording as soon as its
// statement is applied (so that later statements of the same group find
// it), removes added ones again when the group's write fails, removes
// withdrawn works once their group is durable, and then names the new cover
// (Committed). It answers the dispute search of the statement applier
// (OverlapFinder) and the matches of queries.
//
// The dispute search of a registration longer than a few windows searches a
// few 10-second windows spread over it instead of the whole recording (its
// cost would otherwise grow with the track: a 3-minute registration is 18
// queries' worth). A copy of a registered recording is found by any window;
// a shared passage shorter than the gaps between windows can be missed
// (registry/STORAGE.md "Dispute search").
//
// Thread safety: every method may be called from any thread at once; Open
// once, before the others.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "crypto/sha256.h"
#include "fingerprint/fusion.h"
#include "fingerprint/index.h"
#include "fingerprint/landmark_index.h"
#include "fingerprint/matcher.h"
#include "registry/overlap_finder.h"
#include "registry/store.h"

namespace signet::registry {

class TransparencyLog;

struct WorkIndexOptions {
  fp::IndexOptions index;  // index.directory empty: in memory, rebuilt at every Open
  fp::MatcherOptions matcher;
  // Registrations longer than dispute_windows * dispute_window_positions are
  // searched in that many windows of that many positions (81: 10 s).
  std::size_t dispute_windows = 4;
  std::size_t dispute_window_positions = 81;
  // Candidates verified per window: a copy is the window's best-voted
  // candidate by far, so a handful suffices (a query verifies up to 48).
  std::size_t dispute_candidates = 8;
  // Multi-probe positions per window (fp::MatchOptions::max_probed_positions;
  // a query probes all of a 10 s window's 81): a copy is looked for in every
  // window, and the reverberated copies the probes are for keep most of
  // their votes with a third (fingerprint/INDEX.md, "Query and registration
  // CPU").
  std::size_t dispute_probed_positions = 27;
  // One line per start-up event (opened, replayed, rebuilding and why, rebuilt).
  std::function<void(std::string_view)> log;
  // Tests only: called on the rebuild thread before it starts.
  std::function<void()> before_rebuild;
};

class WorkIndex : public OverlapFinder {
 public:
  explicit WorkIndex(WorkIndexOptions options);
  ~WorkIndex() override;  // stops a rebuild; persists a complete index (clean shutdown)
  WorkIndex(const WorkIndex&) = delete;
  WorkIndex& operator=(const WorkIndex&) = delete;

  // Resumes the persisted index or starts rebuilding it (see above). Errors:
  // the Store's, while replaying. REQUIRES: `store` and `log` outlive this.
  Status Open(const Store& store, const TransparencyLog& log);

  // Every live work is indexed (false while a rebuild runs).
  bool complete() const;
  // Waits for complete(); false when `timeout` passed first or the rebuild failed.
  bool WaitUntilComplete(std::chrono::milliseconds timeout) const;
  // Why the rebuild failed (it then stays incomplete until a restart); Ok otherwise.
  Status failed() const;
  struct Status_ {
    bool complete = false;
    std::string message;      // how Open went (opened / replayed / rebuilding and why)
    double open_seconds = 0;  // until queries could start
  };
  Status_ state() const;

  // The dispute search of a verified work.register, on the submitter's thread.
  EarlySearch SearchEarly(std::span<const std::uint32_t> values) const;
  // OverlapFinder: completes `early` (or searches everything without it).
  Result<std::vector<Overlap>> FindOverlaps(std::span<const std::uint32_t> values,
                                            const EarlySearch* early) const override;

  // The works a query contains, in the matcher's order.
  struct Found {
    std::string work_id;
    fp::Match match;
  };
  std::vector<Found> Find(std::span<const fp::QueryVariant> variants) const;

  // An audio query's both prints, merged per work (fingerprint/fusion.h):
  // Chromaprint over `variants` and the landmark matcher over `landmark` (a
  // query print, LandmarkOptions::Query()), each at the looser bar fusion
  // needs, then one bar over the whole registry. `chromaprint` is that
  // print's own match of the work, when it found one (for its bit error rates).
  struct FusedFound {
    std::string work_id;
    fp::FusedMatch match;
    std::optional<fp::Match> chromaprint;
  };
  std::vector<FusedFound> FindFused(std::span<const fp::QueryVariant> variants,
                                    const fp::LandmarkPrint& landmark) const;

  // Indexes `values` under `ref` for `work_id` (errors: fingerprint/index.h).
  Status Add(std::uint64_t ref, std::string_view work_id, std::span<const std::uint32_t> values);
  // Drops each ref from both indexes.
  void Remove(std::span<const std::uint64_t> refs);
  // Indexes a landmark print under `ref`, replacing one indexed before.
  // REQUIRES: `ref` was added (Add or Open). Errors: fingerprint/landmark_index.h.
  Status AddLandmark(std::uint64_t ref, const fp::LandmarkPrint& print);
  // After a failed write: each ref's landmark print as `store` holds it
  // (dropped when it holds none, or the work is no longer indexed).
  void RestoreLandmarks(const Store& store, std::span<const std::uint64_t> refs);
  // After a group is durable and its index changes applied: the index now
  // reflects the log of `tree_size` leaves with root `root`.
  void Committed(std::uint64_t tree_size, const crypto::Digest& root);

  std::size_t works() const { return index_.size(); }  // indexed (live) works
  std::size_t positions() const { return index_.positions(); }
  std::size_t landmark_works() const { return landmarks_.size(); }
  // Walks the index's mutable part: ask rarely (fingerprint/index.h).
  std::size_t MemoryBytes() const { return index_.MemoryBytes(); }
  fp::IndexStats IndexStats() const { return index_.Stats(); }

 private:
  fp::Matcher MakeMatcher() const { return fp::Matcher(index_, options_.matcher); }
  fp::Matcher DisputeMatcher() const;
  // One Overlap per work; shared seconds from what the windows (`searched`
  // positions of a recording of `positions`) found, scaled to the recording.
  std::vector<Overlap> ToOverlaps(const std::vector<fp::Match>& matches, std::size_t positions,
                                  double searched) const;
  // The windows a dispute search covers (the whole recording when short).
  std::vector<std::span<const std::uint32_t>> DisputeWindows(
      std::span<const std::uint32_t> values) const;
  // Replays log entries [from, log.Size()) into the index, and with
  // `landmarks` into the landmark index too; returns the landmark prints read.
  Result<std::size_t> Replay(const Store& store, const TransparencyLog& log, std::uint64_t from,
                             bool landmarks);
  // Why a print's persisted index cannot be resumed ("" when it can).
  Result<std::string> WhyNotResume(const fp::IndexOpenReport& r, const std::filesystem::path& dir,
                                   const TransparencyLog& log) const;
  void RebuildLandmarks(const Store* store);
  void Rebuild(const Store* store, std::string why);
  // Indexes the stored landmark prints of the works the Chromaprint index
  // holds (refs the writer touched meanwhile left to it); returns how many.
  Result<std::size_t> LoadLandmarks(const Store& store);
  void Log(const std::string& line) const;

  WorkIndexOptions options_;
  fp::Index index_;
  fp::LandmarkIndex landmarks_;
  // Orders index updates with the rebuild: a ref the writer touched while a
  // rebuild runs is not added again by the rebuild.
  mutable std::mutex mu_;
  mutable std::condition_variable complete_cv_;
  bool complete_ = false;
  std::unordered_set<std::uint64_t> touched_;  // while rebuilding
  // While the landmark index is rebuilt (LoadLandmarks): refs the writer
  // touched, which the rebuild leaves to it; no SetCover on it meanwhile.
  bool landmarks_loading_ = false;
  std::unordered_set<std::uint64_t> landmark_touched_;
  Status failed_;
  std::string message_;
  double open_seconds_ = 0;
  std::optional<fp::IndexCover> last_cover_;
  std::atomic<bool> stop_{false};
  std::thread rebuilder_;
};

}  // namespace signet::registry

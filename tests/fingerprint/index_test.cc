// The fingerprint index: key derivation, the delta/segment/tombstone life
// cycle, concurrent use, persistence across restarts and crashes.
#include "fingerprint/index.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "fingerprint/codec.h"
#include "fingerprint/index_internal.h"
#include "fingerprint/matcher.h"
#include "fingerprint/segment_file.h"
#include "fingerprint/testing/synthetic.h"
#include "tests/fingerprint/audio_test_util.h"
#include "tests/fingerprint/match_test_util.h"

namespace signet::fp {
namespace {

TEST(IndexKey, TakesTwentySevenBitsMostRobustFirst) {
  EXPECT_EQ(IndexKey(0), 0u);
  EXPECT_EQ(std::popcount(IndexKey(0xffffffffu)), kIndexKeyBits);
  // Bit 31 is the most robust bit: it becomes the key's top bit.
  EXPECT_EQ(IndexKey(0x80000000u), 1u << (kIndexKeyBits - 1));
  // Every single bit maps to at most one key bit, and 5 bits are left out.
  int used = 0;
  for (int b = 0; b < 32; ++b) {
    const std::uint32_t k = IndexKey(1u << b);
    EXPECT_LE(std::popcount(k), 1);
    used += std::popcount(k);
  }
  EXPECT_EQ(used, kIndexKeyBits);
}

TEST(PopCount, EqualsStdPopcount) {
  std::mt19937_64 rng(7);
  std::vector<std::uint32_t> values = {0u, 1u, 0x80000000u, 0xffffffffu, 0x55555555u, 0xaaaaaaaau};
  for (int i = 0; i < 100000; ++i) values.push_back(static_cast<std::uint32_t>(rng()));
  for (std::uint32_t v : values) ASSERT_EQ(internal::PopCount(v), std::popcount(v)) << v;
}

TEST(LowInformationMask, EqualsTheFiveStepDefinition) {
  // The definition: position i is low when the bits flipped over the steps
  // i-2..i+2 (clipped at the ends; step 0 mirrors step 1) average < 1/5 per step.
  std::vector<std::uint32_t> v = SyntheticFingerprints(5).Recording(400);
  for (int i = 100; i < 140; ++i) v[i] = v[99];                            // static
  for (int i = 200; i < 230; ++i) v[i] = v[199] ^ (i % 7 == 0 ? 1u : 0u);  // nearly static
  for (std::size_t n : {std::size_t{2}, std::size_t{3}, std::size_t{5}, v.size()}) {
    std::span<const std::uint32_t> s(v.data(), n);
    std::vector<int> flips(n);
    for (std::size_t j = 1; j < n; ++j) flips[j] = std::popcount(s[j] ^ s[j - 1]);
    flips[0] = flips[1];
    const std::vector<bool> low = LowInformationMask(s);
    ASSERT_EQ(low.size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t lo = i >= 2 ? i - 2 : 0, hi = std::min(n - 1, i + 2);
      int sum = 0;
      for (std::size_t j = lo; j <= hi; ++j) sum += flips[j];
      EXPECT_EQ(low[i], sum * 5 < internal::kLowInformationFlips * static_cast<int>(hi - lo + 1))
          << n << " " << i;
    }
  }
}

TEST(LowInformationMask, FlagsStaticStretchesOnly) {
  std::vector<std::uint32_t> v(40, 0x256df977u);  // silence.ogg's value, held
  SyntheticFingerprints gen(7);
  auto music = gen.Recording(40);
  v.insert(v.end(), music.begin(), music.end());
  const auto low = LowInformationMask(v);
  ASSERT_EQ(low.size(), v.size());
  EXPECT_TRUE(std::all_of(low.begin(), low.begin() + 35, [](bool b) { return b; }));
  EXPECT_GT(std::count(low.begin() + 45, low.end(), false), 30);
}

std::size_t FindRef(const Matcher& m, std::span<const std::uint32_t> q, std::uint64_t* id) {
  const auto found = m.Find(q);
  if (!found.empty()) *id = found[0].ref_id;
  return found.size();
}

using testing::RefIds;
namespace fs = std::filesystem;

IndexTag TagOf(std::uint64_t id) {
  IndexTag t{};
  for (int i = 0; i < 8; ++i) t[i] = static_cast<std::uint8_t>(id >> (8 * i));
  t[15] = 0xab;
  return t;
}

TEST(Index, AddRemoveReplaceAcrossDeltaAndSegments) {
  IndexOptions opt;
  opt.delta_max_positions = 5000;  // a flush every few recordings
  Index index(opt);
  Matcher matcher(index);
  SyntheticFingerprints gen(2);
  std::vector<std::vector<std::uint32_t>> recs;
  for (std::uint64_t id = 0; id < 20; ++id) {
    recs.push_back(gen.Recording(800));
    ASSERT_TRUE(index.Add(id, recs.back(), TagOf(id)).ok());
  }
  index.WaitForMerge();
  EXPECT_EQ(index.size(), 20u);
  EXPECT_EQ(index.positions(), 20u * 800);
  IndexStats s = index.Stats();
  EXPECT_GE(s.flushes, 2u);
  EXPECT_EQ(s.segment_positions + s.delta_positions, 20u * 800);
  for (std::uint64_t id : {0u, 19u}) {  // one in a segment, one in the delta
    std::uint64_t got = 99;
    ASSERT_EQ(FindRef(matcher, std::span(recs[id]).subspan(300, 80), &got), 1u);
    EXPECT_EQ(got, id);
    EXPECT_EQ(index.Tag(id), TagOf(id));
    EXPECT_TRUE(index.Remove(id));
    EXPECT_FALSE(index.Remove(id));
    EXPECT_FALSE(index.Contains(id));
    EXPECT_FALSE(index.Tag(id).has_value());
    EXPECT_EQ(FindRef(matcher, std::span(recs[id]).subspan(300, 80), &got), 0u);
  }
  // Replacing: id 5 now holds recording 0's values.
  ASSERT_TRUE(index.Add(5, recs[0], TagOf(55)).ok());
  std::uint64_t got = 99;
  ASSERT_EQ(FindRef(matcher, std::span(recs[0]).subspan(100, 80), &got), 1u);
  EXPECT_EQ(got, 5u);
  EXPECT_EQ(index.Tag(5), TagOf(55));
  EXPECT_EQ(FindRef(matcher, std::span(recs[5]).subspan(100, 80), &got), 0u);
  index.Compact();
  s = index.Stats();
  EXPECT_EQ(s.segments, 1u);
  EXPECT_EQ(s.delta_positions, 0u);
  EXPECT_EQ(s.dead_positions, 0u);
  EXPECT_EQ(s.recordings, 18u);
  EXPECT_EQ(s.segment_positions, 18u * 800);
  ASSERT_EQ(FindRef(matcher, std::span(recs[0]).subspan(100, 80), &got), 1u);
  EXPECT_EQ(got, 5u);
  for (std::uint64_t id = 1; id < 19; ++id) {
    if (id == 5) continue;
    ASSERT_EQ(FindRef(matcher, std::span(recs[id]).subspan(500, 80), &got), 1u) << id;
    EXPECT_EQ(got, id);
  }
}

// A flush runs on its own thread: while it is held just before its swap,
// Add, Remove, replace and queries go on against the frozen delta and a
// fresh delta; after the swap every change made meanwhile holds.
TEST(Index, AddRemoveAndQueriesGoOnDuringABackgroundFlush) {
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  IndexOptions opt;
  opt.delta_max_positions = 4000;
  std::atomic<int> swaps{0};
  opt.before_merge_swap = [&entered, &swaps, released] {
    if (swaps++ > 0) return;  // only the first flush is held
    entered.set_value();
    released.wait();
  };
  Index index(opt);
  Matcher matcher(index);
  SyntheticFingerprints gen(8);
  std::vector<std::vector<std::uint32_t>> recs;
  for (int i = 0; i < 10; ++i) recs.push_back(gen.Recording(800));
  for (std::uint64_t id = 0; id < 5; ++id) ASSERT_TRUE(index.Add(id, recs[id]).ok());
  entered.get_future().wait();  // the fifth Add froze 0-4 and the flush is held
  EXPECT_EQ(index.Stats().frozen_deltas, 1u);
  EXPECT_EQ(index.Stats().flushes, 0u);

  IndexMark mark;
  std::uint64_t got = 99;
  EXPECT_EQ(RefIds(matcher.Find(std::span(recs[3]).subspan(200, 80), &mark)),
            std::vector<std::uint64_t>{3});  // from the frozen delta
  ASSERT_TRUE(index.Add(6, recs[6]).ok());   // into the new delta, not blocked
  ASSERT_TRUE(index.Add(7, recs[7]).ok());
  EXPECT_TRUE(index.Remove(1));             // withdrawn from the frozen delta
  ASSERT_TRUE(index.Add(2, recs[8]).ok());  // replaced: frozen copy dead, new one in the delta
  auto check = [&] {
    EXPECT_EQ(FindRef(matcher, std::span(recs[6]).subspan(100, 80), &got), 1u);
    EXPECT_EQ(got, 6u);
    EXPECT_EQ(FindRef(matcher, std::span(recs[3]).subspan(100, 80), &got), 1u);
    EXPECT_EQ(got, 3u);
    EXPECT_EQ(FindRef(matcher, std::span(recs[1]).subspan(100, 80), &got), 0u);
    EXPECT_EQ(FindRef(matcher, std::span(recs[2]).subspan(100, 80), &got), 0u);
    EXPECT_EQ(FindRef(matcher, std::span(recs[8]).subspan(100, 80), &got), 1u);
    EXPECT_EQ(got, 2u);
    EXPECT_EQ(index.size(), 6u);
    EXPECT_EQ(index.positions(), 6u * 800);
  };
  check();
  // Only what was added after the mark.
  auto q = std::vector<std::uint32_t>(recs[3].begin() + 200, recs[3].begin() + 280);
  q.insert(q.end(), recs[7].begin() + 300, recs[7].begin() + 380);
  EXPECT_EQ(RefIds(matcher.FindAddedSince(q, mark)), std::vector<std::uint64_t>{7});

  release.set_value();
  index.WaitForMerge();
  const IndexStats s = index.Stats();
  EXPECT_EQ(s.frozen_deltas, 0u);
  EXPECT_GE(s.flushes, 1u);
  check();
  // Slots did not move: the mark still means the same.
  EXPECT_EQ(RefIds(matcher.FindAddedSince(q, mark)), std::vector<std::uint64_t>{7});
  index.Compact();
  EXPECT_EQ(index.Stats().dead_positions, 0u);
  check();
  EXPECT_EQ(RefIds(matcher.FindAddedSince(q, mark)), std::vector<std::uint64_t>{7});
}

// Many small flushes make segments of one size class; the tiered policy
// merges them, and every recording stays findable throughout.
TEST(Index, TieredMergesKeepTheSegmentCountLow) {
  IndexOptions opt;
  opt.delta_max_positions = 2000;
  opt.merge_factor = 3;
  opt.compact_when_idle = std::chrono::milliseconds(0);
  Index index(opt);
  Matcher matcher(index);
  auto rec = [](std::uint64_t id) { return SyntheticFingerprints(1000 + id).Recording(500); };
  for (std::uint64_t id = 0; id < 200; ++id) ASSERT_TRUE(index.Add(id, rec(id)).ok());
  index.WaitForMerge();
  const IndexStats s = index.Stats();
  EXPECT_GE(s.flushes, 40u);
  // How many merges it takes depends on how far the merger lags behind the
  // flushes (a lagging one merges more segments at once); the count does not.
  EXPECT_GE(s.merges, 1u);
  EXPECT_LE(s.segments, 12u);
  for (std::uint64_t id : {0u, 57u, 133u, 199u}) {
    std::uint64_t got = 999;
    ASSERT_EQ(FindRef(matcher, std::span<const std::uint32_t>(rec(id)).subspan(100, 80), &got), 1u)
        << id;
    EXPECT_EQ(got, id);
  }
}

TEST(Index, BulkLoadIsFoundAfterCompact) {
  Index index;
  Matcher matcher(index);
  SyntheticFingerprints gen(5);
  std::vector<std::vector<std::uint32_t>> recs;
  index.BeginBulkLoad();
  for (std::uint64_t id = 0; id < 30; ++id) {
    recs.push_back(gen.Recording(900));
    ASSERT_TRUE(index.Add(id, recs.back()).ok());
  }
  std::uint64_t got = 99;
  EXPECT_EQ(FindRef(matcher, std::span(recs[12]).subspan(200, 80), &got), 0u);
  index.Compact();
  EXPECT_EQ(index.Stats().segments, 1u);
  ASSERT_EQ(FindRef(matcher, std::span(recs[12]).subspan(200, 80), &got), 1u);
  EXPECT_EQ(got, 12u);
  // Back to normal: a new Add is found at once.
  const auto extra = gen.Recording(900);
  ASSERT_TRUE(index.Add(77, extra).ok());
  ASSERT_EQ(FindRef(matcher, std::span(extra).subspan(10, 80), &got), 1u);
  EXPECT_EQ(got, 77u);
}

TEST(Index, RejectsOversizedFingerprints) {
  Index index;
  std::vector<std::uint32_t> huge(kMaxFingerprintValues + 1, 1);
  EXPECT_EQ(index.Add(1, huge).code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(index.Add(2, {}).ok());
  EXPECT_EQ(index.size(), 1u);
}

TEST(Index, PostingsAndValuesTakeUnderSixBytesPerPosition) {
  Index index;
  SyntheticFingerprints gen(3);
  for (std::uint64_t id = 0; id < 300; ++id) ASSERT_TRUE(index.Add(id, gen.Recording(1600)).ok());
  index.Compact();
  const IndexStats s = index.Stats();
  const double per =
      static_cast<double>(s.posting_bytes + s.value_bytes) / static_cast<double>(s.positions);
  EXPECT_LE(per, 6.0);
  EXPECT_GT(index.MemoryBytes(), s.posting_bytes + s.value_bytes);
}

// Writers add, replace and withdraw while readers query: a recording that is
// never touched is found by every query, and nothing crashes (run under ASan
// and TSan).
TEST(Index, ConcurrentAddRemoveWhileQuerying) {
  IndexOptions opt;
  opt.delta_max_positions = 20000;
  opt.compact_when_idle = std::chrono::milliseconds(1);
  Index index(opt);
  SyntheticFingerprints gen(4);
  const auto stable = gen.Recording(1000);
  ASSERT_TRUE(index.Add(1, stable).ok());
  std::vector<std::vector<std::uint32_t>> churn;
  for (int i = 0; i < 40; ++i) churn.push_back(gen.Recording(700));
  std::atomic<bool> done{false};
  std::atomic<int> queries{0}, misses{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      Matcher matcher(index);
      while (!done) {
        const auto found = matcher.Find(std::span(stable).subspan(100 + 50 * t, 80));
        if (found.empty() || found[0].ref_id != 1) ++misses;
        ++queries;
      }
    });
  }
  for (int round = 0; round < 6; ++round) {
    for (std::size_t i = 0; i < churn.size(); ++i) {
      ASSERT_TRUE(index.Add(100 + i, churn[(i + round) % churn.size()]).ok());
    }
    for (std::size_t i = 0; i < churn.size(); i += 2) EXPECT_TRUE(index.Remove(100 + i));
  }
  done = true;
  for (auto& t : readers) t.join();
  index.WaitForMerge();
  EXPECT_GT(queries.load(), 0);
  EXPECT_EQ(misses.load(), 0);
  EXPECT_GE(index.Stats().flushes, 1u);
  EXPECT_EQ(index.size(), 1u + churn.size() / 2);
}

IndexCover CoverAt(std::uint64_t position) {
  IndexCover c;
  c.position = position;
  c.digest[0] = static_cast<std::uint8_t>(position * 7);
  return c;
}

// A clean shutdown (Persist) and a restart: the index opens from its files,
// reports the cover, and answers as before: withdrawn stays withdrawn, tags
// and replacements hold.
TEST(Index, PersistedIndexReopensAsItWas) {
  testing::TempDir dir;
  SyntheticFingerprints gen(31);
  std::vector<std::vector<std::uint32_t>> recs;
  for (int i = 0; i < 40; ++i) recs.push_back(gen.Recording(600));
  IndexOptions opt;
  opt.directory = dir.path();
  opt.delta_max_positions = 6000;
  {
    Index index(opt);
    EXPECT_EQ(index.open_report().state, IndexOpenReport::State::kNone);
    for (std::uint64_t id = 0; id < 40; ++id) {
      ASSERT_TRUE(index.Add(id, recs[id], TagOf(id)).ok());
      index.SetCover(CoverAt(id + 1));
    }
    EXPECT_TRUE(index.Remove(7));
    ASSERT_TRUE(index.Add(8, recs[0], TagOf(88)).ok());
    index.SetCover(CoverAt(100));
    ASSERT_TRUE(index.Persist().ok());
  }
  Index index(opt);
  const IndexOpenReport& r = index.open_report();
  ASSERT_EQ(r.state, IndexOpenReport::State::kOpened) << r.message;
  ASSERT_TRUE(r.cover.has_value());
  EXPECT_EQ(*r.cover, CoverAt(100));
  EXPECT_EQ(r.recordings, 39u);
  EXPECT_EQ(index.size(), 39u);
  EXPECT_FALSE(index.Contains(7));
  EXPECT_EQ(index.Tag(8), TagOf(88));
  EXPECT_EQ(index.Tag(39), TagOf(39));
  Matcher matcher(index);
  std::uint64_t got = 99;
  EXPECT_EQ(FindRef(matcher, std::span(recs[7]).subspan(100, 80), &got), 0u);
  EXPECT_EQ(FindRef(matcher, std::span(recs[8]).subspan(100, 80), &got), 0u);
  ASSERT_EQ(FindRef(matcher, std::span(recs[0]).subspan(100, 80), &got), 2u);  // 0 and 8
  ASSERT_EQ(FindRef(matcher, std::span(recs[33]).subspan(100, 80), &got), 1u);
  EXPECT_EQ(got, 33u);
  // It goes on from there: more additions, another restart.
  ASSERT_TRUE(index.Add(1000, recs[7]).ok());
  index.SetCover(CoverAt(101));
  ASSERT_TRUE(index.Persist().ok());
}

// What came after the last cover is not trusted at restart: the owner
// replays it. Recordings flushed into a segment beyond the cover (their
// registration not yet durable, say) are dropped.
TEST(Index, RecordingsPastThePersistedCoverAreDroppedAtOpen) {
  testing::TempDir dir;
  SyntheticFingerprints gen(32);
  std::vector<std::vector<std::uint32_t>> recs;
  for (int i = 0; i < 10; ++i) recs.push_back(gen.Recording(600));
  IndexOptions opt;
  opt.directory = dir.path();
  {
    Index index(opt);
    for (std::uint64_t id = 0; id < 6; ++id) ASSERT_TRUE(index.Add(id, recs[id]).ok());
    index.SetCover(CoverAt(6));
    for (std::uint64_t id = 6; id < 10; ++id) ASSERT_TRUE(index.Add(id, recs[id]).ok());
    ASSERT_TRUE(index.Persist().ok());  // all ten in a segment, the cover at six
  }
  Index index(opt);
  ASSERT_EQ(index.open_report().state, IndexOpenReport::State::kOpened);
  EXPECT_EQ(*index.open_report().cover, CoverAt(6));
  EXPECT_EQ(index.size(), 6u);
  EXPECT_TRUE(index.Contains(5));
  EXPECT_FALSE(index.Contains(6));
  // The replay adds them again.
  for (std::uint64_t id = 6; id < 10; ++id) ASSERT_TRUE(index.Add(id, recs[id]).ok());
  Matcher matcher(index);
  std::uint64_t got = 99;
  ASSERT_EQ(FindRef(matcher, std::span(recs[9]).subspan(300, 80), &got), 1u);
  EXPECT_EQ(got, 9u);
}

// A damaged segment file (flipped byte, truncated file, another format
// version) or manifest: the index says why, starts empty, and clears the
// directory so that the owner can rebuild into it.
TEST(Index, DamagedFilesAreDiscardedAndReported) {
  SyntheticFingerprints gen(33);
  std::vector<std::vector<std::uint32_t>> recs;
  for (int i = 0; i < 8; ++i) recs.push_back(gen.Recording(700));
  struct Damage {
    const char* what;
    std::function<void(const fs::path& dir)> apply;
    const char* reason;
  };
  auto segment_of = [](const fs::path& dir) {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().filename().string().rfind("chroma-", 0) == 0) return e.path();
    }
    return fs::path();
  };
  const std::vector<Damage> damages = {
      {"flipped byte in the refs",
       [&](const fs::path& d) {
         const fs::path p = segment_of(d);
         auto f = SegmentFile::Open(p, "chromaprint", internal::kChromaSegmentVersion,
                                    internal::kChromaSegmentVersion);
         ASSERT_TRUE(f.ok());
         auto b = testing::ReadFile(p);
         b[(*f)->Find("refs")->offset + 9] ^= 0x10;
         testing::WriteFile(p, b);
       },
       "section 'refs' checksum mismatch"},
      {"truncated segment",
       [&](const fs::path& d) {
         const fs::path p = segment_of(d);
         fs::resize_file(p, fs::file_size(p) - 100);
       },
       "truncated"},
      {"another format version",
       [&](const fs::path& d) {
         const fs::path p = segment_of(d);
         auto b = testing::ReadFile(p);
         b[32] = 9;  // the kind version; the header checksum no longer matches
         testing::WriteFile(p, b);
       },
       "header checksum"},
      {"segment missing", [&](const fs::path& d) { fs::remove(segment_of(d)); },
       "cannot be opened"},
      {"manifest damaged",
       [&](const fs::path& d) {
         auto f = SegmentFile::Open(d / "MANIFEST", "manifest", 1, 1);
         ASSERT_TRUE(f.ok());
         auto b = testing::ReadFile(d / "MANIFEST");
         b[(*f)->Find("segments")->offset + 3] ^= 0x01;
         testing::WriteFile(d / "MANIFEST", b);
       },
       "section 'segments' checksum mismatch"},
  };
  for (const Damage& dmg : damages) {
    testing::TempDir dir;
    IndexOptions opt;
    opt.directory = dir.path();
    {
      Index index(opt);
      for (std::uint64_t id = 0; id < 8; ++id) ASSERT_TRUE(index.Add(id, recs[id]).ok());
      ASSERT_TRUE(index.Persist().ok());
    }
    dmg.apply(dir.path());
    Index index(opt);
    const IndexOpenReport& r = index.open_report();
    EXPECT_EQ(r.state, IndexOpenReport::State::kDiscarded) << dmg.what;
    EXPECT_NE(r.message.find(dmg.reason), std::string::npos) << dmg.what << ": " << r.message;
    EXPECT_EQ(index.size(), 0u);
    EXPECT_TRUE(fs::is_empty(dir.path())) << dmg.what;
    // Usable at once for the rebuild.
    ASSERT_TRUE(index.Add(3, recs[3]).ok());
    ASSERT_TRUE(index.Persist().ok());
  }
}

// A version the build does not know is refused, not misread: the container
// header is intact but the kind version is another. Version 1 is the format
// of 24-bit keys (before issue 15's wider key): its directory is discarded
// with the reason, and the owner rebuilds.
TEST(Index, SegmentsOfAnotherFormatVersionAreRefused) {
  for (const std::uint32_t version : {1u, internal::kChromaSegmentVersion + 1}) {
    testing::TempDir dir;
    fs::create_directories(dir.path());
    auto w =
        SegmentFileWriter::Create(dir.path() / "chroma-000000000001.seg", "chromaprint", version);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Finish().ok());
    // A manifest naming it, written by the index itself: persist an index
    // with one segment, then swap the file.
    IndexOptions opt;
    opt.directory = dir.path() / "idx";
    const auto rec = SyntheticFingerprints(1).Recording(300);
    {
      Index index(opt);
      ASSERT_TRUE(index.Add(1, rec).ok());
      ASSERT_TRUE(index.Persist().ok());
    }
    fs::path seg;
    for (const auto& e : fs::directory_iterator(opt.directory)) {
      if (e.path().filename().string().rfind("chroma-", 0) == 0) seg = e.path();
    }
    fs::copy_file(dir.path() / "chroma-000000000001.seg", seg,
                  fs::copy_options::overwrite_existing);
    Index index(opt);
    EXPECT_EQ(index.open_report().state, IndexOpenReport::State::kDiscarded);
    const std::string want = "chromaprint format version " + std::to_string(version) +
                             ", this build reads " +
                             std::to_string(internal::kChromaSegmentVersion) + " to " +
                             std::to_string(internal::kChromaSegmentVersion);
    EXPECT_NE(index.open_report().message.find(want), std::string::npos)
        << index.open_report().message;
    // The rebuild is persisted in the current format and reopens.
    ASSERT_TRUE(index.Add(1, rec).ok());
    index.SetCover(CoverAt(1));
    ASSERT_TRUE(index.Persist().ok());
    Index reopened(opt);
    EXPECT_EQ(reopened.open_report().state, IndexOpenReport::State::kOpened)
        << reopened.open_report().message;
    EXPECT_EQ(reopened.size(), 1u);
  }
}

// Votes of one query at every key prefix: what IndexView::Vote finds at
// `bits` (12..27), as (slot, reference position, query position).
std::set<std::tuple<std::uint64_t, long, std::uint64_t>> VotesAt(
    const Index& index, std::span<const std::uint32_t> q, int bits,
    std::span<const std::uint32_t> probe_masks = {}) {
  internal::IndexView view(index);
  view.SetKeyBits(bits);
  std::vector<std::uint64_t> votes;
  const std::vector<bool> qlow = LowInformationMask(q);
  const std::vector<bool> probed(probe_masks.empty() ? 0 : q.size(), true);
  view.Vote(q, qlow, 1u << 20, probe_masks, probed, votes);
  std::set<std::tuple<std::uint64_t, long, std::uint64_t>> out;
  for (const std::uint64_t v : votes) {
    const internal::VoteTarget t = view.Resolve(v);
    const std::uint64_t i = v & 0xffff;
    EXPECT_TRUE(out.emplace(t.slot, t.diagonal + static_cast<long>(i), i).second)
        << "a vote came twice at " << bits << " bits";
  }
  return out;
}

// The value of `slot` at reference position `pos` (through the view, as the
// matcher reads it).
std::uint32_t ValueAt(const Index& index, std::uint64_t slot, long pos) {
  internal::IndexView view(index);
  internal::WindowBuffer buf;
  return view.Window(slot, pos, pos + 1, buf)[pos];
}

// The wider key of segments (27 bits) and the 24 bits of the delta: every
// prefix width finds a subset of what the next narrower one found, exactly
// the postings whose key shares the query key's prefix (the delta: its 24
// bits), and the copy's own positions at every width.
TEST(IndexView, EveryKeyWidthFindsWhatTheNarrowerOneFoundWithThatPrefix) {
  SyntheticFingerprints gen(21);
  std::vector<std::vector<std::uint32_t>> recs;
  for (int k = 0; k < 60; ++k) recs.push_back(gen.Recording(700));
  Index segments;  // everything in one segment
  for (std::uint64_t id = 0; id < recs.size(); ++id) ASSERT_TRUE(segments.Add(id, recs[id]).ok());
  segments.Compact();
  ASSERT_EQ(segments.Stats().delta_positions, 0u);
  Index delta;  // everything in the delta
  for (std::uint64_t id = 0; id < recs.size(); ++id) ASSERT_TRUE(delta.Add(id, recs[id]).ok());
  ASSERT_EQ(delta.Stats().segment_positions, 0u);

  const std::span<const std::uint32_t> q = std::span(recs[7]).subspan(200, 80);
  const std::vector<bool> qlow = LowInformationMask(q);
  for (const Index* index : {&segments, &delta}) {
    const int stored = index == &segments ? kIndexKeyBits : internal::DeltaSegment::kKeyBits;
    std::set<std::tuple<std::uint64_t, long, std::uint64_t>> wider;
    for (int bits = kIndexKeyBits; bits >= 12; --bits) {
      const auto got = VotesAt(*index, q, bits);
      EXPECT_TRUE(std::includes(got.begin(), got.end(), wider.begin(), wider.end())) << bits;
      const int compared = std::min(bits, stored);
      const int shift = kIndexKeyBits - compared;
      std::size_t own = 0;
      for (const auto& [slot, pos, i] : got) {
        ASSERT_EQ(IndexKey(ValueAt(*index, slot, pos)) >> shift, IndexKey(q[i]) >> shift)
            << bits << " bits, slot " << slot << " position " << pos;
        own += slot == 7 && pos == 200 + static_cast<long>(i);
      }
      // Every informative position of the exact copy votes for it.
      EXPECT_EQ(own, static_cast<std::size_t>(std::count(qlow.begin(), qlow.end(), false)));
      // And the lists are exact: a brute-force count of the postings with
      // the prefix (every informative position of every recording).
      std::size_t want = 0;
      for (std::size_t i = 0; i < q.size(); ++i) {
        if (qlow[i]) continue;
        for (std::uint64_t id = 0; id < recs.size(); ++id) {
          const std::vector<bool> low = LowInformationMask(recs[id]);
          for (std::size_t k = 0; k < recs[id].size(); ++k) {
            want += !low[k] && (IndexKey(recs[id][k]) >> shift) == (IndexKey(q[i]) >> shift);
          }
        }
      }
      EXPECT_EQ(got.size(), want) << bits << " bits";
      wider = got;
    }
  }
}

// Multi-probe at the full 27 bits: a probe of a key bit the delta does not
// keep (its 24-bit key) would repeat the key's own lookup there; it is
// skipped (VotesAt fails on a repeated vote), while the segment's lists of
// the flipped key are found.
TEST(IndexView, ProbesOfBitsADeltaDoesNotKeepAreSkippedThere) {
  SyntheticFingerprints gen(22);
  std::vector<std::vector<std::uint32_t>> recs;
  for (int k = 0; k < 40; ++k) recs.push_back(gen.Recording(700));
  Index segments, delta;
  for (std::uint64_t id = 0; id < recs.size(); ++id) {
    ASSERT_TRUE(segments.Add(id, recs[id]).ok());
    ASSERT_TRUE(delta.Add(id, recs[id]).ok());
  }
  segments.Compact();
  const std::span<const std::uint32_t> q = std::span(recs[3]).subspan(100, 80);
  const std::vector<std::uint32_t> low_bits = {1, 2, 4};  // key bits 26-24 (least robust)
  EXPECT_EQ(VotesAt(delta, q, kIndexKeyBits, low_bits), VotesAt(delta, q, kIndexKeyBits));
  const auto probed = VotesAt(segments, q, kIndexKeyBits, low_bits);
  const auto exact = VotesAt(segments, q, kIndexKeyBits);
  EXPECT_TRUE(std::includes(probed.begin(), probed.end(), exact.begin(), exact.end()));
  EXPECT_GT(probed.size(), exact.size());
  // The segment finds exactly the postings whose key is the query's or one
  // of those flips away: those of the 24-bit prefix that differ by 0, 1, 2, 4.
  std::set<std::tuple<std::uint64_t, long, std::uint64_t>> want;
  for (const auto& v : VotesAt(segments, q, kIndexKeyBits - 3)) {
    const auto& [slot, pos, i] = v;
    const std::uint32_t x = IndexKey(ValueAt(segments, slot, pos)) ^ IndexKey(q[i]);
    if (x == 0 || x == 1 || x == 2 || x == 4) want.insert(v);
  }
  EXPECT_EQ(probed, want);
}

// kill -9 at random moments while a child process adds, covers, flushes and
// merges: every reopen finds a consistent index whose cover says exactly
// which recordings it holds, and leaves no stray files.
TEST(Index, KillNineDuringFlushesAndMergesLeavesAConsistentIndex) {
  testing::TempDir dir;
  auto rec = [](std::uint64_t id) { return SyntheticFingerprints(7000 + id).Recording(400); };
  std::mt19937 rng(17);
  std::uint64_t best = 0;
  for (int round = 0; round < 6; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      IndexOptions opt;
      opt.directory = dir.path();
      opt.delta_max_positions = 3000;
      opt.merge_factor = 2;
      opt.max_cover_lag = 3;
      Index index(opt);
      std::uint64_t next = index.open_report().cover ? index.open_report().cover->position : 0;
      for (;; ++next) {  // recording k is added, then covered by position k + 1
        if (!index.Add(next, rec(next)).ok()) ::_exit(3);
        index.SetCover(CoverAt(next + 1));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 400));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);

    IndexOptions opt;
    opt.directory = dir.path();
    opt.verify_in_background = false;
    Index index(opt);
    const IndexOpenReport& r = index.open_report();
    ASSERT_NE(r.state, IndexOpenReport::State::kDiscarded) << r.message;
    const std::uint64_t covered = r.cover ? r.cover->position : 0;
    if (r.cover) {
      EXPECT_EQ(*r.cover, CoverAt(covered));
    }
    EXPECT_GE(covered, best);  // never goes back
    best = covered;
    EXPECT_EQ(index.size(), covered) << "round " << round;
    Matcher matcher(index);
    for (std::uint64_t id : {std::uint64_t{0}, covered / 2, covered > 0 ? covered - 1 : 0}) {
      if (id >= covered) continue;
      std::uint64_t got = 99999;
      ASSERT_EQ(FindRef(matcher, std::span<const std::uint32_t>(rec(id)).subspan(100, 80), &got),
                1u)
          << id;
      EXPECT_EQ(got, id);
    }
    EXPECT_FALSE(index.Contains(covered));
    for (const auto& e : fs::directory_iterator(dir.path())) {
      EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
    }
  }
  EXPECT_GT(best, 0u);
}

}  // namespace
}  // namespace signet::fp

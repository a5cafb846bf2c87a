// The fingerprint index: key derivation, the bit-packed CSR posting lists, the
// delta/tombstone life cycle and concurrent use.
#include "fingerprint/index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <future>
#include <random>
#include <thread>

#include "fingerprint/codec.h"
#include "fingerprint/index_internal.h"
#include "fingerprint/matcher.h"
#include "fingerprint/testing/synthetic.h"
#include "tests/fingerprint/match_test_util.h"

namespace signet::fp {
namespace {

TEST(IndexKey, TakesTwentyFourBitsMostRobustFirst) {
  EXPECT_EQ(IndexKey(0), 0u);
  EXPECT_EQ(std::popcount(IndexKey(0xffffffffu)), kIndexKeyBits);
  // Bit 31 is the most robust bit: it becomes the key's top bit.
  EXPECT_EQ(IndexKey(0x80000000u), 1u << (kIndexKeyBits - 1));
  // Every single bit maps to at most one key bit, and 8 bits are left out.
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

// Every indexed position is in the bucket of its key, once, in ascending
// order, and reads back exactly through the bit packing.
TEST(BuildBase, PostingListsRoundTripThroughBitPacking) {
  SyntheticFingerprints gen(1);
  std::vector<std::vector<std::uint32_t>> recs;
  std::vector<internal::RefSource> sources;
  for (int i = 0; i < 30; ++i) recs.push_back(gen.Recording(500 + 37 * i));
  for (std::size_t i = 0; i < recs.size(); ++i) sources.push_back({100 + i, recs[i]});
  const auto base = internal::BuildBase(sources);
  const std::size_t n = base->values.size();
  EXPECT_EQ(base->entry_bits, static_cast<int>(std::bit_width(n)));
  std::vector<int> seen(n, 0);
  const std::size_t buckets = std::size_t{1} << base->key_bits;
  for (std::size_t b = 0; b < buckets; ++b) {
    std::uint32_t prev = 0;
    for (std::uint32_t e = base->bucket_start[b]; e < base->bucket_start[b + 1]; ++e) {
      const std::uint32_t pos = base->Entry(e);
      ASSERT_LT(pos, n);
      EXPECT_EQ(base->BucketOf(IndexKey(base->values[pos])), b);
      if (e > base->bucket_start[b]) {
        EXPECT_GT(pos, prev);
      }
      prev = pos;
      ++seen[pos];
    }
  }
  std::size_t indexed = 0;
  for (std::size_t r = 0; r < recs.size(); ++r) {
    const auto low = LowInformationMask(recs[r]);
    for (std::size_t i = 0; i < recs[r].size(); ++i) {
      const std::uint32_t pos = base->refs[r].start + static_cast<std::uint32_t>(i);
      EXPECT_EQ(base->values[pos], recs[r][i]);
      EXPECT_EQ(base->RefOfPosition(pos), r);
      EXPECT_EQ(seen[pos], low[i] ? 0 : 1) << "ref " << r << " pos " << i;
      indexed += low[i] ? 0 : 1;
    }
  }
  EXPECT_EQ(indexed, base->indexed_positions);
}

std::size_t FindRef(const Matcher& m, std::span<const std::uint32_t> q, std::uint64_t* id) {
  const auto found = m.Find(q);
  if (!found.empty()) *id = found[0].ref_id;
  return found.size();
}

TEST(Index, AddRemoveReplaceAcrossDeltaAndBase) {
  IndexOptions opt;
  opt.merge_min_positions = 5000;  // force merges in this small test
  Index index(opt);
  Matcher matcher(index);
  SyntheticFingerprints gen(2);
  std::vector<std::vector<std::uint32_t>> recs;
  for (std::uint64_t id = 0; id < 20; ++id) {
    recs.push_back(gen.Recording(800));
    ASSERT_TRUE(index.Add(id, recs.back()).ok());
    if (id == 18) index.Compact();  // 0-18 in the base, 19 in the delta
  }
  EXPECT_EQ(index.size(), 20u);
  EXPECT_EQ(index.positions(), 20u * 800);
  EXPECT_GE(index.Stats().merges, 2u);  // at least one in the background, then Compact's
  EXPECT_EQ(index.Stats().delta_positions, 800u);
  for (std::uint64_t id : {0u, 19u}) {  // one in the base, one in the delta
    std::uint64_t got = 99;
    ASSERT_EQ(FindRef(matcher, std::span(recs[id]).subspan(300, 80), &got), 1u);
    EXPECT_EQ(got, id);
    EXPECT_TRUE(index.Remove(id));
    EXPECT_FALSE(index.Remove(id));
    EXPECT_FALSE(index.Contains(id));
    EXPECT_EQ(FindRef(matcher, std::span(recs[id]).subspan(300, 80), &got), 0u);
  }
  // Replacing: id 5 now holds recording 0's values.
  ASSERT_TRUE(index.Add(5, recs[0]).ok());
  std::uint64_t got = 99;
  ASSERT_EQ(FindRef(matcher, std::span(recs[0]).subspan(100, 80), &got), 1u);
  EXPECT_EQ(got, 5u);
  EXPECT_EQ(FindRef(matcher, std::span(recs[5]).subspan(100, 80), &got), 0u);
  index.Compact();
  const IndexStats s = index.Stats();
  EXPECT_EQ(s.delta_positions, 0u);
  EXPECT_EQ(s.dead_positions, 0u);
  EXPECT_EQ(s.recordings, 18u);
  EXPECT_EQ(s.base_positions, 18u * 800);
  ASSERT_EQ(FindRef(matcher, std::span(recs[0]).subspan(100, 80), &got), 1u);
  EXPECT_EQ(got, 5u);
}

using testing::RefIds;

// A merge runs on its own thread: while it is held just before its swap,
// Add, Remove, replace and queries go on against the old base, the frozen
// delta and a fresh delta; after the swap every change made meanwhile holds.
TEST(Index, AddRemoveAndQueriesGoOnDuringABackgroundMerge) {
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  IndexOptions opt;
  opt.merge_min_positions = 4000;
  std::atomic<int> merges_seen{0};
  opt.before_merge_swap = [&entered, &merges_seen, released] {
    if (merges_seen++ > 0) return;  // only the first merge is held
    entered.set_value();
    released.wait();
  };
  Index index(opt);
  Matcher matcher(index);
  SyntheticFingerprints gen(8);
  std::vector<std::vector<std::uint32_t>> recs;
  for (int i = 0; i < 10; ++i) recs.push_back(gen.Recording(800));
  for (std::uint64_t id = 0; id < 6; ++id) ASSERT_TRUE(index.Add(id, recs[id]).ok());
  entered.get_future().wait();  // the sixth Add froze 0-5 and the merge is held
  EXPECT_TRUE(index.Stats().merging);
  EXPECT_EQ(index.Stats().merges, 0u);

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
    EXPECT_EQ(index.size(), 7u);
    EXPECT_EQ(index.positions(), 7u * 800);
  };
  check();
  // Only what was added after the mark (freezing did not renumber).
  auto q = std::vector<std::uint32_t>(recs[3].begin() + 200, recs[3].begin() + 280);
  q.insert(q.end(), recs[7].begin() + 300, recs[7].begin() + 380);
  EXPECT_EQ(RefIds(matcher.FindAddedSince(q, mark)), std::vector<std::uint64_t>{7});

  release.set_value();
  index.WaitForMerge();
  const IndexStats s = index.Stats();
  EXPECT_FALSE(s.merging);
  EXPECT_EQ(s.merges, 1u);
  // The new base was built from 0-5 as frozen; 1 and the old 2 died meanwhile.
  EXPECT_EQ(s.base_positions, 6u * 800);
  EXPECT_EQ(s.dead_positions, 2u * 800);
  EXPECT_EQ(s.delta_positions, 3u * 800);  // 6, 7 and the new 2
  check();
  // The merge renumbered the slots: everything is searched again.
  EXPECT_EQ(RefIds(matcher.FindAddedSince(q, mark)), (std::vector<std::uint64_t>{3, 7}));
  index.Compact();
  EXPECT_EQ(index.Stats().dead_positions, 0u);
  check();
}

// Delta postings hold the slot in 16 bits: the 65,537th recording in one
// delta freezes it (a merge), and every recording stays findable.
TEST(Index, AFullDeltaIsMergedBeforeItOverflows) {
  IndexOptions opt;
  opt.merge_min_positions = std::size_t{1} << 30;  // only the slot limit triggers
  Index index(opt);
  Matcher matcher(index);
  constexpr std::uint64_t kRecordings = internal::kMaxDeltaRefs + 3;
  auto rec = [](std::uint64_t id) { return SyntheticFingerprints(1000 + id).Recording(48); };
  for (std::uint64_t id = 0; id < kRecordings; ++id) ASSERT_TRUE(index.Add(id, rec(id)).ok());
  index.WaitForMerge();
  EXPECT_EQ(index.Stats().merges, 1u);
  EXPECT_EQ(index.size(), kRecordings);
  for (std::uint64_t id :
       {std::uint64_t{0}, std::uint64_t{40000}, kRecordings - 4, kRecordings - 1}) {
    std::uint64_t got = 99;
    ASSERT_EQ(FindRef(matcher, rec(id), &got), 1u) << id;
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
  EXPECT_EQ(index.Stats().merges, 1u);
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

TEST(Index, PostingsStayUnderFourBytesPerPosition) {
  Index index;
  SyntheticFingerprints gen(3);
  for (std::uint64_t id = 0; id < 200; ++id) ASSERT_TRUE(index.Add(id, gen.Recording(1600)).ok());
  index.Compact();
  const IndexStats s = index.Stats();
  EXPECT_LE(static_cast<double>(s.posting_bytes) / static_cast<double>(s.positions), 4.0);
  EXPECT_EQ(s.value_bytes, s.positions * 4);
  EXPECT_GT(index.MemoryBytes(), s.posting_bytes + s.value_bytes);
}

// Writers add, replace and withdraw while readers query: a recording that is
// never touched is found by every query, and nothing crashes (run under ASan).
TEST(Index, ConcurrentAddRemoveWhileQuerying) {
  IndexOptions opt;
  opt.merge_min_positions = 20000;
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
  EXPECT_GE(index.Stats().merges, 1u);
  EXPECT_EQ(index.size(), 1u + churn.size() / 2);
}

}  // namespace
}  // namespace signet::fp

// The matcher on synthetic fingerprints: excerpts anywhere, mixes of two works,
// segment boundaries, thresholds and query variants.
#include "fingerprint/matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "fingerprint/testing/synthetic.h"
#include "tests/fingerprint/match_test_util.h"

namespace signet::fp {
namespace {

constexpr double kStep = kSecondsPerPosition;

std::vector<std::uint32_t> FlipBits(std::vector<std::uint32_t> v, double p, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution flip(p);
  for (auto& x : v) {
    for (int b = 0; b < 32; ++b) {
      if (flip(rng)) x ^= 1u << b;
    }
  }
  return v;
}

class MatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SyntheticFingerprints gen(11);
    for (std::uint64_t id = 0; id < 50; ++id) {
      recs_.push_back(gen.Recording(1500));
      ASSERT_TRUE(index_.Add(1000 + id, recs_.back()).ok());
    }
    index_.Compact();
    unrelated_ = SyntheticFingerprints(99).Recording(2000);
  }
  std::vector<std::uint32_t> Slice(int rec, int start, int len) const {
    return {recs_[rec].begin() + start, recs_[rec].begin() + start + len};
  }
  Index index_;
  std::vector<std::vector<std::uint32_t>> recs_;
  std::vector<std::uint32_t> unrelated_;
};

TEST_F(MatcherTest, FindsDegradedExcerptAnywhereWithItsSegment) {
  Matcher matcher(index_);
  for (int start : {0, 333, 1420}) {
    const auto q = FlipBits(Slice(7, start, 80), 0.08, start);
    const auto found = matcher.Find(q);
    ASSERT_FALSE(found.empty()) << start;
    EXPECT_EQ(found[0].ref_id, 1007u);
    ASSERT_EQ(found[0].segments.size(), 1u);
    const Segment& s = found[0].segments[0];
    EXPECT_NEAR(s.query_start, 0.0, 1.0);
    EXPECT_NEAR(s.query_end, 80 * kStep, 1.0);
    EXPECT_NEAR(s.ref_start - s.query_start, start * kStep, 0.01);
    EXPECT_NEAR(s.bit_error_rate, 0.08, 0.03);
    EXPECT_LT(found[0].e_value, 1e-6);
    EXPECT_NEAR(found[0].score, -std::log10(found[0].e_value), 1e-9);
  }
}

TEST_F(MatcherTest, AnIdenticalFullRecordingMatchesOnItsOwnDiagonalAtZeroErrors) {
  // Over a whole recording the chance probability of the true alignment and
  // of its +-1 neighbours (which err ~0.14: neighbouring sub-fingerprints
  // share most of their audio) all underflow; the exact one must still win.
  Matcher matcher(index_);
  const auto found = matcher.Find(recs_[3]);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, 1003u);
  ASSERT_EQ(found[0].segments.size(), 1u);
  const Segment& s = found[0].segments[0];
  EXPECT_EQ(s.bit_error_rate, 0.0);
  EXPECT_DOUBLE_EQ(s.query_start, s.ref_start);
  EXPECT_NEAR(s.query_end - s.query_start, 1500 * kStep, 2.0);
}

TEST_F(MatcherTest, BackToBackMixYieldsBothWorksAndTheBoundary) {
  auto q = Slice(3, 200, 120);
  const auto b = Slice(42, 900, 120);
  q.insert(q.end(), b.begin(), b.end());
  q = FlipBits(q, 0.05, 5);
  const auto found = Matcher(index_).Find(q);
  ASSERT_EQ(found.size(), 2u);
  for (const Match& m : found) {
    ASSERT_EQ(m.segments.size(), 1u);
    const Segment& s = m.segments[0];
    if (m.ref_id == 1003) {
      EXPECT_NEAR(s.query_start, 0, 1.0);
      EXPECT_NEAR(s.query_end, 120 * kStep, 1.0);
      EXPECT_NEAR(s.ref_start, 200 * kStep, 1.0);
    } else {
      EXPECT_EQ(m.ref_id, 1042u);
      EXPECT_NEAR(s.query_start, 120 * kStep, 1.0);
      EXPECT_NEAR(s.query_end, 240 * kStep, 1.0);
      EXPECT_NEAR(s.ref_start, 900 * kStep, 1.0);
    }
  }
}

TEST_F(MatcherTest, SameWorkAtTwoOffsetsGivesTwoSegments) {
  auto q = Slice(9, 100, 100);
  const auto b = Slice(9, 1000, 100);
  q.insert(q.end(), b.begin(), b.end());
  const auto found = Matcher(index_).Find(q);
  ASSERT_EQ(found.size(), 1u);
  ASSERT_EQ(found[0].segments.size(), 2u);
  EXPECT_NEAR(found[0].segments[0].ref_start, 100 * kStep, 1.0);
  EXPECT_NEAR(found[0].segments[1].ref_start, 1000 * kStep, 1.0);
}

TEST_F(MatcherTest, AlongLineAlignsWhereToldAndPaysOnlyForThatWindow) {
  // A 3 s excerpt at 15 % bit flips, 600 positions into recording 7, and a
  // line another print found 0.5 s off the true one.
  const Matcher matcher(index_);
  const auto q = FlipBits(Slice(7, 600, 24), 0.15, 3);
  const QueryVariant v[] = {{q, 1.0}};
  const double ref_at_1s = 600 * kStep + 1.0;
  const auto m = matcher.AlongLine(v, {1007, 1.0, ref_at_1s + 0.5, 1.0}, 1.5, 0.02);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ref_id, 1007u);
  EXPECT_DOUBLE_EQ(m->speed, 1.0);
  ASSERT_EQ(m->segments.size(), 1u);
  const Segment& s = m->segments[0];
  EXPECT_NEAR(s.ref_start - s.query_start, 600 * kStep, 0.01);
  EXPECT_NEAR(s.bit_error_rate, 0.15, 0.05);
  // One look at 25 diagonals, against every diagonal of the pair.
  EXPECT_LT(s.line_probability, s.pair_probability / 5);
  EXPECT_GT(m->e_value, 0);
  // Not found: a line 100 s away, a work not indexed, a tempo no variant has.
  EXPECT_FALSE(matcher.AlongLine(v, {1007, 1.0, ref_at_1s + 100, 1.0}, 1.5, 0.02));
  EXPECT_FALSE(matcher.AlongLine(v, {4242, 1.0, ref_at_1s, 1.0}, 1.5, 0.02));
  EXPECT_FALSE(matcher.AlongLine(v, {1007, 1.0, ref_at_1s, 1.05}, 1.5, 0.02));
  // The variant nearest the line's tempo is the one aligned.
  const QueryVariant two[] = {{unrelated_, 1.0}, {q, 1.01}};
  const auto at = matcher.AlongLine(two, {1007, 1.0 / 1.01, ref_at_1s, 1.01}, 1.5, 0.02);
  ASSERT_TRUE(at);
  EXPECT_DOUBLE_EQ(at->speed, 1.01);
  EXPECT_NEAR(at->segments[0].ref_start, 600 * kStep, 0.01);
}

TEST_F(MatcherTest, UnrelatedAndStaticQueriesMatchNothing) {
  Matcher matcher(index_);
  for (int start = 0; start + 240 <= 2000; start += 160) {
    EXPECT_TRUE(matcher.Find(std::span(unrelated_).subspan(start, 240)).empty()) << start;
  }
  const std::vector<std::uint32_t> silence(400, 0x256df977u);
  EXPECT_TRUE(matcher.Find(silence).empty());
  EXPECT_TRUE(matcher.Find(std::span<const std::uint32_t>()).empty());
}

// The threshold is an E-value: a weak (heavily degraded) match is accepted at
// a loose bar and refused at a strict one.
TEST_F(MatcherTest, ThresholdIsTheEValue) {
  const auto q = FlipBits(Slice(20, 500, 40), 0.22, 3);
  MatchOptions loose;
  loose.max_e_value = 10;
  const auto found = Matcher(index_, loose).Find(q);
  ASSERT_FALSE(found.empty());
  ASSERT_EQ(found[0].ref_id, 1020u);
  const double e = found[0].e_value;
  EXPECT_GT(e, 1e-12);  // genuinely weak, or the test proves nothing
  MatchOptions strict;
  strict.max_e_value = e / 10;
  for (const Match& m : Matcher(index_, strict).Find(q)) EXPECT_NE(m.ref_id, 1020u);
}

// E = p x N x V: the same evidence counts every reference the registry holds
// (or min_references) and every look at it.
TEST_F(MatcherTest, EValueCountsReferencesAndLooks) {
  const auto q = FlipBits(Slice(12, 300, 80), 0.08, 9);
  const auto alone = Matcher(index_).Find(q);
  ASSERT_EQ(alone.size(), 1u);
  ASSERT_EQ(alone[0].segments.size(), 1u);
  EXPECT_NEAR(alone[0].e_value / alone[0].segments[0].pair_probability, 50, 1e-6 * 50)
      << "50 references, one look";

  MatchOptions big;
  big.min_references = 1e6;
  EXPECT_NEAR(Matcher(index_, big).Find(q)[0].e_value / alone[0].e_value, 1e6 / 50, 1e-3);
  big.other_looks = 1;
  EXPECT_NEAR(Matcher(index_, big).Find(q)[0].e_value / alone[0].e_value, 2e6 / 50, 1e-3);

  // Three variants are three looks, whichever of them holds the evidence.
  const QueryVariant with_variants[] = {{q, 1.0}, {unrelated_, 0.97}, {unrelated_, 1.03}};
  const auto found = Matcher(index_).Find(with_variants);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_DOUBLE_EQ(found[0].e_value, 3 * alone[0].e_value);
  const QueryVariant as_variant[] = {{unrelated_, 1.0}, {q, 1.03}, {unrelated_, 0.97}};
  const auto via_variant = Matcher(index_).Find(as_variant);
  ASSERT_EQ(via_variant.size(), 1u);
  EXPECT_DOUBLE_EQ(via_variant[0].e_value, 3 * alone[0].e_value);
  EXPECT_DOUBLE_EQ(via_variant[0].speed, 1.03);
  MatchOptions strict;
  strict.max_e_value = 2 * alone[0].e_value;
  EXPECT_TRUE(Matcher(index_, strict).Find(as_variant).empty());
}

using testing::RefIds;

// At the full 27-bit prefix (what an index of ~700k recordings and more
// looks up; MatchOptions::key_bits stands in for the size), the first probe
// is the key's last bit (value bit 12, flipped by a quarter of reverb 80's
// positions): a copy with that bit flipped everywhere is found through it,
// and not by exact keys. In a segment: the delta keeps 24 bits.
TEST(MatcherWideKey, MultiProbeAtTwentySevenBitsFlipsTheAddedBitsFirst) {
  Index index;
  std::vector<std::uint32_t> work(800);
  std::mt19937_64 rng(602);
  for (auto& v : work) v = static_cast<std::uint32_t>(rng());
  ASSERT_TRUE(index.Add(3002, work).ok());
  index.Compact();
  std::vector<std::uint32_t> q(work.begin() + 300, work.begin() + 380);
  for (auto& v : q) v ^= std::uint32_t{1} << 12;
  ASSERT_EQ(IndexKey(q[0]) ^ IndexKey(work[300]), 1u);
  MatchOptions exact;
  exact.key_bits = kIndexKeyBits;
  exact.probe_bits = 0;
  EXPECT_TRUE(Matcher(index, exact).Find(q).empty());
  MatchOptions one = exact;
  one.probe_bits = 1;
  const auto found = Matcher(index, one).Find(q);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, 3002u);
  // At 26 bits the flipped bit is not looked up at all.
  MatchOptions narrower = exact;
  narrower.key_bits = kIndexKeyBits - 1;
  EXPECT_FALSE(Matcher(index, narrower).Find(q).empty());
}

TEST_F(MatcherTest, MultiProbeFindsAQueryWhoseEveryKeyHasItsWeakestBitFlipped) {
  // Every part of the index is looked up by a key prefix of 12-27 bits (by
  // the index's size). A copy whose every position differs in key bit 11
  // (value bit 20: inside every prefix, the fourth bit multi-probe flips and
  // the first inside a prefix shorter than 25) shares no key prefix with it
  // at its own alignment. The work's values are independent, so that no
  // neighbouring position shares the flipped prefix by itself (music's
  // neighbours share most bits, and on this small index's short prefix that
  // alone finds a synthetic recording's copy).
  std::vector<std::uint32_t> work(800);
  std::mt19937_64 rng(601);
  for (auto& v : work) v = static_cast<std::uint32_t>(rng());
  ASSERT_TRUE(index_.Add(3001, work).ok());
  std::vector<std::uint32_t> q(work.begin() + 300, work.begin() + 380);
  for (auto& v : q) v ^= std::uint32_t{1} << 20;
  for (std::size_t i = 0; i < q.size(); ++i) {
    ASSERT_NE(IndexKey(q[i]), IndexKey(work[300 + i]));
  }
  MatchOptions exact;
  exact.probe_bits = 0;
  EXPECT_TRUE(Matcher(index_, exact).Find(q).empty());
  const auto found = Matcher(index_).Find(q);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, 3001u);
  EXPECT_NEAR(found[0].segments[0].bit_error_rate, 1.0 / 32, 0.01);
}

// MatchOptions::skip_probes_when_certain: a clean query that one work covers
// whole is answered from its keys alone, as the probes would have answered.
TEST_F(MatcherTest, ACleanWholeQueryMatchIsTheSameWithoutTheProbes) {
  MatchOptions always;
  always.skip_probes_when_certain = false;
  for (int rec : {2, 7, 31}) {
    const auto q = Slice(rec, 400, 81);
    const auto skipped = Matcher(index_).Find(q);
    const auto probed = Matcher(index_, always).Find(q);
    ASSERT_FALSE(skipped.empty()) << rec;
    EXPECT_EQ(skipped[0].ref_id, 1000u + static_cast<std::uint64_t>(rec));
    EXPECT_LT(skipped[0].e_value, 1e-6);
    EXPECT_EQ(RefIds(skipped), RefIds(probed)) << rec;
    ASSERT_EQ(skipped[0].segments.size(), probed[0].segments.size()) << rec;
    for (std::size_t k = 0; k < skipped[0].segments.size(); ++k) {
      EXPECT_DOUBLE_EQ(skipped[0].segments[k].query_start, probed[0].segments[k].query_start);
      EXPECT_DOUBLE_EQ(skipped[0].segments[k].query_end, probed[0].segments[k].query_end);
      EXPECT_DOUBLE_EQ(skipped[0].segments[k].ref_start, probed[0].segments[k].ref_start);
    }
  }
}

// A certain match of part of the query does not stop the probes: the rest of
// the query may hold a work only they find (here every key of its copy has
// a bit flipped that multi-probe flips back, as in
// MultiProbeFindsAQueryWhoseEveryKeyHasItsWeakestBitFlipped).
TEST_F(MatcherTest, ACleanMatchOfHalfTheQueryStillProbesForTheOtherHalf) {
  std::vector<std::uint32_t> work(800);
  std::mt19937_64 rng(601);
  for (auto& v : work) v = static_cast<std::uint32_t>(rng());
  ASSERT_TRUE(index_.Add(3001, work).ok());
  auto q = Slice(7, 200, 81);
  for (std::size_t i = 300; i < 380; ++i) q.push_back(work[i] ^ (std::uint32_t{1} << 20));
  MatchOptions exact;
  exact.probe_bits = 0;
  EXPECT_EQ(RefIds(Matcher(index_, exact).Find(q)), (std::vector<std::uint64_t>{1007}));
  const auto found = Matcher(index_).Find(q);
  std::vector<std::uint64_t> ids = RefIds(found);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{1007, 3001}));
}

TEST_F(MatcherTest, FindAddedSinceSearchesOnlyWhatWasIndexedAfterTheMark) {
  // A query holding an indexed work (1003) and two that are not indexed yet.
  const auto later_a = SyntheticFingerprints(501).Recording(600);
  const auto later_b = SyntheticFingerprints(502).Recording(600);
  auto q = Slice(3, 200, 120);
  q.insert(q.end(), later_a.begin() + 100, later_a.begin() + 220);
  q.insert(q.end(), later_b.begin() + 300, later_b.begin() + 420);
  Matcher matcher(index_);
  IndexMark mark;
  EXPECT_EQ(RefIds(matcher.Find(q, &mark)), std::vector<std::uint64_t>{1003});

  ASSERT_TRUE(index_.Add(2001, later_a).ok());
  ASSERT_TRUE(index_.Add(2002, unrelated_).ok());
  EXPECT_EQ(RefIds(matcher.FindAddedSince(q, mark)), std::vector<std::uint64_t>{2001});
  IndexMark now;
  EXPECT_EQ(RefIds(matcher.Find(q, &now)), (std::vector<std::uint64_t>{1003, 2001}));
  EXPECT_TRUE(matcher.FindAddedSince(q, now).empty());

  // Withdrawn and registered again after the mark: it counts as added.
  index_.Remove(1003);
  ASSERT_TRUE(index_.Add(1003, recs_[3]).ok());
  EXPECT_EQ(RefIds(matcher.FindAddedSince(q, now)), std::vector<std::uint64_t>{1003});

  // Slots never move: a mark stays valid across flushes and merges.
  ASSERT_TRUE(index_.Add(2003, later_b).ok());
  index_.Compact();
  EXPECT_EQ(RefIds(matcher.FindAddedSince(q, now)), (std::vector<std::uint64_t>{1003, 2003}));
}

TEST_F(MatcherTest, FindSettledLeavesTheDeltaToFindAddedSinceAndTheTwoCoverEverythingOnce) {
  // 1003 is in a segment (the fixture compacts); 2001 goes to the delta.
  const auto later = SyntheticFingerprints(501).Recording(600);
  ASSERT_TRUE(index_.Add(2001, later).ok());
  auto q = Slice(3, 200, 120);
  q.insert(q.end(), later.begin() + 100, later.begin() + 220);
  Matcher matcher(index_);
  EXPECT_EQ(RefIds(matcher.Find(q)), (std::vector<std::uint64_t>{1003, 2001}));
  IndexMark rest;
  EXPECT_EQ(RefIds(matcher.FindSettled(q, &rest)), std::vector<std::uint64_t>{1003});
  EXPECT_EQ(RefIds(matcher.FindAddedSince(q, rest)), std::vector<std::uint64_t>{2001});

  // The delta flushed and merged meanwhile: the mark still splits the slots.
  index_.Compact();
  EXPECT_EQ(RefIds(matcher.FindAddedSince(q, rest)), std::vector<std::uint64_t>{2001});
  IndexMark after;
  EXPECT_EQ(RefIds(matcher.FindSettled(q, &after)), (std::vector<std::uint64_t>{1003, 2001}));
  EXPECT_TRUE(matcher.FindAddedSince(q, after).empty());
}

TEST(ScoreModel, LongerAndCleanerIsLessLikelyByChance) {
  const ScoreModel m;
  EXPECT_LT(m.PairProbability(0.1, 60, 80, 2000), m.PairProbability(0.2, 60, 80, 2000));
  EXPECT_LT(m.PairProbability(0.2, 120, 160, 2000), m.PairProbability(0.2, 60, 160, 2000));
  EXPECT_DOUBLE_EQ(m.PairProbability(0.45, 60, 80, 2000), 1.0);
  EXPECT_DOUBLE_EQ(m.PairProbability(0.0, 0, 80, 2000), 1.0);
}

// Issue 11's false positive: an MP3 excerpt of an unregistered track matched
// a registered one at BER 0.234 over 7.3 s (59 positions) of a 10 s query,
// per-pair score 7.3. As an E-value it is a match only in a small registry
// that the query looks at once; at a million works and 13 looks it is not.
TEST(ScoreModel, IssueElevenBorderlineMatchIsNoMatchAtScale) {
  const ScoreModel m;
  const double p = m.PairProbability(0.234, 59, 80, 1450);
  EXPECT_GT(EValue(p, 1e6, 13), MatchOptions{}.max_e_value);
  EXPECT_GT(ScoreOfEValue(EValue(p, 1e6, 13)), -3.0);  // near, not far from, the bar
}

// Music that errs little at every shift (a drone, a loop) makes a low error
// rate less surprising; a background like the model's changes nothing.
TEST(ScoreModel, StaticBackgroundMakesAnAlignmentLessSurprising) {
  const ScoreModel m;
  ShiftedBackground typical{32, 0.47};
  EXPECT_DOUBLE_EQ(m.Tail(0.2, 60, typical), m.Tail(0.2, 60));
  ShiftedBackground droning{32, 0.27};
  EXPECT_GT(m.Tail(0.2, 60, droning), 1e3 * m.Tail(0.2, 60));
  ShiftedBackground too_few{3, 0.25};
  EXPECT_DOUBLE_EQ(m.Tail(0.2, 60, too_few), m.Tail(0.2, 60));
}

}  // namespace
}  // namespace signet::fp

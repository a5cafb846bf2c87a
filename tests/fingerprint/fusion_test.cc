// Fusion of Chromaprint's and the landmark print's answers (fingerprint/fusion.h):
// the one bar, the two-print looks, agreement at one alignment, the words.
#include "fingerprint/fusion.h"

#include <gtest/gtest.h>

#include <cmath>

namespace signet::fp {
namespace {

// The registry size every Fuse call below passes: a Chromaprint match's E-value
// is its pair probability p over that many references (matcher.h EValue).
constexpr double kRefs = 100;

Match Chroma(std::uint64_t id, double p, double query_start, double ref_start, double speed = 1) {
  Match m;
  m.ref_id = id;
  m.e_value = p * kRefs;
  m.score = -std::log10(m.e_value);
  m.speed = speed;
  Segment s;
  s.query_start = query_start, s.query_end = query_start + 8;
  s.ref_start = ref_start, s.ref_end = ref_start + 8 * speed;
  s.pair_probability = p;
  s.e_value = m.e_value;
  m.segments.push_back(s);
  return m;
}

LandmarkMatch Landmark(std::uint64_t id, double log10_pair, double log10_tail, double query_start,
                       double ref_start, double tempo = 1) {
  LandmarkMatch m;
  m.ref_id = id;
  m.tempo = tempo;
  m.pitch_semitones = 12 * std::log2(tempo);
  m.log10_pair_probability = log10_pair;
  LandmarkSegment s;
  s.query_start = query_start, s.query_end = query_start + 9;
  s.ref_start = ref_start, s.ref_end = ref_start + 9 * tempo;
  s.log10_tail = log10_tail;
  s.log10_pair_probability = log10_pair;
  m.segments.push_back(s);
  return m;
}

TEST(Fusion, TheBarIsOneThousandthOfAFalseWorkPerQueryAtAMillionWorks) {
  EXPECT_DOUBLE_EQ(FusionLog10Bar(10), -9);
  EXPECT_DOUBLE_EQ(FusionLog10Bar(1'000'000), -9);
  EXPECT_DOUBLE_EQ(FusionLog10Bar(10'000'000), -10);
}

TEST(Fusion, OnePrintAloneCountsTheOtherAsALook) {
  // 4e-10 x 2 is under 1e-9; 6e-10 x 2 is not.
  const Match kept[] = {Chroma(1, 4e-10, 0, 30)};
  auto out = Fuse(kept, {}, 100);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NEAR(out[0].log10_pair_probability, std::log10(8e-10), 1e-9);
  EXPECT_TRUE(out[0].chromaprint);
  EXPECT_FALSE(out[0].landmark);
  EXPECT_NEAR(out[0].e_value, 8e-10 * 100, 1e-15);
  const Match dropped[] = {Chroma(1, 6e-10, 0, 30)};
  EXPECT_TRUE(Fuse(dropped, {}, 100).empty());
  const LandmarkMatch lm[] = {Landmark(2, std::log10(6e-10), -12, 0, 30)};
  EXPECT_TRUE(Fuse({}, lm, 100).empty());
}

TEST(Fusion, BothPrintsAtOneAlignmentMultiplyTheirChances) {
  // Neither passes alone (2e-6, 2e-5), together at one alignment:
  // 2 x 100 looks x 1e-6 x 1e-8 = 2e-12.
  const Match c[] = {Chroma(7, 1e-6, 1, 41)};
  const LandmarkMatch l[] = {Landmark(7, -5, -8, 0.5, 40.6)};
  auto out = Fuse(c, l, 100);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].agree);
  EXPECT_NEAR(out[0].log10_pair_probability, std::log10(2e-12), 1e-9);
  // One segment found by both.
  ASSERT_EQ(out[0].segments.size(), 1u);
  EXPECT_TRUE(out[0].segments[0].chromaprint && out[0].segments[0].landmark);
}

TEST(Fusion, BothPrintsAtDifferentAlignmentsDoNotAgree) {
  const Match c[] = {Chroma(7, 1e-6, 1, 41)};
  const LandmarkMatch far[] = {Landmark(7, -5, -8, 0.5, 90)};
  EXPECT_TRUE(Fuse(c, far, 100).empty());
  const LandmarkMatch other_tempo[] = {Landmark(7, -5, -8, 1, 41, 1.1)};
  EXPECT_TRUE(Fuse(c, other_tempo, 100).empty());
}

TEST(Fusion, WorksAreOrderedBySignificanceAndTheLandmarkGivesTempoAndPitch) {
  const Match c[] = {Chroma(1, 1e-11, 0, 10)};
  const LandmarkMatch l[] = {Landmark(2, -20, -22, 0, 10, 0.9)};
  auto out = Fuse(c, l, 100);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].ref_id, 2u);
  EXPECT_NEAR(out[0].tempo, 0.9, 1e-12);
  EXPECT_NEAR(out[0].pitch_semitones, 12 * std::log2(0.9), 1e-12);
  EXPECT_EQ(out[1].ref_id, 1u);
}

TEST(Fusion, DescribesSpeedTempoAndPitchInWords) {
  EXPECT_EQ(DescribeFactors(1, 0), "");
  EXPECT_EQ(DescribeFactors(1.04, 12 * std::log2(1.04)), "sped up 4 %");
  EXPECT_EQ(DescribeFactors(0.9, 12 * std::log2(0.9)), "slowed down 10 %");
  EXPECT_EQ(DescribeFactors(1, 1.02), "pitched up 1 semitone");
  EXPECT_EQ(DescribeFactors(1, -0.5), "pitched down 50 cents");
  EXPECT_EQ(DescribeFactors(0.95, 1), "pitched up 1 semitone, 5 % slower");
}

}  // namespace
}  // namespace signet::fp

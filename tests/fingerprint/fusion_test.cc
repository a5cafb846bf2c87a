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

TEST(Fusion, AChromaprintSegmentAgreesWithItsOwnProbability) {
  // The work's best Chromaprint segment (1e-8) lies elsewhere; the landmark
  // print's line meets only a weaker one (1e-4): 2 x 100 x 1e-4 x 1e-8.
  Match c = Chroma(7, 1e-8, 1, 90);
  Segment weak = c.segments[0];
  weak.ref_start = 41, weak.ref_end = 49;
  weak.e_value = 1e-4 * kRefs;
  c.segments.push_back(weak);
  const Match cs[] = {c};
  const LandmarkMatch l[] = {Landmark(7, -5, -8, 0.5, 40.6)};
  auto out = Fuse(cs, l, 100);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].agree);
  EXPECT_NEAR(out[0].log10_pair_probability, std::log10(2e-10), 1e-9);
}

TEST(Fusion, ALineLookCountsTheLandmarkSegmentAndChromaprintOnItsLine) {
  // Neither print passes alone; Chromaprint's look along the landmark's line
  // (LookAlongLandmarkLines) gives 1e-13 x the landmark's 1e-5 there:
  // 2 prints x 2 ways x 1e-12.
  const LandmarkMatch l[] = {Landmark(7, -5, -8, 0.5, 40.6)};
  const LineLook lines[] = {{7, -12}, {8, -30}};
  auto out = Fuse({}, l, 100, {}, lines);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].ref_id, 7u);
  EXPECT_TRUE(out[0].agree);
  EXPECT_NEAR(out[0].log10_pair_probability, std::log10(4e-12), 1e-9);
  // With line looks, the agreement of segments costs the second way too.
  const Match c[] = {Chroma(7, 1e-6, 1, 41)};
  const LineLook weak[] = {{7, -3}};
  out = Fuse(c, l, 100, {}, weak);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NEAR(out[0].log10_pair_probability, std::log10(4e-12), 1e-9);
  // A look alone is no match: it needs the landmark print's segment.
  EXPECT_TRUE(Fuse({}, {}, 100, {}, lines).empty());
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

TEST(Fusion, AmongCertainWorksTheOneBothPrintsFindComesFirst) {
  // A -6 dB background found by the landmark print alone at 1e-34 and the
  // louder work by both at 1e-32 (agreeing): both certain, the louder first.
  const Match c[] = {Chroma(1, 1e-4, 1, 41)};
  const LandmarkMatch l[] = {Landmark(1, -27, -30.3, 0.5, 40.6), Landmark(2, -34.5, -38, 0, 10)};
  auto out = Fuse(c, l, 100);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_LT(out[1].log10_pair_probability, out[0].log10_pair_probability);
  EXPECT_EQ(out[0].ref_id, 1u);
  EXPECT_EQ(out[1].ref_id, 2u);
  // Not both certain: significance decides.
  const LandmarkMatch weak[] = {Landmark(1, -12, -13, 0.5, 40.6), Landmark(2, -34.5, -38, 0, 10)};
  out = Fuse(c, weak, 100);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].ref_id, 2u);
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

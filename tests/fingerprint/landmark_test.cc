// The landmark print on real recordings: extraction, the wire format, the
// index and the matcher (fingerprint/LANDMARK.md).
#include "fingerprint/landmark.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include "common/base64.h"
#include "fingerprint/audio_decoder.h"
#include "fingerprint/landmark_codec.h"
#include "fingerprint/landmark_index.h"
#include "fingerprint/landmark_matcher.h"
#include "tests/fingerprint/audio_test_util.h"
#include "tests/fingerprint/landmark_test_util.h"

namespace signet::fp {
namespace {

using testing::CorpusDir;
using testing::RandomPrint;
using testing::TagOf;

std::vector<std::int16_t> Mono(const std::filesystem::path& p, double max_seconds = 0) {
  DecodeOptions o;
  o.sample_rate = kLandmarkSampleRate;
  o.channels = 1;
  if (max_seconds > 0) {
    o.limits.max_duration_seconds = max_seconds;
    o.limits.truncate_at_max_duration = true;
  }
  auto r = DecodeAudio(AudioSource::File(p.string()), o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r->samples) : std::vector<std::int16_t>{};
}

// Re-reads `samples` as if played `speed` times faster (tempo and pitch
// together, like sox speed): the WAV claims a higher rate, the decoder
// resamples back to 11025 Hz.
std::vector<std::int16_t> Sped(const std::vector<std::int16_t>& samples, double speed) {
  const auto wav =
      testing::MakeWav(samples, kLandmarkSampleRate, 1,
                       static_cast<std::uint32_t>(std::lround(kLandmarkSampleRate * speed)));
  DecodeOptions o;
  o.sample_rate = kLandmarkSampleRate;
  o.channels = 1;
  auto r = DecodeAudio(AudioSource::Bytes(wav), o);
  EXPECT_TRUE(r.ok());
  return r.ok() ? std::move(r->samples) : std::vector<std::int16_t>{};
}

std::vector<std::int16_t> Slice(const std::vector<std::int16_t>& s, double from, double seconds) {
  const auto a = static_cast<std::size_t>(from * kLandmarkSampleRate);
  const auto b = std::min(s.size(), a + static_cast<std::size_t>(seconds * kLandmarkSampleRate));
  return {s.begin() + static_cast<long>(std::min(a, s.size())), s.begin() + static_cast<long>(b)};
}

// `samples` through `sox in.wav out.wav <effect>` (the corpus README's recipes),
// decoded back to the landmark rate. Empty when sox failed.
std::vector<std::int16_t> Sox(const std::vector<std::int16_t>& samples, const std::string& effect) {
  testing::TempDir dir;
  const auto in = dir.path() / "in.wav", out = dir.path() / "out.wav";
  testing::WriteFile(in, testing::MakeWav(samples, kLandmarkSampleRate, 1));
  const auto r = testing::RunCommand("sox " + testing::ShellQuote(in.string()) + " " +
                                     testing::ShellQuote(out.string()) + " " + effect + " 2>&1");
  EXPECT_EQ(r.status, 0) << r.out;
  return r.status == 0 ? Mono(out) : std::vector<std::int16_t>{};
}

// `under` mixed into `over` at `db` relative RMS (0: equal loudness).
std::vector<std::int16_t> Mixed(std::vector<std::int16_t> over,
                                const std::vector<std::int16_t>& under, double db) {
  double eo = 0, eu = 0;
  const std::size_t n = std::min(over.size(), under.size());
  for (std::size_t i = 0; i < n; ++i)
    eo += double(over[i]) * over[i], eu += double(under[i]) * under[i];
  const double g = std::sqrt(eo / std::max(1.0, eu)) * std::pow(10.0, db / 20);
  for (std::size_t i = 0; i < n; ++i)
    over[i] =
        static_cast<std::int16_t>(std::clamp(0.5 * (over[i] + g * under[i]), -32768.0, 32767.0));
  over.resize(n);
  return over;
}

TEST(LandmarkExtract, ReferenceDensityIsAboutTwelvePeaksPerSecond) {
  SIGNET_REQUIRE_CORPUS_AND("");
  auto print = ExtractLandmarks(Mono(CorpusDir() / "battle.ogg", 60));
  ASSERT_TRUE(print.ok());
  const double per_second = print->peaks.size() / print->DurationSeconds();
  EXPECT_GT(per_second, 9);
  EXPECT_LT(per_second, 13.5);
  EXPECT_NEAR(print->DurationSeconds(), 60, 0.1);
}

TEST(LandmarkExtract, PeaksDoNotDependOnWhereTheAudioStarts) {
  SIGNET_REQUIRE_CORPUS_AND("");
  const auto audio = Mono(CorpusDir() / "battle.ogg", 40);
  constexpr std::size_t kShiftFrames = 37;
  const std::vector<std::int16_t> later(audio.begin() + kShiftFrames * kLandmarkHop, audio.end());
  auto a = ExtractLandmarks(audio), b = ExtractLandmarks(later);
  ASSERT_TRUE(a.ok() && b.ok());
  std::set<std::pair<std::uint32_t, std::uint16_t>> shifted;
  for (const auto& p : b->peaks) shifted.insert({p.frame + kShiftFrames, p.pitch});
  // Away from both ends (the density rule looks 1 s either way).
  int inside = 0, same = 0;
  for (const auto& p : a->peaks) {
    if (p.frame < kShiftFrames + 100 || p.frame + 100 > a->frames) continue;
    ++inside;
    same += shifted.count({p.frame, p.pitch});
  }
  ASSERT_GT(inside, 200);
  EXPECT_EQ(same, inside);
}

TEST(LandmarkExtract, AQueryPrintHoldsEveryReferencePeak) {
  SIGNET_REQUIRE_CORPUS_AND("");
  LandmarkExtractor x;
  x.Feed(Mono(CorpusDir() / "frantic.ogg", 30));
  auto candidates = x.Finish();
  ASSERT_TRUE(candidates.ok());
  const LandmarkPrint ref = SelectLandmarks(*candidates, LandmarkOptions::Reference());
  const LandmarkPrint query = SelectLandmarks(*candidates, LandmarkOptions::Query());
  EXPECT_GT(query.peaks.size(), 2.5 * ref.peaks.size());
  for (const auto& p : ref.peaks)
    EXPECT_TRUE(std::binary_search(query.peaks.begin(), query.peaks.end(), p,
                                   [](const LandmarkPeak& a, const LandmarkPeak& b) {
                                     return a.frame != b.frame ? a.frame < b.frame
                                                               : a.pitch < b.pitch;
                                   }));
}

TEST(LandmarkExtract, SilenceHasNoPeaks) {
  auto print = ExtractLandmarks(std::vector<std::int16_t>(kLandmarkSampleRate * 5, 0));
  ASSERT_TRUE(print.ok());
  EXPECT_TRUE(print->peaks.empty());
}

// ---- wire format ------------------------------------------------------------

TEST(LandmarkCodec, RoundTripsARealPrintCompactly) {
  SIGNET_REQUIRE_CORPUS_AND("");
  auto print = ExtractLandmarks(Mono(CorpusDir() / "battle.ogg", 120));
  ASSERT_TRUE(print.ok());
  const std::string text = EncodeLandmarkPrint(*print);
  auto back = DecodeLandmarkPrint(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, *print);
  // ~3 bytes a peak: under 3.2 KB of base64 a minute.
  EXPECT_LT(text.size() / print->DurationSeconds() * 60, 3200);
}

TEST(LandmarkCodec, RejectsEveryMalformedString) {
  LandmarkPrint p;
  p.frames = 100;
  p.peaks = {{3, 40, 7}, {3, 90, 1}, {50, 10, 127}};
  const std::string good = EncodeLandmarkPrint(p);
  ASSERT_TRUE(DecodeLandmarkPrint(good).ok());
  auto bytes = *DecodeBase64(good, Base64Form::kUrl);
  auto bad = [&](std::vector<std::uint8_t> b, const std::string& what) {
    auto r = DecodeLandmarkPrint(EncodeBase64(b, Base64Form::kUrl));
    EXPECT_FALSE(r.ok()) << what;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << what;
    }
  };
  {
    auto b = bytes;
    b[0] = 2;
    bad(b, "version");
  }
  bad({bytes.begin(), bytes.end() - 1}, "truncated");
  {
    auto b = bytes;
    b.push_back(0);
    bad(b, "trailing byte");
  }
  bad({1, 0x80, 0x00, 0}, "overlong frame count");
  bad({1, 10, 200}, "peak count beyond the input");
  bad({1, 10, 1, 0x85, 0x00}, "overlong peak");
  LandmarkPrint out_of_order = p;
  std::swap(out_of_order.peaks[0], out_of_order.peaks[1]);
  auto b1 = *DecodeBase64(EncodeLandmarkPrint(out_of_order), Base64Form::kUrl);
  bad(b1, "pitch order within a frame");
  LandmarkPrint past = p;
  past.peaks.back().frame = 100;
  bad(*DecodeBase64(EncodeLandmarkPrint(past), Base64Form::kUrl), "peak past the end");
  EXPECT_FALSE(DecodeLandmarkPrint("not base64!").ok());
  EXPECT_FALSE(DecodeLandmarkPrint("").ok());
}

// ---- index and matcher ------------------------------------------------------

class LandmarkMatching : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveCorpus())
      GTEST_SKIP() << "corpus missing: apt-get install wesnoth-1.16-music";
    for (std::uint64_t id = 0; id < kNames.size(); ++id) {
      audio_.push_back(Mono(CorpusDir() / kNames[id], 90));
      auto print = ExtractLandmarks(audio_.back());
      ASSERT_TRUE(print.ok());
      if (id + 1 < kNames.size()) {
        ASSERT_TRUE(index_.Add(id, *print, TagOf(static_cast<std::uint8_t>(id + 1))).ok());
      }
    }
  }
  LandmarkPrint Query(const std::vector<std::int16_t>& samples) {
    return *ExtractLandmarks(samples, LandmarkOptions::Query());
  }

  static constexpr std::array<const char*, 4> kNames = {"battle.ogg", "frantic.ogg", "knolls.ogg",
                                                        "heroes_rite.ogg"};
  std::vector<std::vector<std::int16_t>> audio_;  // the last one is not registered
  LandmarkIndex index_;
};

TEST_F(LandmarkMatching, FindsASpedUpExcerptAndSaysHowFast) {
  LandmarkMatcher matcher(index_);
  const auto found = matcher.Find(Query(Sped(Slice(audio_[1], 30, 11), 1.1)));
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, 1u);
  EXPECT_NEAR(found[0].tempo, 1.1, 0.01);
  EXPECT_NEAR(found[0].pitch_semitones, 12 * std::log2(1.1), 0.3);
  EXPECT_LT(found[0].log10_pair_probability, -9);
  ASSERT_FALSE(found[0].segments.empty());
  // Query second 0 is reference second 30.
  const auto& s = found[0].segments[0];
  EXPECT_NEAR(s.ref_start - s.query_start * found[0].tempo, 30, 0.5);
}

// Issue 11's new degradations, made as the corpus README says (sox), one real
// excerpt each: what signet-eval measures over many, kept small enough for CI.
// The bar is the fusion's at a million works (-9, fusion.h) less the factor 2
// the two prints cost, so each would be reported by signetd on its own.
constexpr double kReportedAlone = -9.0 - 0.302;

TEST_F(LandmarkMatching, FindsASlowedAndReverberatedExcerptAndSaysHowSlow) {
  if (!testing::HaveTool("sox")) GTEST_SKIP() << "sox missing: scripts/install-deps.sh test";
  LandmarkMatcher matcher(index_);
  const auto found = matcher.Find(Query(Sox(Slice(audio_[1], 30, 11), "speed 0.88 reverb 50")));
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, 1u);
  EXPECT_NEAR(found[0].tempo, 0.88, 0.015);
  EXPECT_NEAR(found[0].pitch_semitones, 12 * std::log2(0.88), 0.3);
  EXPECT_LT(found[0].log10_pair_probability, kReportedAlone);
}

TEST_F(LandmarkMatching, FindsATempoChangeAndSaysThePitchIsKept) {
  if (!testing::HaveTool("sox")) GTEST_SKIP() << "sox missing: scripts/install-deps.sh test";
  LandmarkMatcher matcher(index_);
  const auto found = matcher.Find(Query(Sox(Slice(audio_[2], 20, 11), "tempo 1.1")));
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, 2u);
  EXPECT_NEAR(found[0].tempo, 1.1, 0.015);
  EXPECT_NEAR(found[0].pitch_semitones, 0, 0.3);
  EXPECT_LT(found[0].log10_pair_probability, kReportedAlone);
}

TEST_F(LandmarkMatching, FindsAPitchShiftAndSaysTheTempoIsKept) {
  if (!testing::HaveTool("sox")) GTEST_SKIP() << "sox missing: scripts/install-deps.sh test";
  LandmarkMatcher matcher(index_);
  const auto found = matcher.Find(Query(Sox(Slice(audio_[0], 40, 11), "pitch -100")));
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, 0u);
  EXPECT_NEAR(found[0].tempo, 1.0, 0.015);
  EXPECT_NEAR(found[0].pitch_semitones, -1, 0.3);
  EXPECT_LT(found[0].log10_pair_probability, kReportedAlone);
}

TEST_F(LandmarkMatching, FindsAnExcerptUnderUnregisteredMusicAtMinus6dB) {
  LandmarkMatcher matcher(index_);
  const auto q = Query(Mixed(Slice(audio_[1], 50, 10), Slice(audio_[3], 20, 10), -6));
  const auto found = matcher.Find(q);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, 1u);
  EXPECT_LT(found[0].log10_pair_probability, kReportedAlone);
}

// Short excerpts as they are (issue 11's 5 s rows; 3.5 s here, where the
// difference is wide on these three recordings: 22 of 30 found alone at the
// loose tolerance only, 27 with the tight look). Held notes put a query peak
// near most reference peaks at the loose tolerance; at the tight one an
// exact copy still confirms its peaks while chance confirms ~9/25 as many
// (LANDMARK.md, "Null model").
TEST_F(LandmarkMatching, FindsShortExcerptsOnTheirOwn) {
  LandmarkMatcher matcher(index_);
  int found_alone = 0, tried = 0;
  for (std::uint64_t id = 0; id + 1 < kNames.size(); ++id) {
    for (double at = 4; at < 84; at += 8) {
      ++tried;
      const auto found = matcher.Find(Query(Slice(audio_[id], at, 3.5)));
      if (!found.empty() && found[0].ref_id == id &&
          found[0].log10_pair_probability < kReportedAlone)
        ++found_alone;
      else
        std::printf(
            "not found alone: %s @%.0f s: %s\n", kNames[id], at,
            found.empty() ? "nothing" : std::to_string(found[0].log10_pair_probability).c_str());
    }
  }
  EXPECT_GE(found_alone, tried * 5 / 6) << found_alone << " of " << tried;
}

TEST_F(LandmarkMatching, UnregisteredMusicMatchesNothing) {
  LandmarkMatcher matcher(index_);
  for (double at : {10.0, 40.0, 70.0})
    EXPECT_TRUE(matcher.Find(Query(Slice(audio_[3], at, 10))).empty()) << at;
}

TEST_F(LandmarkMatching, RunTimeAdditionsAndWithdrawalsTakeEffect) {
  LandmarkMatcher matcher(index_);
  const auto q = Query(Slice(audio_[3], 40, 10));
  index_.Compact();
  ASSERT_TRUE(index_.Add(3, *ExtractLandmarks(audio_[3])).ok());  // into the delta
  auto found = matcher.Find(q);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, 3u);
  EXPECT_TRUE(index_.Remove(3));
  EXPECT_TRUE(matcher.Find(q).empty());
  EXPECT_FALSE(index_.Contains(3));
  // Base references too, after a merge.
  index_.Compact();
  const auto q1 = Query(Slice(audio_[0], 20, 10));
  ASSERT_FALSE(matcher.Find(q1).empty());
  EXPECT_TRUE(index_.Remove(0));
  EXPECT_TRUE(matcher.Find(q1).empty());
  const auto stats = index_.Stats();
  EXPECT_EQ(stats.recordings, 2u);
  EXPECT_GT(stats.postings, 0u);
}

// A registry so large that every key's list is long (LandmarkMatchOptions::
// max_scanned_postings_per_second): 400 copies of the unregistered recording
// make the keys it shares with the query's recording long, and a budget of a
// tenth of what the lookups name must still find the excerpt by reading the
// rarest lists, where the copies are not.
TEST_F(LandmarkMatching, OverTheScanBudgetTheRarestListsStillFindTheWork) {
  const auto filler = ExtractLandmarks(audio_[3]);
  ASSERT_TRUE(filler.ok());
  for (std::uint64_t k = 0; k < 400; ++k) ASSERT_TRUE(index_.Add(1000 + k, *filler).ok());
  index_.Compact();
  const auto q = Query(Slice(audio_[1], 40, 10));
  LandmarkMatchOptions everything;
  everything.max_scanned_postings_per_second = 1e12;
  LandmarkScan all;
  const auto unbounded = LandmarkMatcher(index_, everything).Find(q, &all);
  ASSERT_FALSE(unbounded.empty());
  EXPECT_EQ(unbounded[0].ref_id, 1u);
  EXPECT_EQ(all.read, all.listed);
  LandmarkMatchOptions o;
  o.max_scanned_postings_per_second = static_cast<double>(all.listed) / 100;  // 10 % of 10 s
  LandmarkScan bounded;
  const auto found = LandmarkMatcher(index_, o).Find(q, &bounded);
  EXPECT_EQ(bounded.listed, all.listed);
  EXPECT_LE(bounded.read, all.listed / 10);
  EXPECT_GT(bounded.read, 0u);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, 1u);
  EXPECT_LT(found[0].log10_pair_probability, kReportedAlone);
}

TEST(LandmarkIndexTest, TagsNameTheWorkInTheDeltaAndAfterEveryMerge) {
  LandmarkIndex index;
  ASSERT_TRUE(index.Add(1, RandomPrint(1, 30), TagOf(0x11)).ok());
  EXPECT_EQ(index.Tag(1), TagOf(0x11));  // in the delta
  index.Compact();
  EXPECT_EQ(index.Tag(1), TagOf(0x11));  // in a base built from the delta
  ASSERT_TRUE(index.Add(2, RandomPrint(2, 30), TagOf(0x22)).ok());
  index.Compact();  // decodes the base's rows into the next one
  EXPECT_EQ(index.Tag(1), TagOf(0x11));
  EXPECT_EQ(index.Tag(2), TagOf(0x22));
  ASSERT_TRUE(index.Add(1, RandomPrint(3, 20), TagOf(0x33)).ok());  // replaced
  EXPECT_EQ(index.Tag(1), TagOf(0x33));
  EXPECT_TRUE(index.Remove(2));
  EXPECT_FALSE(index.Tag(2).has_value());
}

TEST_F(LandmarkMatching, AWrittenBaseIsServedFromItsFileAndReopens) {
  testing::TempDir dir;
  const auto path = dir.path() / "landmark-1.seg";
  index_.Compact();
  ASSERT_TRUE(index_.Remove(2));  // a dead row in the file
  const auto q = Query(Slice(audio_[1], 30, 10));
  const auto before = LandmarkMatcher(index_).Find(q);
  ASSERT_FALSE(before.empty());
  {
    SCOPED_TRACE("in memory again");
    const auto again = LandmarkMatcher(index_).Find(q);
    ASSERT_FALSE(again.empty());
    EXPECT_DOUBLE_EQ(again[0].log10_pair_probability, before[0].log10_pair_probability);
  }
  ASSERT_TRUE(index_.WriteBase(path).ok());
  auto same = [&](const LandmarkIndex& index) {
    const auto found = LandmarkMatcher(index).Find(q);
    ASSERT_FALSE(found.empty());
    EXPECT_EQ(found[0].ref_id, 1u);
    EXPECT_DOUBLE_EQ(found[0].log10_pair_probability, before[0].log10_pair_probability);
    EXPECT_DOUBLE_EQ(found[0].tempo, before[0].tempo);
  };
  {
    SCOPED_TRACE("mapped");
    same(index_);  // served from the mapping
  }

  LandmarkIndex reopened;
  ASSERT_TRUE(reopened.OpenBase(path).ok());
  same(reopened);
  EXPECT_EQ(reopened.size(), 2u);
  EXPECT_FALSE(reopened.Contains(2));
  EXPECT_EQ(reopened.Tag(1), TagOf(2));
  const auto q2 = Query(Slice(audio_[2], 20, 10));
  EXPECT_TRUE(LandmarkMatcher(reopened).Find(q2).empty());
  EXPECT_EQ(reopened.OpenBase(path).code(), Status::Code::kFailedPrecondition);

  // Additions after the reopen, and a merge that decodes the mapped rows.
  ASSERT_TRUE(reopened.Add(3, *ExtractLandmarks(audio_[3]), TagOf(4)).ok());
  reopened.Compact();
  const auto found1 = LandmarkMatcher(reopened).Find(q);  // scored against one more work
  ASSERT_FALSE(found1.empty());
  EXPECT_EQ(found1[0].ref_id, 1u);
  const auto found3 = LandmarkMatcher(reopened).Find(Query(Slice(audio_[3], 40, 10)));
  ASSERT_FALSE(found3.empty());
  EXPECT_EQ(found3[0].ref_id, 3u);
  EXPECT_EQ(reopened.Tag(3), TagOf(4));
  EXPECT_EQ(reopened.Tag(0), TagOf(1));
}

TEST(LandmarkIndexTest, RefusesPeaksOutOfOrder) {
  LandmarkIndex index;
  LandmarkPrint p;
  p.frames = 10;
  p.peaks = {{5, 3, 0}, {4, 3, 0}};
  EXPECT_EQ(index.Add(1, p).code(), Status::Code::kInvalidArgument);
  p.peaks = {{5, 3, 0}, {12, 3, 0}};
  EXPECT_EQ(index.Add(1, p).code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace signet::fp

// Real-audio smoke version of signet-eval (tools/eval): a few corpus
// recordings registered, a few degraded excerpts made in-process (and one MP3
// through ffmpeg), asserting the work and the segment found.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include "fingerprint/audio_decoder.h"
#include "fingerprint/extract.h"
#include "fingerprint/matcher.h"
#include "tests/fingerprint/audio_test_util.h"

namespace signet::fp {
namespace {

constexpr int kRate = kChromaprintSampleRate;  // PCM at Chromaprint's rate, mono
const char* const kRegistered[] = {"knolls", "loyalists", "heroes_rite", "transience"};

class MatcherSmoke : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::HaveCorpus()) return;
    index_ = new Index();
    pcm_ = new std::map<std::string, Pcm>();
    fps_ = new std::map<std::string, std::vector<std::uint32_t>>();
    std::uint64_t id = 0;
    for (const char* name : {"knolls", "loyalists", "heroes_rite", "transience", "sad"}) {
      auto pcm =
          DecodeAudio(AudioSource::File(testing::CorpusDir() / (std::string(name) + ".ogg")));
      if (!pcm.ok()) return;
      auto fp = FingerprintPcm(pcm.value());
      if (!fp.ok()) return;
      (*fps_)[name] = fp.value().fingerprint.values;
      if (std::string(name) != "sad" && !index_->Add(id++, (*fps_)[name]).ok()) return;
      (*pcm_)[name] = std::move(pcm).value();
    }
    index_->Compact();
  }
  static void TearDownTestSuite() {
    delete index_;
    delete pcm_;
    delete fps_;
  }
  void SetUp() override { SIGNET_REQUIRE_CORPUS_AND(""); }

  static std::uint64_t Id(const std::string& name) {
    for (std::uint64_t i = 0; i < 4; ++i) {
      if (name == kRegistered[i]) return i;
    }
    return 99;
  }
  static std::vector<float> Excerpt(const std::string& name, double start, double len) {
    const Pcm& p = pcm_->at(name);
    const auto a = static_cast<std::size_t>(start * kRate);
    const auto b = std::min(p.samples.size(), static_cast<std::size_t>((start + len) * kRate));
    EXPECT_LT(a, b) << name << " is shorter than " << start + len << " s";
    if (a >= b) return {};
    return {p.samples.begin() + static_cast<long>(a), p.samples.begin() + static_cast<long>(b)};
  }
  static std::vector<std::uint32_t> Fingerprint(const std::vector<float>& x) {
    Pcm pcm;
    pcm.sample_rate = kRate;
    pcm.channels = 1;
    for (float s : x)
      pcm.samples.push_back(static_cast<std::int16_t>(std::clamp(s, -32768.f, 32767.f)));
    auto r = FingerprintPcm(pcm);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value().fingerprint.values : std::vector<std::uint32_t>{};
  }
  static double Rms(const std::vector<float>& x) {
    double acc = 0;
    for (float s : x) acc += static_cast<double>(s) * s;
    return std::sqrt(acc / static_cast<double>(x.size()));
  }
  // The match for `name` has a segment aligned at reference offset `offset`
  // seconds (query time 0), or at a repeat of the same passage.
  static void ExpectSegment(const std::vector<Match>& found, const std::string& name, double offset,
                            double q0, double q1) {
    const auto it = std::find_if(found.begin(), found.end(),
                                 [&](const Match& m) { return m.ref_id == Id(name); });
    ASSERT_NE(it, found.end()) << name << " not found";
    const auto& ref = fps_->at(name);
    bool ok = false;
    for (const Segment& s : it->segments) {
      const double got = s.ref_start - s.query_start;
      bool aligned = std::abs(got - offset) < 1.0;
      if (!aligned) {  // a repeat: the reference equals itself at both offsets
        const long d0 = std::lround(offset / kSecondsPerPosition);
        const long d1 = std::lround(got / kSecondsPerPosition);
        int errs = 0, n = 0;
        for (long i = std::lround(s.query_start / kSecondsPerPosition);
             i < std::lround(s.query_end / kSecondsPerPosition); ++i) {
          if (i + d0 < 0 || i + d1 < 0 || i + std::max(d0, d1) >= static_cast<long>(ref.size()))
            continue;
          errs += std::popcount(ref[i + d0] ^ ref[i + d1]);
          ++n;
        }
        aligned = n > 0 && errs < 0.25 * 32 * n;
      }
      if (aligned && std::abs(s.query_start - q0) < 2.0 && std::abs(s.query_end - q1) < 2.0)
        ok = true;
    }
    EXPECT_TRUE(ok) << name << " segment [" << it->segments[0].query_start << ", "
                    << it->segments[0].query_end << ") ref " << it->segments[0].ref_start;
  }

  static Index* index_;
  static std::map<std::string, Pcm>* pcm_;
  static std::map<std::string, std::vector<std::uint32_t>>* fps_;
};
Index* MatcherSmoke::index_ = nullptr;
std::map<std::string, Pcm>* MatcherSmoke::pcm_ = nullptr;
std::map<std::string, std::vector<std::uint32_t>>* MatcherSmoke::fps_ = nullptr;

// Fingerprint positions cover the audio up to ~2.6 s before its end.
constexpr double kTail = 2.6;

TEST_F(MatcherSmoke, CleanExcerpt) {
  const auto found = Matcher(*index_).Find(Fingerprint(Excerpt("knolls", 30, 10)));
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, Id("knolls"));
  ExpectSegment(found, "knolls", 30, 0, 10 - kTail);
}

TEST_F(MatcherSmoke, NoiseAt10dBAndQuieter) {
  auto x = Excerpt("loyalists", 60, 10);
  std::mt19937 rng(1);
  std::normal_distribution<float> n(0, static_cast<float>(Rms(x) / std::pow(10.0, 10.0 / 20)));
  for (auto& s : x) s = (s + n(rng)) * 0.25f;  // 10 dB SNR, then -12 dB
  const auto found = Matcher(*index_).Find(Fingerprint(x));
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, Id("loyalists"));
}

TEST_F(MatcherSmoke, BackToBackGivesBothWorksWithTheBoundary) {
  auto x = Excerpt("transience", 20, 10);
  const auto y = Excerpt("heroes_rite", 90, 10);
  x.insert(x.end(), y.begin(), y.end());
  const auto found = Matcher(*index_).Find(Fingerprint(x));
  ASSERT_EQ(found.size(), 2u);
  ExpectSegment(found, "transience", 20, 0, 10 - 1.1);
  ExpectSegment(found, "heroes_rite", 90 - 10, 10 - 1.1, 20 - kTail);
}

TEST_F(MatcherSmoke, MixedOverAnotherWorkAtMinus6dB) {
  // 20 s: at -6 dB a 10 s excerpt is found ~78 % of the time (EVALUATION.md).
  auto x = Excerpt("loyalists", 100, 20);
  auto y = Excerpt("knolls", 200, 20);
  const float g = static_cast<float>(0.5 * Rms(x) / Rms(y));
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) x[i] += g * y[i];
  const auto found = Matcher(*index_).Find(Fingerprint(x));
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, Id("loyalists"));
}

TEST_F(MatcherSmoke, Mp3At64kThroughFfmpeg) {
  if (!testing::HaveTool("ffmpeg")) GTEST_SKIP() << "ffmpeg missing";
  const auto dir =
      std::filesystem::temp_directory_path() / ("signet-smoke-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<std::int16_t> s;
  for (float v : Excerpt("heroes_rite", 45, 10)) s.push_back(static_cast<std::int16_t>(v));
  testing::WriteFile(dir / "in.wav", testing::MakeWav(s, kRate, 1));
  testing::RunCommand("ffmpeg -v error -y -i " + testing::ShellQuote((dir / "in.wav").string()) +
                      " -c:a libmp3lame -b:a 64k " +
                      testing::ShellQuote((dir / "out.mp3").string()));
  auto fp = FingerprintFile((dir / "out.mp3").string());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(fp.ok()) << fp.status().ToString();
  const auto found = Matcher(*index_).Find(fp.value().fingerprint.values);
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, Id("heroes_rite"));
  ExpectSegment(found, "heroes_rite", 45, 0, 10 - kTail);
}

TEST_F(MatcherSmoke, UnregisteredRecordingMatchesNothing) {
  for (double start : {5.0, 18.0, 30.0}) {
    EXPECT_TRUE(Matcher(*index_).Find(Fingerprint(Excerpt("sad", start, 10))).empty()) << start;
  }
  EXPECT_TRUE(Matcher(*index_).Find(fps_->at("sad")).empty());
}

}  // namespace
}  // namespace signet::fp

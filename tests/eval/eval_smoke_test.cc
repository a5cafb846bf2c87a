// Smoke version of signet-eval (tools/eval): the degradations of issue 11
// made as the eval makes them, and a few of them matched by the Chromaprint
// matcher through the same EvalMatcher interface, on real corpus audio.
#include <gtest/gtest.h>

#include <random>

#include "fingerprint/extract.h"
#include "tests/fingerprint/audio_test_util.h"
#include "tools/eval/corpus.h"
#include "tools/eval/degrade.h"
#include "tools/eval/eval_matcher.h"

namespace signet::eval {
namespace {

class EvalSmoke : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fp::testing::HaveCorpus()) return;
    std::vector<std::string> paths;
    for (const char* n : {"knolls", "loyalists", "heroes_rite", "transience", "sad"}) {
      paths.push_back((fp::testing::CorpusDir() / (std::string(n) + ".ogg")).string());
    }
    recs_ = new std::vector<Recording>(LoadRecordings(paths, fp::testing::CorpusDir(), "w", 2));
  }
  static void TearDownTestSuite() { delete recs_; }
  void SetUp() override {
    SIGNET_REQUIRE_CORPUS_AND("sox");
    if (!fp::testing::HaveTool("ffmpeg")) GTEST_SKIP() << "ffmpeg missing";
    ASSERT_EQ(recs_->size(), 5u);
    dir_ = std::filesystem::temp_directory_path() /
           ("signet-eval-smoke-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  const Recording& Rec(const std::string& name) const {
    for (const auto& r : *recs_) {
      if (r.name == name) return r;
    }
    ADD_FAILURE() << name;
    return recs_->front();
  }
  fp::Pcm Excerpt(const std::string& name, double start, double seconds) const {
    auto p = Cut(Rec(name), start, seconds, dir_.string());
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(p).value() : fp::Pcm{};
  }
  // The first four recordings registered with the Chromaprint EvalMatcher.
  std::unique_ptr<EvalMatcher> Chromaprint(bool speed_variants) const {
    EvalMatcherOptions o;
    if (speed_variants) {
      o.speed_variants.assign(fp::kDefaultSpeedVariants.begin(), fp::kDefaultSpeedVariants.end());
    }
    auto m = std::move(MakeEvalMatcher("chromaprint", o)).value();
    for (std::uint64_t i = 0; i < 4; ++i) {
      EXPECT_TRUE(m->Register({i, (*recs_)[i].name, (*recs_)[i].path, (*recs_)[i].fp}).ok());
    }
    m->Finish();
    return m;
  }
  std::vector<fp::Match> MatchDegraded(const EvalMatcher& m, const std::string& deg, fp::Pcm pcm,
                                       const fp::Pcm* other = nullptr) const {
    std::mt19937_64 rng(7);
    auto d = Degrade(deg, std::move(pcm), {other, dir_.string()}, rng);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    if (!d.ok()) return {};
    auto q = m.Prepare(d->file);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    return q.ok() ? m.Match(**q) : std::vector<fp::Match>{};
  }

  static std::vector<Recording>* recs_;
  std::filesystem::path dir_;
};
std::vector<Recording>* EvalSmoke::recs_ = nullptr;

TEST_F(EvalSmoke, EveryDefaultDegradationMakesAudioOfTheExpectedLength) {
  const fp::Pcm x = Excerpt("knolls", 40, 6);
  const fp::Pcm other = Excerpt("sad", 10, 6);
  auto speech = MakeSpeech(dir_.string());
  const bool have_speech = speech.ok();
  for (const std::string& deg : DefaultDegradations()) {
    const Needs needs = WhatItNeeds(deg).value();
    if (needs == Needs::kSpeech && !have_speech) continue;  // espeak-ng missing
    std::mt19937_64 rng(1);
    auto d = Degrade(deg, x, {needs == Needs::kSpeech ? &*speech : &other, dir_.string()}, rng);
    ASSERT_TRUE(d.ok()) << deg << ": " << d.status().ToString();
    auto pcm = DecodeForEval(fp::AudioSource::Bytes(d->file));
    ASSERT_TRUE(pcm.ok()) << deg << ": " << pcm.status().ToString();
    const double want = (needs == Needs::kSecondRegistered ? 12.0 : 6.0) / d->time_scale;
    EXPECT_NEAR(pcm->DurationSeconds(), want, 0.15) << deg << " (" << d->how << ")";
    if (deg.starts_with("speed_") || deg.starts_with("tempo_")) {
      EXPECT_NE(d->time_scale, 1.0) << deg;
    }
  }
  EXPECT_FALSE(WhatItNeeds("reverb_fast").ok());
  EXPECT_FALSE(WhatItNeeds("speed_").ok());
}

TEST_F(EvalSmoke, ChromaprintFindsSpedUpCopiesThroughItsVariants) {
  const auto m = Chromaprint(true);
  const auto found = MatchDegraded(*m, "speed_+4", Excerpt("loyalists", 60, 10));
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].ref_id, 1u);
  EXPECT_NEAR(found[0].speed, 1.04, 0.006);
}

TEST_F(EvalSmoke, UnregisteredMusicAndSpeechMatchNothing) {
  const auto m = Chromaprint(true);
  EXPECT_TRUE(MatchDegraded(*m, "mp3_64k", Excerpt("sad", 20, 10)).empty());
  if (auto speech = MakeSpeech(dir_.string()); speech.ok()) {
    EXPECT_TRUE(MatchDegraded(*m, "mix_speech_0dB", Excerpt("sad", 30, 10), &*speech).empty());
  }
}

}  // namespace
}  // namespace signet::eval

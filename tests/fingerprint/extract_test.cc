// Fingerprint extraction: byte-for-byte parity with `fpcalc -length 0` on the
// real corpus (text and -json), for every entry point, and the CLI's output.
#include "fingerprint/extract.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/fingerprint/audio_test_util.h"

namespace signet::fp {
namespace {

using testing::CorpusDir;
using testing::ShellQuote;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

std::vector<std::filesystem::path> CorpusTracks() {
  std::vector<std::filesystem::path> tracks;
  for (const auto& e : std::filesystem::directory_iterator(CorpusDir())) {
    if (e.path().extension() == ".ogg") tracks.push_back(e.path());
  }
  std::sort(tracks.begin(), tracks.end());
  return tracks;
}

// The Done-when of the foundation issue: every corpus track (a quarter of them
// under the sanitizers, which are ~5x slower), byte for byte.
TEST(Extract, MatchesFpcalcByteForByteOnTheCorpus) {
  SIGNET_REQUIRE_CORPUS_AND("fpcalc");
  const auto tracks = CorpusTracks();
  ASSERT_GE(tracks.size(), 40u);
  int compared = 0;
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    // battle.ogg is where a resampler setting once made a difference: keep it.
    if (kSanitized && i % 4 != 0 && tracks[i].filename() != "battle.ogg") continue;
    SCOPED_TRACE(tracks[i].string());
    auto expected = testing::Fpcalc(tracks[i]);
    ASSERT_TRUE(expected.has_value());
    auto ours = FingerprintFile(tracks[i].string());
    ASSERT_TRUE(ours.ok()) << ours.status().ToString();
    EXPECT_EQ(FormatFpcalcText(*ours), *expected);
    ++compared;
  }
  EXPECT_GE(compared, 10);
}

TEST(Extract, JsonMatchesFpcalc) {
  SIGNET_REQUIRE_CORPUS_AND("fpcalc");
  for (const char* name : {"defeat.ogg", "silence.ogg"}) {
    auto expected = testing::Fpcalc(CorpusDir() / name, "-json");
    ASSERT_TRUE(expected.has_value());
    auto ours = FingerprintFile((CorpusDir() / name).string());
    ASSERT_TRUE(ours.ok());
    EXPECT_EQ(FormatFpcalcJson(*ours), *expected);
  }
}

// fpcalc parity also holds for formats other than Ogg, made with ffmpeg; this is
// where the no-converter path (s16 at 11025 Hz mono) and s16 input are used.
TEST(Extract, MatchesFpcalcOnOtherFormats) {
  SIGNET_REQUIRE_CORPUS_AND("fpcalc");
  if (!testing::HaveTool("ffmpeg")) GTEST_SKIP() << "ffmpeg missing";
  testing::TempDir dir;
  const std::string src = ShellQuote((CorpusDir() / "knolls.ogg").string());
  for (const char* spec : {"a.wav|-c:a pcm_s16le", "b.wav|-c:a pcm_s16le -ar 11025 -ac 1",
                           "c.flac|-c:a flac -ar 48000", "d.mp3|-c:a libmp3lame -b:a 96k",
                           "e.m4a|-c:a aac -b:a 96k -ac 1 -ar 22050"}) {
    const std::string s = spec;
    const auto out = dir.path() / s.substr(0, s.find('|'));
    SCOPED_TRACE(out.filename().string());
    ASSERT_EQ(testing::RunCommand("ffmpeg -nostdin -loglevel error -y -ss 30 -t 20 -i " + src +
                                  " " + s.substr(s.find('|') + 1) + " " + ShellQuote(out.string()))
                  .status,
              0);
    auto expected = testing::Fpcalc(out);
    ASSERT_TRUE(expected.has_value());
    auto ours = FingerprintFile(out.string());
    ASSERT_TRUE(ours.ok()) << ours.status().ToString();
    EXPECT_EQ(FormatFpcalcText(*ours), *expected);
  }
}

TEST(Extract, BufferAndPcmEntryPointsAgreeWithFile) {
  SIGNET_REQUIRE_CORPUS_AND("");
  const auto path = CorpusDir() / "defeat.ogg";
  auto file = FingerprintFile(path.string());
  ASSERT_TRUE(file.ok());
  EXPECT_GT(file->fingerprint.values.size(), 40u);
  EXPECT_EQ(file->fingerprint.algorithm, 1);
  const auto bytes = testing::ReadFile(path);
  auto buffer = FingerprintBuffer(bytes);
  ASSERT_TRUE(buffer.ok());
  EXPECT_EQ(buffer->fingerprint, file->fingerprint);
  EXPECT_EQ(buffer->duration_seconds, file->duration_seconds);

  auto pcm = DecodeAudio(AudioSource::File(path.string()));
  ASSERT_TRUE(pcm.ok());
  auto from_pcm = FingerprintPcm(*pcm);
  ASSERT_TRUE(from_pcm.ok());
  EXPECT_EQ(from_pcm->fingerprint, file->fingerprint);
  EXPECT_NEAR(from_pcm->duration_seconds, file->duration_seconds, 0.05);
}

TEST(Extract, SpeedVariantsDecodeOnceAndLeaveTheOriginalExact) {
  SIGNET_REQUIRE_CORPUS_AND("");
  const auto path = CorpusDir() / "knolls.ogg";
  auto file = FingerprintFile(path.string());
  ASSERT_TRUE(file.ok());
  const double speeds[] = {0.97, 1.04};
  auto v = FingerprintAudioAtSpeeds(AudioSource::File(path.string()), {}, speeds, 20);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->original.fingerprint, file->fingerprint);
  EXPECT_EQ(v->original.duration_seconds, file->duration_seconds);
  EXPECT_NEAR(v->variant_seconds, 20, 0.01);
  ASSERT_EQ(v->variants.size(), 2u);
  // Each variant is the first 20 s relabelled at 11025 / speed: slowed down by
  // 1.04 it lasts 20.8 s, so it has ~4 % more sub-fingerprints than 20 s would.
  auto pcm = DecodeAudio(AudioSource::File(path.string()));
  ASSERT_TRUE(pcm.ok());
  pcm->samples.resize(20 * 11025);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(v->variants[k].speed, speeds[k]);
    Pcm relabelled = *pcm;
    relabelled.sample_rate = static_cast<int>(std::lround(11025 / speeds[k]));
    auto expected = FingerprintPcm(relabelled);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(v->variants[k].values, expected->fingerprint.values) << speeds[k];
  }
  EXPECT_GT(v->variants[1].values.size(), v->variants[0].values.size());

  const double bad[] = {1.0};
  EXPECT_EQ(FingerprintAudioAtSpeeds(AudioSource::File(path.string()), {}, bad, 20).status().code(),
            Status::Code::kInvalidArgument);
  auto none = FingerprintAudioAtSpeeds(AudioSource::File(path.string()), {}, {}, 20);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->variants.empty());
  EXPECT_EQ(none->variant_seconds, 0);
}

TEST(Extract, TimingIsChromaprints) {
  const FingerprintTiming t = GetFingerprintTiming();
  EXPECT_NEAR(1.0 / t.item_seconds, 8.08, 0.01);
  EXPECT_GT(t.delay_seconds, 0.0);
}

TEST(Extract, ErrorsSayWhatIsWrong) {
  // Half a second of noise is too short for a single sub-fingerprint.
  const auto wav = testing::MakeWav(testing::Noise(5512, 9), 11025, 1);
  auto r = FingerprintBuffer(wav);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("too short"), std::string::npos) << r.status().message();

  const std::string text = "hello";
  auto t = FingerprintBuffer({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("not an audio file"), std::string::npos);

  Pcm bad;
  EXPECT_FALSE(FingerprintPcm(bad).ok());
}

// `signet fingerprint A B C` prints what fpcalc prints for A, B and C, in order,
// and reports a bad file without stopping the others.
TEST(Extract, CliPrintsFpcalcOutputInInputOrder) {
  SIGNET_REQUIRE_CORPUS_AND("fpcalc");
  const std::filesystem::path signet =
      std::filesystem::path(SIGNET_BINARY_DIR) / "tools" / "signet" / "signet";
  if (!std::filesystem::exists(signet)) GTEST_SKIP() << "signet CLI not built";
  const char* names[] = {"silence.ogg", "defeat.ogg", "sad.ogg", "victory.ogg"};
  std::string args;
  std::string expected_text;
  std::string expected_json;
  for (const char* n : names) {
    args.append(" ").append(ShellQuote((CorpusDir() / n).string()));
    expected_text += testing::Fpcalc(CorpusDir() / n).value_or("?");
    expected_json += testing::Fpcalc(CorpusDir() / n, "-json").value_or("?");
  }
  auto text = testing::RunCommand(ShellQuote(signet.string()) + " fingerprint -j 2" + args);
  EXPECT_EQ(text.status, 0);
  EXPECT_EQ(text.out, expected_text);
  auto json = testing::RunCommand(ShellQuote(signet.string()) + " fingerprint --json" + args);
  EXPECT_EQ(json.status, 0);
  EXPECT_EQ(json.out, expected_json);

  testing::TempDir dir;
  const auto junk = dir.path() / "junk.mp3";
  testing::WriteFile(junk, {'n', 'o', 'p', 'e'});
  auto mixed = testing::RunCommand(ShellQuote(signet.string()) + " fingerprint " +
                                   ShellQuote(junk.string()) + " " +
                                   ShellQuote((CorpusDir() / "defeat.ogg").string()) + " 2>&1");
  EXPECT_EQ(mixed.status, 1);
  EXPECT_NE(mixed.out.find("ERROR: " + junk.string()), std::string::npos) << mixed.out;
  EXPECT_NE(mixed.out.find(testing::Fpcalc(CorpusDir() / "defeat.ogg").value_or("?")),
            std::string::npos);
}

}  // namespace
}  // namespace signet::fp

// The FFmpeg audio decoder on real recordings in every common format, on input
// that is not audio, and against its limits (audio bombs).
#include "fingerprint/audio_decoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tests/fingerprint/audio_test_util.h"

namespace signet::fp {
namespace {

using testing::CorpusDir;
using testing::MakeWav;
using testing::ReadFile;
using testing::ShellQuote;
using testing::TempDir;
using testing::WriteFile;

constexpr const char* kNotAudio = "not an audio file FFmpeg can read: ";

TEST(AudioDecoder, DecodesCorpusOggToChromaprintFormat) {
  SIGNET_REQUIRE_CORPUS_AND("");
  auto pcm = DecodeAudio(AudioSource::File((CorpusDir() / "defeat.ogg").string()));
  ASSERT_TRUE(pcm.ok()) << pcm.status().ToString();
  EXPECT_EQ(pcm->sample_rate, kChromaprintSampleRate);
  EXPECT_EQ(pcm->channels, 1);
  EXPECT_EQ(pcm->info.format_name, "ogg");
  EXPECT_EQ(pcm->info.codec_name, "vorbis");
  EXPECT_EQ(pcm->info.source_sample_rate, 44100);
  EXPECT_EQ(pcm->info.source_channels, 2);
  EXPECT_EQ(pcm->info.frames, pcm->frames());
  // The decoded length agrees with what the container declares.
  ASSERT_GT(pcm->info.container_duration_seconds, 5.0);
  EXPECT_NEAR(pcm->DurationSeconds(), pcm->info.container_duration_seconds, 0.05);
  // Real music, not silence.
  double energy = 0;
  for (std::int16_t s : pcm->samples) energy += static_cast<double>(s) * s;
  EXPECT_GT(std::sqrt(energy / static_cast<double>(pcm->samples.size())), 100.0);
}

TEST(AudioDecoder, BufferAndFileGiveTheSameSamples) {
  SIGNET_REQUIRE_CORPUS_AND("");
  const auto path = CorpusDir() / "defeat.ogg";
  const std::vector<std::uint8_t> bytes = ReadFile(path);
  auto from_file = DecodeAudio(AudioSource::File(path.string()));
  auto from_bytes = DecodeAudio(AudioSource::Bytes(bytes));
  ASSERT_TRUE(from_file.ok() && from_bytes.ok());
  EXPECT_EQ(from_file->samples, from_bytes->samples);
  EXPECT_EQ(from_file->info.container_duration_seconds,
            from_bytes->info.container_duration_seconds);
}

TEST(AudioDecoder, KeepsSourceRateAndChannelsWhenAsked) {
  SIGNET_REQUIRE_CORPUS_AND("");
  DecodeOptions native;
  native.sample_rate = 0;
  native.channels = 0;
  auto pcm = DecodeAudio(AudioSource::File((CorpusDir() / "defeat.ogg").string()), native);
  ASSERT_TRUE(pcm.ok());
  EXPECT_EQ(pcm->sample_rate, 44100);
  EXPECT_EQ(pcm->channels, 2);
  EXPECT_NEAR(pcm->DurationSeconds(), pcm->info.container_duration_seconds, 0.05);
  const std::vector<float> mono = ToMonoFloat(*pcm);
  EXPECT_EQ(mono.size(), pcm->frames());
  for (float f : mono) ASSERT_TRUE(f >= -1.0f && f < 1.0f);
}

// Every format the design names, made from a corpus excerpt with Debian's ffmpeg.
TEST(AudioDecoder, DecodesEveryCommonFormat) {
  SIGNET_REQUIRE_CORPUS_AND("ffmpeg");
  TempDir dir;
  const std::string src = ShellQuote((CorpusDir() / "battle.ogg").string());
  struct Format {
    const char* file;
    const char* args;
    const char* codec;
  };
  const Format formats[] = {
      {"a.wav", "-c:a pcm_s16le", "pcm_s16le"},
      {"a.flac", "-c:a flac", "flac"},
      {"a.mp3", "-c:a libmp3lame -b:a 128k", "mp3float"},
      {"a.opus", "-c:a libopus -b:a 64k", "opus"},
      {"a.m4a", "-c:a aac -b:a 128k", "aac"},
      {"a24.wav", "-c:a pcm_s24le -ar 48000 -ac 1", "pcm_s24le"},
  };
  for (const auto& f : formats) {
    SCOPED_TRACE(f.file);
    const auto out = dir.path() / f.file;
    auto r = testing::RunCommand("ffmpeg -nostdin -loglevel error -y -ss 20 -t 12 -i " + src + " " +
                                 f.args + " " + ShellQuote(out.string()));
    ASSERT_EQ(r.status, 0);
    auto pcm = DecodeAudio(AudioSource::File(out.string()));
    ASSERT_TRUE(pcm.ok()) << pcm.status().ToString();
    EXPECT_EQ(pcm->info.codec_name, f.codec);
    EXPECT_NEAR(pcm->DurationSeconds(), 12.0, 0.1);
    auto bytes = ReadFile(out);
    auto from_bytes = DecodeAudio(AudioSource::Bytes(bytes));
    ASSERT_TRUE(from_bytes.ok()) << from_bytes.status().ToString();
    EXPECT_EQ(from_bytes->samples, pcm->samples);
  }
}

// A chained Ogg file changes rate and channels mid-stream: the converter is
// rebuilt and the output keeps the first part's format throughout.
TEST(AudioDecoder, FollowsFormatChangesMidStream) {
  SIGNET_REQUIRE_CORPUS_AND("ffmpeg");
  TempDir dir;
  const std::string src = ShellQuote((CorpusDir() / "knolls.ogg").string());
  const auto first = dir.path() / "first.ogg";
  const auto second = dir.path() / "second.ogg";
  ASSERT_EQ(testing::RunCommand("ffmpeg -nostdin -loglevel error -y -ss 30 -t 4 -i " + src +
                                " -ac 1 -ar 22050 -c:a libvorbis " + ShellQuote(first.string()))
                .status,
            0);
  ASSERT_EQ(testing::RunCommand("ffmpeg -nostdin -loglevel error -y -ss 10 -t 4 -i " + src +
                                " -ac 2 -ar 44100 -c:a libvorbis " + ShellQuote(second.string()))
                .status,
            0);
  std::vector<std::uint8_t> chained = ReadFile(first);
  const std::vector<std::uint8_t> tail = ReadFile(second);
  chained.insert(chained.end(), tail.begin(), tail.end());
  DecodeOptions native;
  native.sample_rate = 0;
  native.channels = 0;
  auto pcm = DecodeAudio(AudioSource::Bytes(chained), native);
  ASSERT_TRUE(pcm.ok()) << pcm.status().ToString();
  EXPECT_EQ(pcm->sample_rate, 22050);
  EXPECT_EQ(pcm->channels, 1);
  EXPECT_NEAR(pcm->DurationSeconds(), 8.0, 0.1);
}

TEST(AudioDecoder, RejectsInputThatIsNotAudio) {
  TempDir dir;
  const auto text = dir.path() / "notes.txt";
  const std::string words = "These are words, not sound.\n";
  WriteFile(text, {words.begin(), words.end()});
  auto r = DecodeAudio(AudioSource::File(text.string()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind(kNotAudio, 0), 0u) << r.status().message();

  std::mt19937 rng(5);
  for (std::size_t size : {1u, 100u, 5000u, 100000u}) {
    std::vector<std::uint8_t> noise(size);
    for (auto& b : noise) b = static_cast<std::uint8_t>(rng());
    auto n = DecodeAudio(AudioSource::Bytes(noise));
    ASSERT_FALSE(n.ok()) << size << " random bytes decoded as " << n->info.format_name;
    EXPECT_EQ(n.status().code(), Status::Code::kInvalidArgument) << n.status().ToString();
  }

  auto empty = DecodeAudio(AudioSource::Bytes({}));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message().rfind(kNotAudio, 0), 0u);

  auto missing = DecodeAudio(AudioSource::File((dir.path() / "nope.ogg").string()));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kIoError);
  EXPECT_NE(missing.status().message().find("nope.ogg"), std::string::npos);

  auto directory = DecodeAudio(AudioSource::File(dir.path().string()));
  EXPECT_FALSE(directory.ok());
}

TEST(AudioDecoder, TruncatedOggIsAnErrorOrShorterNeverACrash) {
  SIGNET_REQUIRE_CORPUS_AND("");
  const std::vector<std::uint8_t> full = ReadFile(CorpusDir() / "defeat.ogg");
  // Inside the Vorbis headers there is no audio to give back: an error.
  for (std::size_t len : {10u, 58u, 200u, 3000u}) {
    std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
    auto r = DecodeAudio(AudioSource::Bytes(cut));
    ASSERT_FALSE(r.ok()) << len;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << r.status().ToString();
  }
  // Cut inside the audio, a decoder may give back what is there (like any
  // player) or refuse; it must not read past the buffer (ASan) or hang.
  auto whole = DecodeAudio(AudioSource::Bytes(full));
  ASSERT_TRUE(whole.ok());
  for (std::size_t len = full.size() / 7; len < full.size(); len += full.size() / 7) {
    std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
    auto r = DecodeAudio(AudioSource::Bytes(cut));
    if (r.ok()) {
      EXPECT_LT(r->frames(), whole->frames());
    }
  }
}

TEST(AudioDecoder, RefusesToOpenOtherFiles) {
  SIGNET_REQUIRE_CORPUS_AND("");
  // An ffconcat playlist naming a real recording, and an HLS playlist: demuxers
  // that would open other files must not be able to.
  const std::string concat =
      "ffconcat version 1.0\nfile '" + (CorpusDir() / "defeat.ogg").string() + "'\n";
  const std::string hls = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile://" +
                          (CorpusDir() / "defeat.ogg").string() + "\n#EXT-X-ENDLIST\n";
  for (const std::string& text : {concat, hls}) {
    std::vector<std::uint8_t> bytes(text.begin(), text.end());
    auto r = DecodeAudio(AudioSource::Bytes(bytes));
    EXPECT_FALSE(r.ok()) << "decoded a playlist: " << text;
  }
  TempDir dir;
  const auto playlist = dir.path() / "list.m3u8";
  WriteFile(playlist, {hls.begin(), hls.end()});
  EXPECT_FALSE(DecodeAudio(AudioSource::File(playlist.string())).ok());
}

// ---- limits ---------------------------------------------------------------

TEST(AudioDecoder, LongSilenceIsRefusedOrTruncatedAtTheDurationLimit) {
  // 60 s of silence at 8 kHz: 960 KB that decode to a minute.
  const std::vector<std::uint8_t> wav = MakeWav(std::vector<std::int16_t>(60 * 8000), 8000, 1);
  DecodeOptions opt;
  opt.limits.max_duration_seconds = 10;
  auto r = DecodeAudio(AudioSource::Bytes(wav), opt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted);
  EXPECT_NE(r.status().message().find("longer than"), std::string::npos) << r.status().message();

  opt.limits.truncate_at_max_duration = true;
  auto cut = DecodeAudio(AudioSource::Bytes(wav), opt);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_TRUE(cut->info.truncated);
  EXPECT_NEAR(cut->DurationSeconds(), 10.0, 0.01);

  opt.limits.max_duration_seconds = 120;
  opt.limits.truncate_at_max_duration = false;
  auto whole = DecodeAudio(AudioSource::Bytes(wav), opt);
  ASSERT_TRUE(whole.ok());
  EXPECT_FALSE(whole->info.truncated);
  EXPECT_NEAR(whole->DurationSeconds(), 60.0, 0.01);
}

TEST(AudioDecoder, RefusesInputAboveTheSizeLimit) {
  const std::vector<std::uint8_t> wav = MakeWav(testing::Noise(8000, 1), 8000, 1);
  DecodeOptions opt;
  opt.limits.max_input_bytes = wav.size() - 1;
  auto r = DecodeAudio(AudioSource::Bytes(wav), opt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted);
  TempDir dir;
  WriteFile(dir.path() / "a.wav", wav);
  auto f = DecodeAudio(AudioSource::File((dir.path() / "a.wav").string()), opt);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Status::Code::kResourceExhausted);
  opt.limits.max_input_bytes = wav.size();
  EXPECT_TRUE(DecodeAudio(AudioSource::Bytes(wav), opt).ok());
}

TEST(AudioDecoder, RefusesPcmAboveTheMemoryLimit) {
  // 2 s of 8 kHz stereo kept at its own rate and channels: 64,000 bytes of PCM.
  const std::vector<std::uint8_t> wav = MakeWav(testing::Noise(8000 * 2 * 2, 8), 8000, 2);
  DecodeOptions opt;
  opt.sample_rate = 0;
  opt.channels = 0;
  opt.limits.max_pcm_bytes = 60000;
  auto r = DecodeAudio(AudioSource::Bytes(wav), opt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted);
  // Streaming holds one block at a time, so the same limit does not apply.
  std::size_t streamed = 0;
  auto s = DecodeAudioStream(AudioSource::Bytes(wav), opt, [&](const PcmBlock& b) {
    streamed += b.samples.size();
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(streamed, 8000u * 2 * 2);
  opt.limits.max_pcm_bytes = 64000;
  EXPECT_TRUE(DecodeAudio(AudioSource::Bytes(wav), opt).ok());
}

TEST(AudioDecoder, RefusesAbsurdSampleRatesAndChannelCounts) {
  const std::vector<std::int16_t> samples = testing::Noise(16000, 2);
  // A header claiming 2 GHz; and one claiming 1 Hz (hours of "audio").
  for (std::uint32_t rate : {2'000'000'000u, 1u, 1000u}) {
    auto r = DecodeAudio(AudioSource::Bytes(MakeWav(samples, 8000, 1, rate)));
    ASSERT_FALSE(r.ok()) << rate;
    EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted) << r.status().ToString();
  }
  DecodeOptions opt;
  opt.limits.max_channels = 1;
  auto stereo = DecodeAudio(AudioSource::Bytes(MakeWav(samples, 8000, 2)), opt);
  ASSERT_FALSE(stereo.ok());
  EXPECT_EQ(stereo.status().code(), Status::Code::kResourceExhausted);
  opt.limits.max_channels = 2;
  EXPECT_TRUE(DecodeAudio(AudioSource::Bytes(MakeWav(samples, 8000, 2)), opt).ok());
}

TEST(AudioDecoder, StopsAtTheWallClockLimit) {
  const std::vector<std::uint8_t> wav = MakeWav(testing::Noise(8000 * 5, 3), 8000, 1);
  DecodeOptions opt;
  opt.limits.max_decode_time = std::chrono::milliseconds(0);
  auto r = DecodeAudio(AudioSource::Bytes(wav), opt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted);
  EXPECT_NE(r.status().message().find("took longer"), std::string::npos) << r.status().message();
}

TEST(AudioDecoder, ResamplesWavExactlyAsAsked) {
  const std::vector<std::uint8_t> wav = MakeWav(testing::Noise(22050 * 2 * 3, 4), 22050, 2);
  DecodeOptions opt;
  opt.sample_rate = 16000;
  opt.channels = 2;
  auto r = DecodeAudio(AudioSource::Bytes(wav), opt);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->sample_rate, 16000);
  EXPECT_EQ(r->channels, 2);
  EXPECT_NEAR(r->DurationSeconds(), 3.0, 0.01);
  // Already in the wanted format: passed through untouched.
  const std::vector<std::int16_t> mono = testing::Noise(11025 * 2, 5);
  auto same = DecodeAudio(AudioSource::Bytes(MakeWav(mono, 11025, 1)));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->samples, mono);
}

TEST(AudioDecoder, RejectsBadOptions) {
  const std::vector<std::uint8_t> wav = MakeWav(testing::Noise(8000, 6), 8000, 1);
  DecodeOptions opt;
  opt.channels = 100;
  EXPECT_EQ(DecodeAudio(AudioSource::Bytes(wav), opt).status().code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace signet::fp

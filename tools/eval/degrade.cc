#include "tools/eval/degrade.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>

namespace signet::eval {
namespace {

// A paragraph of a public-domain text for the speech mixes (Abraham Lincoln,
// 1863). Fixed, so that every run mixes the same voice-over.
constexpr const char* kSpeechText =
    "Four score and seven years ago our fathers brought forth on this continent, a new nation, "
    "conceived in Liberty, and dedicated to the proposition that all men are created equal. "
    "Now we are engaged in a great civil war, testing whether that nation, or any nation so "
    "conceived and so dedicated, can long endure. We are met on a great battle-field of that "
    "war. We have come to dedicate a portion of that field, as a final resting place for those "
    "who here gave their lives that that nation might live. It is altogether fitting and proper "
    "that we should do this. But, in a larger sense, we can not dedicate, we can not consecrate, "
    "we can not hallow this ground. The brave men, living and dead, who struggled here, have "
    "consecrated it, far above our poor power to add or detract. The world will little note, "
    "nor long remember what we say here, but it can never forget what they did here. It is for "
    "us the living, rather, to be dedicated here to the unfinished work which they who fought "
    "here have thus far so nobly advanced. It is rather for us to be here dedicated to the great "
    "task remaining before us, that from these honored dead we take increased devotion to that "
    "cause for which they gave the last full measure of devotion, that we here highly resolve "
    "that these dead shall not have died in vain, that this nation, under God, shall have a new "
    "birth of freedom, and that government of the people, by the people, for the people, shall "
    "not perish from the earth.";

double Rms(const std::vector<std::int16_t>& s) {
  double acc = 0;
  for (auto x : s) acc += static_cast<double>(x) * x;
  return std::sqrt(acc / static_cast<double>(std::max<std::size_t>(1, s.size())));
}

std::int16_t Clip(double v) {
  return static_cast<std::int16_t>(std::lround(std::clamp(v, -32768.0, 32767.0)));
}

// x + other at `db` relative RMS (other looped when shorter).
void MixUnder(fp::Pcm& x, const fp::Pcm& other, double db) {
  if (other.samples.empty()) return;
  const double g = Rms(x.samples) / std::max(1.0, Rms(other.samples)) * std::pow(10.0, db / 20);
  for (std::size_t i = 0; i < x.samples.size(); ++i) {
    x.samples[i] = Clip(x.samples[i] + g * other.samples[i % other.samples.size()]);
  }
}

// The number after `prefix` in `name` ("speed_+4" -> 4), or NaN.
double Suffix(std::string_view name, std::string_view prefix, std::string_view unit = "") {
  if (!name.starts_with(prefix)) return std::nan("");
  std::string rest(name.substr(prefix.size()));
  if (!unit.empty()) {
    if (!rest.ends_with(unit)) return std::nan("");
    rest.resize(rest.size() - unit.size());
  }
  char* end = nullptr;
  const double v = std::strtod(rest.c_str(), &end);
  return rest.empty() || *end != '\0' ? std::nan("") : v;
}

Result<std::vector<std::uint8_t>> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::Internal("cannot read " + path);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(f), {});
}

Status WriteFile(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return f ? Status::Ok() : Status::Internal("cannot write " + path);
}

// One external command per degradation: `tool` with {in} and {out} substituted.
struct External {
  std::string commands;  // ";"-free shell commands joined with " && "
  std::string out;       // file name of the result in the temp dir
};

std::optional<External> ExternalFor(std::string_view name, std::mt19937_64& rng,
                                    double& time_scale) {
  if (name == "mp3_64k")
    return External{"ffmpeg -i in.wav -c:a libmp3lame -b:a 64k out.mp3", "out.mp3"};
  if (name == "mp3_32k_mono") {
    return External{"ffmpeg -i in.wav -c:a libmp3lame -b:a 32k -ac 1 -ar 22050 out.mp3", "out.mp3"};
  }
  if (name == "opus_24k")
    return External{"ffmpeg -i in.wav -c:a libopus -b:a 24k out.opus", "out.opus"};
  if (name == "codec_chain") {
    return External{
        "ffmpeg -i in.wav -c:a libmp3lame -b:a 128k a.mp3 && ffmpeg -i a.mp3 -c:a aac -b:a 64k "
        "b.m4a && ffmpeg -i b.m4a -c:a libopus -b:a 32k out.opus",
        "out.opus"};
  }
  if (name == "lowpass_3k") return External{"sox in.wav out.wav lowpass 3000", "out.wav"};
  if (const double db = Suffix(name, "vol_"); !std::isnan(db)) {
    return External{fmt::format("sox in.wav out.wav vol {}dB", db), "out.wav"};
  }
  if (const double pct = Suffix(name, "speed_"); !std::isnan(pct)) {
    time_scale = 1 + pct / 100;
    return External{fmt::format("sox in.wav out.wav speed {:.4f}", time_scale), "out.wav"};
  }
  if (const double pct = Suffix(name, "tempo_"); !std::isnan(pct)) {
    time_scale = 1 + pct / 100;
    return External{fmt::format("sox in.wav out.wav tempo {:.4f}", time_scale), "out.wav"};
  }
  if (const double cents = Suffix(name, "pitch_"); !std::isnan(cents)) {
    return External{fmt::format("sox in.wav out.wav pitch {}", cents), "out.wav"};
  }
  if (const double r = Suffix(name, "reverb_"); !std::isnan(r)) {
    return External{fmt::format("sox -G in.wav out.wav reverb {}", r), "out.wav"};
  }
  if (name == "slowed_reverb") {
    time_scale = std::uniform_real_distribution<double>(0.85, 0.90)(rng);
    return External{fmt::format("sox in.wav out.wav speed {:.4f} reverb 50", time_scale),
                    "out.wav"};
  }
  return std::nullopt;
}

}  // namespace

const std::vector<DegradationInfo>& DegradationCatalogue() {
  static const std::vector<DegradationInfo> kCatalogue = {
      {"clean", "the excerpt as is (WAV)"},
      {"mp3_64k", "ffmpeg -i in.wav -c:a libmp3lame -b:a 64k out.mp3"},
      {"mp3_32k_mono", "ffmpeg -i in.wav -c:a libmp3lame -b:a 32k -ac 1 -ar 22050 out.mp3"},
      {"opus_24k", "ffmpeg -i in.wav -c:a libopus -b:a 24k out.opus"},
      {"codec_chain",
       "MP3 128k, then AAC 64k, then Opus 32k: ffmpeg -c:a libmp3lame -b:a 128k a.mp3; ffmpeg -i "
       "a.mp3 -c:a aac -b:a 64k b.m4a; ffmpeg -i b.m4a -c:a libopus -b:a 32k out.opus"},
      {"noise_<dB>", "white Gaussian noise at that signal-to-noise ratio (RMS over the excerpt)"},
      {"vol_<dB>", "sox in.wav out.wav vol -12dB"},
      {"lowpass_3k", "sox in.wav out.wav lowpass 3000"},
      {"mix_bg-6dB", "another registered recording mixed under it, 6 dB lower (RMS)"},
      {"back_to_back", "excerpts of two registered recordings, one after the other"},
      {"speed_<+-pct>",
       "sox in.wav out.wav speed 1.04 (tempo and pitch together; +20..+25 is \"nightcore\")"},
      {"tempo_<+-pct>", "sox in.wav out.wav tempo 1.05 (tempo only, pitch kept)"},
      {"pitch_<+-cents>",
       "sox in.wav out.wav pitch 100 (pitch only, tempo kept; 100 = 1 semitone)"},
      {"reverb_<N>", "sox -G in.wav out.wav reverb 50"},
      {"slowed_reverb",
       "sox in.wav out.wav speed S reverb 50, S drawn per query from [0.85, 0.90] (\"slowed + "
       "reverb\")"},
      {"mix_music_<dB>",
       "unregistered music (the negative packages) mixed under it at that RMS level: 0dB equal, "
       "-6dB half"},
      {"mix_speech_0dB",
       "speech at equal RMS: espeak-ng -w speech.wav -f gettysburg.txt (a fixed public-domain "
       "text), from a random offset"},
  };
  return kCatalogue;
}

std::vector<std::string> DefaultDegradations() {
  return {"clean",          "mp3_64k",       "mp3_32k_mono", "opus_24k",      "codec_chain",
          "noise_20",       "noise_10",      "noise_5",      "vol_-12",       "vol_-30",
          "lowpass_3k",     "mix_bg-6dB",    "back_to_back", "speed_-15",     "speed_-10",
          "speed_-5",       "speed_-3",      "speed_+3",     "speed_+4",      "speed_+5",
          "speed_+10",      "speed_+20",     "speed_+25",    "tempo_-10",     "tempo_-5",
          "tempo_+5",       "tempo_+10",     "pitch_-100",   "pitch_-50",     "pitch_+50",
          "pitch_+100",     "reverb_50",     "reverb_80",    "slowed_reverb", "mix_music_0dB",
          "mix_music_-6dB", "mix_speech_0dB"};
}

Result<Needs> WhatItNeeds(std::string_view name) {
  if (name == "mix_bg-6dB") return Needs::kRegisteredBackground;
  if (name == "back_to_back") return Needs::kSecondRegistered;
  if (!std::isnan(Suffix(name, "mix_music_", "dB"))) return Needs::kUnregisteredMusic;
  if (name == "mix_speech_0dB") return Needs::kSpeech;
  double scale = 1;
  std::mt19937_64 rng(0);
  if (name == "clean" || !std::isnan(Suffix(name, "noise_")) ||
      ExternalFor(name, rng, scale).has_value()) {
    return Needs::kNothing;
  }
  return Status::InvalidArgument(
      fmt::format("unknown degradation \"{}\" (signet-eval --help lists them)", name));
}

Result<Degraded> Degrade(std::string_view name, fp::Pcm pcm, const DegradeInputs& inputs,
                         std::mt19937_64& rng) {
  SIGNET_ASSIGN_OR_RETURN(const Needs needs, WhatItNeeds(name));
  Degraded out;
  if (needs != Needs::kNothing) {
    if (inputs.other == nullptr) {
      return Status::InvalidArgument(fmt::format("degradation {} needs a second recording", name));
    }
    if (needs == Needs::kSecondRegistered) {
      pcm.samples.insert(pcm.samples.end(), inputs.other->samples.begin(),
                         inputs.other->samples.end());
      out.how = "two excerpts, one after the other";
    } else {
      const double db = needs == Needs::kRegisteredBackground ? -6.0
                        : needs == Needs::kSpeech             ? 0.0
                                                              : Suffix(name, "mix_music_", "dB");
      MixUnder(pcm, *inputs.other, db);
      out.how = fmt::format("mixed under at {} dB RMS", db);
    }
    out.file = WavBytes(pcm);
    return out;
  }
  if (const double snr = Suffix(name, "noise_"); !std::isnan(snr)) {
    std::normal_distribution<double> n(0.0, Rms(pcm.samples) / std::pow(10.0, snr / 20.0));
    for (auto& x : pcm.samples) x = Clip(x + n(rng));
    out.file = WavBytes(pcm);
    out.how = fmt::format("white noise at {} dB SNR", snr);
    return out;
  }
  if (name == "clean") {
    out.file = WavBytes(pcm);
    out.how = "as is";
    return out;
  }
  const std::optional<External> ext = ExternalFor(name, rng, out.time_scale);
  const std::string dir = inputs.tmp_dir;
  SIGNET_RETURN_IF_ERROR(WriteFile(dir + "/in.wav", WavBytes(pcm)));
  // Every tool runs in the temp dir, so the commands read as the catalogue's.
  std::string cmd = ext->commands;
  for (std::size_t at = 0; (at = cmd.find("ffmpeg -i", at)) != std::string::npos; at += 9) {
    cmd.replace(at, 9, "ffmpeg -v error -y -i");
  }
  out.how = ext->commands;
  if (!RunQuiet("cd " + ShellQuote(dir) + " && " + cmd)) {
    return Status::Internal("degradation failed: " + ext->commands);
  }
  SIGNET_ASSIGN_OR_RETURN(out.file, ReadFile(dir + "/" + ext->out));
  return out;
}

std::vector<std::uint8_t> WavBytes(const fp::Pcm& pcm) {
  std::vector<std::uint8_t> b;
  auto put = [&](std::uint32_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  auto tag = [&](const char* t) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(t[i]));
  };
  const auto bytes = static_cast<std::uint32_t>(pcm.samples.size() * 2);
  tag("RIFF");
  put(36 + bytes, 4);
  tag("WAVE");
  tag("fmt ");
  put(16, 4);
  put(1, 2);
  put(static_cast<std::uint32_t>(pcm.channels), 2);
  put(static_cast<std::uint32_t>(pcm.sample_rate), 4);
  put(static_cast<std::uint32_t>(pcm.sample_rate * pcm.channels * 2), 4);
  put(static_cast<std::uint32_t>(pcm.channels * 2), 2);
  put(16, 2);
  tag("data");
  put(bytes, 4);
  for (std::int16_t s : pcm.samples) put(static_cast<std::uint16_t>(s), 2);
  return b;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool RunQuiet(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

Result<fp::Pcm> DecodeForEval(const fp::AudioSource& source) {
  fp::DecodeOptions o;
  o.sample_rate = kEvalRate;
  o.channels = kEvalChannels;
  return fp::DecodeAudio(source, o);
}

Result<fp::Pcm> MakeSpeech(const std::string& tmp_dir) {
  const std::string text = tmp_dir + "/gettysburg.txt", wav = tmp_dir + "/speech.wav";
  SIGNET_RETURN_IF_ERROR(
      WriteFile(text, std::vector<std::uint8_t>(
                          kSpeechText, kSpeechText + std::char_traits<char>::length(kSpeechText))));
  if (!RunQuiet("espeak-ng -w " + ShellQuote(wav) + " -f " + ShellQuote(text))) {
    return Status::Internal("espeak-ng failed (apt-get install espeak-ng)");
  }
  return DecodeForEval(fp::AudioSource::File(wav));
}

}  // namespace signet::eval

// The degradations signet-eval applies to an excerpt: the table of
// ../shared/corpus/README.md and issue 11 (codecs, noise, level, band limit,
// speed, tempo, pitch, reverb, mixes with other music and with speech), each
// made exactly as the README says, by ffmpeg, sox and espeak-ng subprocesses
// (noise, level and mixing in-process on the PCM). DegradationCatalogue() is
// the one list of names and how each is made; --help and EVALUATION.md print
// it.
//
// Ownership: Degrade borrows its inputs and returns the degraded excerpt as an
// encoded audio file in memory (what a user would send to signetd).
// Thread safety: reentrant; each caller passes a temp directory of its own.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "fingerprint/audio_decoder.h"

namespace signet::eval {

// The PCM format excerpts are cut and degraded in.
inline constexpr int kEvalRate = 44100;
inline constexpr int kEvalChannels = 2;

struct DegradationInfo {
  std::string name;  // a name, or a pattern such as speed_<+-pct>
  std::string how;   // the command or the in-process operation
};
// Every degradation the eval knows, in table order.
const std::vector<DegradationInfo>& DegradationCatalogue();
// The default rows of signet-eval (every entry of the catalogue, patterns
// expanded to the values issue 11 asks for).
std::vector<std::string> DefaultDegradations();

// What a degradation needs besides the excerpt.
enum class Needs {
  kNothing,
  kRegisteredBackground,  // mix_bg-6dB: another registered recording under it
  kSecondRegistered,      // back_to_back: a second registered excerpt after it
  kUnregisteredMusic,     // mix_music_*: unregistered music under it
  kSpeech,                // mix_speech_0dB
};
// kInvalidArgument for a name the catalogue does not know.
Result<Needs> WhatItNeeds(std::string_view name);

struct DegradeInputs {
  // kRegisteredBackground, kUnregisteredMusic, kSpeech: the audio mixed under
  // the excerpt (44.1 kHz stereo, at least as long; shorter is looped);
  // kSecondRegistered: the excerpt played after it.
  const fp::Pcm* other = nullptr;
  std::string tmp_dir;  // private to the calling thread
};

struct Degraded {
  std::vector<std::uint8_t> file;  // the degraded excerpt as an audio file (WAV, MP3, Opus)
  // Reference seconds per query second: 1.04 for speed_+4 and tempo_+4 (the
  // copy plays 4 % faster), 1 when timing is kept.
  double time_scale = 1.0;
  std::string how;  // the commands that made it
};

// REQUIRES: pcm is kEvalRate Hz, kEvalChannels channels.
// Errors: kInvalidArgument for an unknown name or a missing input; kInternal
// when a subprocess fails (its command in the message).
Result<Degraded> Degrade(std::string_view name, fp::Pcm pcm, const DegradeInputs& inputs,
                         std::mt19937_64& rng);

// Helpers shared with the corpus code.
std::vector<std::uint8_t> WavBytes(const fp::Pcm& pcm);
std::string ShellQuote(const std::string& s);
// Runs `command` with its output discarded; true on exit status 0.
bool RunQuiet(const std::string& command);
Result<fp::Pcm> DecodeForEval(const fp::AudioSource& source);

// Speech made once per run: espeak-ng reading a fixed public-domain text (the
// Gettysburg Address), as 44.1 kHz stereo. Errors: kInternal when espeak-ng
// fails or is missing (Debian package espeak-ng).
Result<fp::Pcm> MakeSpeech(const std::string& tmp_dir);

}  // namespace signet::eval

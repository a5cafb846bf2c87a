// Audio decoding with FFmpeg's libraries: any container and codec FFmpeg reads
// (WAV, FLAC, Ogg Vorbis, Opus, MP3, M4A/AAC, ...), from a file or from bytes in
// memory, converted with libswresample to interleaved signed 16-bit PCM at the
// rate and channel count the caller asks for.
//
// The conversion mirrors fpcalc's (Chromaprint 1.5.1, src/audio/
// ffmpeg_audio_reader.h): same swresample "compatible mode" options, no
// converter at all when the decoder already emits s16 at the wanted rate and
// channels, one flush at the end. That is what makes our fingerprints byte-equal
// to `fpcalc -length 0`'s (see extract.h).
//
// Input is untrusted (the server decodes audio it receives over HTTP), so:
//  - every byte access goes through our own bounds-checked AVIOContext, also for
//    files, and demuxers may not open any other file or URL (no playlists, no
//    "concat:", no network);
//  - DecodeLimits bounds input size, decoded duration, sample rate, channels and
//    wall time; a violation is a kResourceExhausted Status saying which limit;
//  - input FFmpeg cannot read as audio is kInvalidArgument with a message that
//    starts "not an audio file FFmpeg can read: ".
// FFmpeg's own logging is silenced process-wide (av_log_set_level) on first use.
//
// Thread safety: the functions are reentrant; each call owns its FFmpeg contexts.
// An AudioSource made from bytes borrows them: they must outlive the call.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace signet::fp {

// The rate Chromaprint works at internally; feeding it audio at this rate, mono,
// is what fpcalc does.
inline constexpr int kChromaprintSampleRate = 11025;

struct DecodeLimits {
  // Size of the encoded input. Files larger than this are refused before
  // decoding starts.
  std::uint64_t max_input_bytes = std::uint64_t{1} << 30;
  // Decoded audio longer than this is refused (kResourceExhausted), or cut at
  // the limit when truncate_at_max_duration is true (like fpcalc -length N).
  // Counted on decoded samples, not on what the container claims.
  double max_duration_seconds = 2 * 3600.0;
  bool truncate_at_max_duration = false;
  // Stream parameters outside these ranges are refused: absurd rates make the
  // resampler allocate huge buffers, absurd channel counts huge frames.
  int min_sample_rate = 4000;
  int max_sample_rate = 384000;
  int max_channels = 32;
  // Memory for the PCM DecodeAudio returns (not used by DecodeAudioStream,
  // which holds one block at a time): 2 h at 11025 Hz mono is ~160 MB, but 2 h
  // at 384 kHz in 32 channels would be 350 GB.
  std::uint64_t max_pcm_bytes = std::uint64_t{512} << 20;
  // Wall-clock budget for the whole decode, probing included.
  std::chrono::milliseconds max_decode_time{std::chrono::minutes(2)};
};

struct DecodeOptions {
  int sample_rate = kChromaprintSampleRate;  // 0: keep the source's rate
  int channels = 1;                          // 0: keep the source's channels
  DecodeLimits limits;
};

// What was decoded. container_duration_seconds is what the container declares
// (stream duration, else format duration) rounded down to milliseconds, exactly
// as fpcalc computes it for DURATION=; -1 when the container does not say.
struct AudioInfo {
  std::string format_name;  // FFmpeg demuxer, e.g. "ogg"
  std::string codec_name;   // FFmpeg decoder, e.g. "vorbis"
  int source_sample_rate = 0;
  int source_channels = 0;
  int sample_rate = 0;       // of the output
  int channels = 0;          // of the output
  std::uint64_t frames = 0;  // output frames (samples per channel) delivered
  double container_duration_seconds = -1;
  bool truncated = false;             // cut at max_duration_seconds
  std::uint32_t skipped_packets = 0;  // undecodable packets that were skipped
};

// Decoded PCM: interleaved signed 16-bit samples.
struct Pcm {
  int sample_rate = 0;
  int channels = 0;
  std::vector<std::int16_t> samples;
  AudioInfo info;

  std::size_t frames() const { return channels > 0 ? samples.size() / channels : 0; }
  double DurationSeconds() const {
    return sample_rate > 0 ? static_cast<double>(frames()) / sample_rate : 0.0;
  }
};

// Averages the channels to mono, scaled to [-1, 1).
std::vector<float> ToMonoFloat(const Pcm& pcm);

// Where encoded audio comes from: a file path or bytes in memory.
class AudioSource {
 public:
  static AudioSource File(std::string path) {
    AudioSource s;
    s.path_ = std::move(path);
    return s;
  }
  // REQUIRES: `bytes` stays valid while the source is decoded.
  static AudioSource Bytes(std::span<const std::uint8_t> bytes) {
    AudioSource s;
    s.bytes_ = bytes;
    s.is_bytes_ = true;
    return s;
  }

  bool is_bytes() const { return is_bytes_; }
  const std::string& path() const { return path_; }
  std::span<const std::uint8_t> bytes() const { return bytes_; }
  // For messages: the path, or "<N bytes>".
  std::string Describe() const;

 private:
  AudioSource() = default;
  std::string path_;
  std::span<const std::uint8_t> bytes_;
  bool is_bytes_ = false;
};

// A block of converted audio handed to a PcmSink; `samples` is interleaved and
// only valid during the call. sample_rate and channels are the same for every
// block of one decode.
struct PcmBlock {
  int sample_rate;
  int channels;
  std::span<const std::int16_t> samples;
};
// A non-OK Status stops decoding and is returned as is.
using PcmSink = std::function<Status(const PcmBlock&)>;

// Decodes `source` block by block into `sink` without holding the whole
// recording in memory (what fingerprinting uses).
Result<AudioInfo> DecodeAudioStream(const AudioSource& source, const DecodeOptions& options,
                                    const PcmSink& sink);

// Decodes `source` into memory.
Result<Pcm> DecodeAudio(const AudioSource& source, const DecodeOptions& options = {});

}  // namespace signet::fp

// libFuzzer target for the audio decoder's in-memory entry point
// (fingerprint/audio_decoder.h), which the server runs on audio bytes received
// over HTTP, followed by fingerprinting as the server does.
//
// FFmpeg itself is not instrumented (Debian's libraries), so coverage guidance
// comes from our wrapper and ASan sees FFmpeg's reads of our buffers through
// its interceptors only; the point is our AVIOContext, limits, converter and
// the Chromaprint feed. Limits are small so that each input runs quickly.
#include <cstdint>
#include <span>

#include "fingerprint/audio_decoder.h"
#include "fingerprint/extract.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace signet::fp;
  DecodeLimits limits;
  limits.max_input_bytes = 1 << 20;
  limits.max_duration_seconds = 20;
  limits.max_decode_time = std::chrono::seconds(3);
  const std::span<const std::uint8_t> bytes(data, size);

  DecodeOptions options;
  options.limits = limits;
  // Also exercise the pass-through and multi-channel paths.
  if (size > 0 && (data[size - 1] & 1) != 0) {
    options.sample_rate = 0;
    options.channels = 0;
  }
  auto pcm = DecodeAudio(AudioSource::Bytes(bytes), options);
  if (pcm.ok()) {
    if (pcm->channels < 1 || pcm->sample_rate < 1) __builtin_trap();
    if (pcm->samples.size() % static_cast<std::size_t>(pcm->channels) != 0) __builtin_trap();
    if (pcm->DurationSeconds() > limits.max_duration_seconds * 1.01 + 1) __builtin_trap();
    (void)ToMonoFloat(*pcm);
    if (pcm->channels <= 8) (void)FingerprintPcm(*pcm);
  }
  return 0;
}

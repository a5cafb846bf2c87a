#include "fingerprint/extract.h"

#include <chromaprint.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

namespace signet::fp {
namespace {

// One decode feeds both prints.
static_assert(kLandmarkSampleRate == kChromaprintSampleRate);

struct ChromaprintDeleter {
  void operator()(ChromaprintContext* ctx) const { chromaprint_free(ctx); }
};
struct ChromaprintFree {
  void operator()(void* p) const { chromaprint_dealloc(p); }
};

// One fingerprinting run: start, feed blocks, finish, take the raw values.
class Session {
 public:
  Session() : ctx_(chromaprint_new(CHROMAPRINT_ALGORITHM_DEFAULT)) {}

  Status Start(int sample_rate, int channels) {
    if (!ctx_) return Status::Internal("chromaprint_new failed");
    if (chromaprint_start(ctx_.get(), sample_rate, channels) != 1) {
      return Status::InvalidArgument("Chromaprint cannot fingerprint audio at " +
                                     std::to_string(sample_rate) + " Hz, " +
                                     std::to_string(channels) + " channels");
    }
    started_ = true;
    return Status::Ok();
  }

  Status Feed(std::span<const std::int16_t> samples) {
    // chromaprint_feed takes an int count; feed in bounded pieces.
    constexpr std::size_t kMaxPiece = 1 << 20;
    while (!samples.empty()) {
      const std::size_t n = std::min(samples.size(), kMaxPiece);
      if (chromaprint_feed(ctx_.get(), samples.data(), static_cast<int>(n)) != 1) {
        return Status::Internal("chromaprint_feed failed");
      }
      samples = samples.subspan(n);
    }
    return Status::Ok();
  }

  bool started() const { return started_; }

  Result<RawFingerprint> Finish() {
    if (chromaprint_finish(ctx_.get()) != 1) return Status::Internal("chromaprint_finish failed");
    std::uint32_t* raw = nullptr;
    int size = 0;
    if (chromaprint_get_raw_fingerprint(ctx_.get(), &raw, &size) != 1) {
      return Status::Internal("chromaprint_get_raw_fingerprint failed");
    }
    std::unique_ptr<void, ChromaprintFree> owned(raw);
    if (size <= 0 || raw == nullptr) {
      return Status::InvalidArgument(
          "audio is too short to fingerprint: Chromaprint needs about 3 s of audio");
    }
    RawFingerprint fp;
    fp.algorithm = CHROMAPRINT_ALGORITHM_DEFAULT;
    fp.values.assign(raw, raw + size);
    return fp;
  }

 private:
  std::unique_ptr<ChromaprintContext, ChromaprintDeleter> ctx_;
  bool started_ = false;
};

}  // namespace

FingerprintTiming GetFingerprintTiming() {
  std::unique_ptr<ChromaprintContext, ChromaprintDeleter> ctx(
      chromaprint_new(CHROMAPRINT_ALGORITHM_DEFAULT));
  const int rate = chromaprint_get_sample_rate(ctx.get());
  return {static_cast<double>(chromaprint_get_item_duration(ctx.get())) / rate,
          static_cast<double>(chromaprint_get_delay(ctx.get())) / rate};
}

Result<FingerprintResult> FingerprintAudio(const AudioSource& source, const DecodeLimits& limits) {
  // The same decode-and-fingerprint pass, with no speed variants to keep audio for.
  SIGNET_ASSIGN_OR_RETURN(SpeedVariantFingerprints v,
                          FingerprintAudioAtSpeeds(source, limits, {}, 0));
  return std::move(v.original);
}

Result<SpeedVariantFingerprints> FingerprintAudioAtSpeeds(const AudioSource& source,
                                                          const DecodeLimits& limits,
                                                          std::span<const double> speeds,
                                                          double max_variant_seconds) {
  return FingerprintAudioPrints(source, limits, {speeds, max_variant_seconds, nullptr});
}

Result<SpeedVariantFingerprints> FingerprintAudioPrints(const AudioSource& source,
                                                        const DecodeLimits& limits,
                                                        const AudioPrintOptions& print_options) {
  const std::span<const double> speeds = print_options.speeds;
  const double max_variant_seconds = print_options.max_variant_seconds;
  std::optional<LandmarkExtractor> landmarks;
  if (print_options.landmark != nullptr) landmarks.emplace();
  for (double s : speeds) {
    if (!(s > 0.5 && s < 2.0) || s == 1.0) {
      return Status::InvalidArgument("a speed variant must lie in (0.5, 2) and not be 1, not " +
                                     std::to_string(s));
    }
  }
  DecodeOptions options;
  options.sample_rate = kChromaprintSampleRate;
  options.channels = 1;
  options.limits = limits;
  const std::size_t keep =
      speeds.empty()
          ? 0
          : static_cast<std::size_t>(std::max(0.0, max_variant_seconds) * kChromaprintSampleRate);
  Session session;
  std::vector<std::int16_t> kept;  // mono 11025 Hz: the first `keep` samples
  auto info = DecodeAudioStream(source, options, [&](const PcmBlock& block) {
    if (!session.started())
      SIGNET_RETURN_IF_ERROR(session.Start(block.sample_rate, block.channels));
    if (kept.size() < keep) {
      const std::size_t n = std::min(block.samples.size(), keep - kept.size());
      kept.insert(kept.end(), block.samples.begin(), block.samples.begin() + n);
    }
    if (landmarks) landmarks->Feed(block.samples);
    return session.Feed(block.samples);
  });
  if (!info.ok()) return info.status().WithContext(source.Describe());
  auto raw = session.Finish();
  if (!raw.ok()) return raw.status().WithContext(source.Describe());
  SpeedVariantFingerprints out;
  out.original.fingerprint = std::move(raw).value();
  out.original.duration_seconds = std::max(info->container_duration_seconds, 0.0);
  out.variant_seconds = static_cast<double>(kept.size()) / kChromaprintSampleRate;
  if (landmarks) {
    auto candidates = landmarks->Finish();
    if (!candidates.ok()) return candidates.status().WithContext(source.Describe());
    out.landmark = SelectLandmarks(*candidates, *print_options.landmark);
  }
  for (double s : speeds) {
    SpeedVariant v;
    v.speed = s;
    Session vs;
    SIGNET_RETURN_IF_ERROR(vs.Start(static_cast<int>(std::lround(kChromaprintSampleRate / s)), 1));
    SIGNET_RETURN_IF_ERROR(vs.Feed(kept));
    if (auto vr = vs.Finish(); vr.ok()) v.values = std::move(vr->values);  // else too short
    out.variants.push_back(std::move(v));
  }
  return out;
}

Result<FingerprintResult> FingerprintFile(const std::string& path, const DecodeLimits& limits) {
  return FingerprintAudio(AudioSource::File(path), limits);
}

Result<FingerprintResult> FingerprintBuffer(std::span<const std::uint8_t> bytes,
                                            const DecodeLimits& limits) {
  return FingerprintAudio(AudioSource::Bytes(bytes), limits);
}

Result<FingerprintResult> FingerprintPcm(const Pcm& pcm) {
  if (pcm.sample_rate <= 0 || pcm.channels < 1 || pcm.channels > 8) {
    return Status::InvalidArgument("PCM needs a positive sample rate and 1..8 channels");
  }
  Session session;
  SIGNET_RETURN_IF_ERROR(session.Start(pcm.sample_rate, pcm.channels));
  SIGNET_RETURN_IF_ERROR(session.Feed(pcm.samples));
  SIGNET_ASSIGN_OR_RETURN(RawFingerprint raw, session.Finish());
  return FingerprintResult{std::move(raw), pcm.DurationSeconds()};
}

std::string FormatFpcalcText(const FingerprintResult& result) {
  // fpcalc prints int(duration): truncation toward zero.
  return "DURATION=" + std::to_string(static_cast<int>(result.duration_seconds)) +
         "\nFINGERPRINT=" + EncodeFingerprint(result.fingerprint) + "\n";
}

std::string FormatFpcalcJson(const FingerprintResult& result) {
  char duration[64];
  std::snprintf(duration, sizeof(duration), "%.2f", result.duration_seconds);
  // The fingerprint alphabet (base64url) needs no JSON escaping.
  return std::string("{\"duration\": ") + duration + ", \"fingerprint\": \"" +
         EncodeFingerprint(result.fingerprint) + "\"}\n";
}

}  // namespace signet::fp

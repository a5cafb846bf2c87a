#include "tools/signet/local_fingerprint.h"

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "fingerprint/extract.h"
#include "fingerprint/landmark.h"
#include "fingerprint/landmark_codec.h"
#include "tools/signet/whole_file.h"

namespace signet::cli {

namespace {

// The query print of a long file: its first `seconds`.
void Truncate(fp::LandmarkPrint& print, double seconds) {
  const auto frames = static_cast<std::uint32_t>(seconds / fp::kLandmarkFrameSeconds);
  if (print.frames <= frames) return;
  print.frames = frames;
  std::erase_if(print.peaks, [&](const fp::LandmarkPeak& p) { return p.frame >= frames; });
}

}  // namespace

Result<LocalFingerprint> FingerprintLocalFile(const std::filesystem::path& path,
                                              LandmarkDensity landmark) {
  SIGNET_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
  LocalFingerprint out;
  const crypto::Digest d = crypto::Sha256(bytes);
  out.sha256 = crypto::HexEncode(crypto::ByteView(d.data(), d.size()));
  const fp::LandmarkOptions density = landmark == LandmarkDensity::kQuery
                                          ? fp::LandmarkOptions::Query()
                                          : fp::LandmarkOptions::Reference();
  fp::AudioPrintOptions options;
  if (landmark != LandmarkDensity::kNone) options.landmark = &density;
  // One decode gives both prints; the Chromaprint part is what fpcalc prints.
  auto fpr =
      fp::FingerprintAudioPrints(fp::AudioSource::Bytes(crypto::AsBytes(bytes)), {}, options);
  if (!fpr.ok()) {
    // The decoder names an in-memory source "<N bytes>"; the caller names the file.
    std::string m = fpr.status().message();
    for (std::size_t at = m.find('<'); at != std::string::npos; at = m.find('<', at + 1)) {
      const std::size_t end = m.find(" bytes>", at);
      if (end == std::string::npos || m.find_first_not_of("0123456789", at + 1) != end) {
        continue;
      }
      std::size_t stop = end + 7;
      if (at == 0 && m.compare(stop, 2, ": ") == 0) {
        m.erase(0, stop + 2);
      } else {
        m.replace(at, stop - at, "it");
      }
      at = 0;
    }
    return Status(fpr.status().code(), m);
  }
  out.fingerprint = std::move(fpr->original.fingerprint);
  out.duration_seconds = fpr->original.duration_seconds;
  out.compressed = fp::EncodeFingerprint(out.fingerprint);
  if (fpr->landmark) {
    if (landmark == LandmarkDensity::kQuery) Truncate(*fpr->landmark, kMaxQueryLandmarkSeconds);
    out.landmark = fp::EncodeLandmarkPrint(*fpr->landmark);
  }
  return out;
}

}  // namespace signet::cli

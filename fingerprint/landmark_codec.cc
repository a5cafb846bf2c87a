#include "fingerprint/landmark_codec.h"

#include <cstdint>
#include <span>
#include <vector>

#include "common/base64.h"
#include "fingerprint/landmark_index.h"

namespace signet::fp {
namespace {

constexpr std::uint64_t kPitches = kLandmarkMaxPitch + 1;
constexpr std::uint64_t kSaliences = kLandmarkMaxSalience + 1;

void PutVarint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

// Reads one canonical LEB128 varint from bytes[pos...]; advances pos.
Result<std::uint64_t> GetVarint(std::span<const std::uint8_t> bytes, std::size_t& pos,
                                const char* what) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= bytes.size()) {
      return Status::InvalidArgument(std::string("landmark print is truncated in ") + what);
    }
    const std::uint8_t b = bytes[pos++];
    const std::uint64_t part = b & 0x7f;
    if (shift == 63 && part > 1) {
      return Status::InvalidArgument(std::string("landmark print: ") + what + " overflows 64 bits");
    }
    v |= part << shift;
    if ((b & 0x80) == 0) {
      if (b == 0 && shift > 0) {
        return Status::InvalidArgument(std::string("landmark print: ") + what +
                                       " has an overlong encoding");
      }
      return v;
    }
  }
  return Status::InvalidArgument(std::string("landmark print: ") + what + " is over 10 bytes");
}

}  // namespace

std::string EncodeLandmarkPrint(const LandmarkPrint& print) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(8 + print.peaks.size() * 3);
  bytes.push_back(kLandmarkFormatVersion);
  PutVarint(bytes, print.frames);
  PutVarint(bytes, print.peaks.size());
  std::uint32_t prev = 0;
  for (const LandmarkPeak& p : print.peaks) {
    PutVarint(bytes, ((p.frame - prev) * kPitches + p.pitch) * kSaliences + p.salience);
    prev = p.frame;
  }
  return EncodeBase64(bytes, Base64Form::kUrl);
}

Result<LandmarkPrint> DecodeLandmarkPrint(std::string_view encoded) {
  auto decoded = DecodeBase64(encoded, Base64Form::kUrl);
  if (!decoded.ok()) return decoded.status().WithContext("landmark print");
  const std::vector<std::uint8_t>& bytes = *decoded;
  if (bytes.empty()) return Status::InvalidArgument("landmark print is empty");
  if (bytes[0] != kLandmarkFormatVersion) {
    return Status::InvalidArgument("landmark print has format version " + std::to_string(bytes[0]) +
                                   "; this server reads version " +
                                   std::to_string(kLandmarkFormatVersion));
  }
  std::size_t pos = 1;
  SIGNET_ASSIGN_OR_RETURN(std::uint64_t frames, GetVarint(bytes, pos, "the frame count"));
  if (frames > kMaxLandmarkFrames) {
    return Status::InvalidArgument("landmark print covers " + std::to_string(frames) +
                                   " frames; at most " + std::to_string(kMaxLandmarkFrames) +
                                   " (about 3 h) are accepted");
  }
  SIGNET_ASSIGN_OR_RETURN(std::uint64_t n, GetVarint(bytes, pos, "the peak count"));
  // Every peak takes at least one byte: a count beyond the input is a lie,
  // refused before anything is allocated for it.
  if (n > kMaxLandmarkPeaks || n > bytes.size() - pos) {
    return Status::InvalidArgument(
        "landmark print claims " + std::to_string(n) + " peaks; the string holds at most " +
        std::to_string(std::min<std::size_t>(kMaxLandmarkPeaks, bytes.size() - pos)));
  }
  LandmarkPrint print;
  print.frames = static_cast<std::uint32_t>(frames);
  print.peaks.reserve(static_cast<std::size_t>(n));
  std::uint64_t frame = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    SIGNET_ASSIGN_OR_RETURN(std::uint64_t v, GetVarint(bytes, pos, "a peak"));
    const std::uint64_t salience = v % kSaliences;
    v /= kSaliences;
    const std::uint64_t pitch = v % kPitches;
    const std::uint64_t dt = v / kPitches;
    frame += dt;
    if (frame >= frames) {
      return Status::InvalidArgument("landmark peak " + std::to_string(i) + " lies at frame " +
                                     std::to_string(frame) + ", past the print's " +
                                     std::to_string(frames) + " frames");
    }
    if (i > 0 && dt == 0 && pitch <= print.peaks.back().pitch) {
      return Status::InvalidArgument("landmark peak " + std::to_string(i) +
                                     " is not after the previous one in (frame, pitch) order");
    }
    print.peaks.push_back({static_cast<std::uint32_t>(frame), static_cast<std::uint16_t>(pitch),
                           static_cast<std::uint8_t>(salience)});
  }
  if (pos != bytes.size()) {
    return Status::InvalidArgument("landmark print has " + std::to_string(bytes.size() - pos) +
                                   " bytes after its last peak");
  }
  return print;
}

}  // namespace signet::fp

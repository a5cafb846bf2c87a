#include "fingerprint/codec.h"

#include <utility>

#include "common/base64.h"

namespace signet::fp {
namespace {

constexpr int kNormalBits = 3;
constexpr int kExceptionalBits = 5;
constexpr int kMaxNormalValue = 7;  // a code of 7 continues in the exceptional section
constexpr std::size_t kHeaderBytes = 4;

Status Invalid(const std::string& what) {
  return Status::InvalidArgument("malformed fingerprint: " + what +
                                 "; send the whole string fpcalc printed");
}

// Appends fixed-width codes LSB-first, as Chromaprint's PackInt3/5Array do.
class BitWriter {
 public:
  explicit BitWriter(std::vector<std::uint8_t>* out) : out_(out) {}
  void Write(std::uint32_t value, int width) {
    acc_ |= value << bits_;
    bits_ += width;
    while (bits_ >= 8) {
      out_->push_back(static_cast<std::uint8_t>(acc_));
      acc_ >>= 8;
      bits_ -= 8;
    }
  }
  void FlushByte() {
    if (bits_ > 0) out_->push_back(static_cast<std::uint8_t>(acc_));
    acc_ = 0;
    bits_ = 0;
  }

 private:
  std::vector<std::uint8_t>* out_;
  std::uint32_t acc_ = 0;
  int bits_ = 0;
};

// Reads fixed-width codes LSB-first from [begin, end); never past end.
class BitReader {
 public:
  BitReader(const std::uint8_t* begin, const std::uint8_t* end) : p_(begin), end_(end) {}
  // False at the end of input (fewer than `width` bits left).
  bool Read(int width, std::uint32_t* value) {
    while (bits_ < width) {
      if (p_ == end_) return false;
      acc_ |= static_cast<std::uint32_t>(*p_++) << bits_;
      bits_ += 8;
    }
    *value = acc_ & ((1u << width) - 1);
    acc_ >>= width;
    bits_ -= width;
    return true;
  }
  // Bytes consumed so far, and whether the unused bits of the last one are zero.
  std::size_t consumed(const std::uint8_t* begin) const {
    return static_cast<std::size_t>(p_ - begin);
  }
  bool rest_of_byte_is_zero() const { return acc_ == 0; }

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  std::uint32_t acc_ = 0;
  int bits_ = 0;
};

}  // namespace

std::string EncodeFingerprint(const RawFingerprint& fp) {
  const std::size_t n = fp.values.size();
  std::vector<std::uint8_t> bytes = {
      static_cast<std::uint8_t>(fp.algorithm & 0xff), static_cast<std::uint8_t>((n >> 16) & 0xff),
      static_cast<std::uint8_t>((n >> 8) & 0xff), static_cast<std::uint8_t>(n & 0xff)};
  std::vector<std::uint8_t> exceptional;
  BitWriter normal(&bytes);
  std::uint32_t previous = 0;
  for (const std::uint32_t value : fp.values) {
    std::uint32_t delta = value ^ previous;
    previous = value;
    int bit = 1;
    int last_bit = 0;
    for (; delta != 0; delta >>= 1, ++bit) {
      if ((delta & 1) == 0) continue;
      const int distance = bit - last_bit;
      if (distance >= kMaxNormalValue) {
        normal.Write(kMaxNormalValue, kNormalBits);
        exceptional.push_back(static_cast<std::uint8_t>(distance - kMaxNormalValue));
      } else {
        normal.Write(static_cast<std::uint32_t>(distance), kNormalBits);
      }
      last_bit = bit;
    }
    normal.Write(0, kNormalBits);
  }
  normal.FlushByte();
  BitWriter exc(&bytes);
  for (const std::uint8_t e : exceptional) exc.Write(e, kExceptionalBits);
  exc.FlushByte();
  return EncodeBase64(bytes, Base64Form::kUrl);
}

Result<RawFingerprint> DecodeFingerprint(std::string_view encoded) {
  auto decoded = DecodeBase64(encoded, Base64Form::kUrl);
  if (!decoded.ok()) return Invalid(decoded.status().message());
  std::vector<std::uint8_t> bytes = std::move(*decoded);
  if (bytes.size() < kHeaderBytes) {
    return Invalid("shorter than the 4-byte header (" + std::to_string(bytes.size()) + " bytes)");
  }
  RawFingerprint fp;
  fp.algorithm = bytes[0];
  if (fp.algorithm > kMaxFingerprintAlgorithm) {
    return Invalid("unknown algorithm " + std::to_string(fp.algorithm));
  }
  const std::size_t count =
      (std::size_t{bytes[1]} << 16) | (std::size_t{bytes[2]} << 8) | std::size_t{bytes[3]};
  if (count > kMaxFingerprintValues) {
    return Invalid("declares " + std::to_string(count) + " values, more than the limit of " +
                   std::to_string(kMaxFingerprintValues) + " (about 2 hours of audio)");
  }
  // Every value takes at least one 3-bit code: reject impossible counts before
  // allocating for them.
  const std::size_t body = bytes.size() - kHeaderBytes;
  if (count > body * 8 / kNormalBits) {
    return Invalid("declares " + std::to_string(count) + " values but has only " +
                   std::to_string(body) + " bytes of data");
  }

  const std::uint8_t* const begin = bytes.data() + kHeaderBytes;
  const std::uint8_t* const end = bytes.data() + bytes.size();

  // Normal section: read codes until `count` values have ended.
  std::vector<std::uint8_t> codes;
  codes.reserve(count * 4);
  std::size_t ended = 0;
  std::size_t num_exceptional = 0;
  BitReader normal(begin, end);
  while (ended < count) {
    std::uint32_t code = 0;
    if (!normal.Read(kNormalBits, &code)) {
      return Invalid("truncated: " + std::to_string(ended) + " of " + std::to_string(count) +
                     " values present");
    }
    if (code == 0) ++ended;
    if (code == kMaxNormalValue) ++num_exceptional;
    codes.push_back(static_cast<std::uint8_t>(code));
  }
  if (!normal.rest_of_byte_is_zero()) return Invalid("non-zero bits after the last value");

  // Exceptional section: starts on the next byte, must end the input exactly.
  const std::uint8_t* const exc_begin = begin + normal.consumed(begin);
  const std::size_t exc_bytes = (num_exceptional * kExceptionalBits + 7) / 8;
  const std::size_t available = static_cast<std::size_t>(end - exc_begin);
  if (available < exc_bytes) {
    return Invalid("truncated: exceptional section needs " + std::to_string(exc_bytes) +
                   " bytes, has " + std::to_string(available));
  }
  if (available > exc_bytes) {
    return Invalid(std::to_string(available - exc_bytes) + " bytes of trailing data");
  }
  BitReader exc(exc_begin, end);

  fp.values.reserve(count);
  std::uint32_t value = 0;
  std::uint32_t previous = 0;
  int last_bit = 0;
  for (const std::uint8_t c : codes) {
    if (c == 0) {
      previous ^= value;
      fp.values.push_back(previous);
      value = 0;
      last_bit = 0;
      continue;
    }
    int distance = c;
    if (c == kMaxNormalValue) {
      std::uint32_t extra = 0;
      if (!exc.Read(kExceptionalBits, &extra)) return Invalid("truncated exceptional section");
      distance += static_cast<int>(extra);
    }
    last_bit += distance;
    if (last_bit > 32) {
      return Invalid("value " + std::to_string(fp.values.size()) + " sets bit " +
                     std::to_string(last_bit) + ", beyond 32");
    }
    value |= std::uint32_t{1} << (last_bit - 1);
  }
  if (!exc.rest_of_byte_is_zero()) return Invalid("non-zero bits after the last exceptional code");
  return fp;
}

}  // namespace signet::fp

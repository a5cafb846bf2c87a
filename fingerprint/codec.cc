#include "fingerprint/codec.h"

#include <array>

namespace signet::fp {
namespace {

constexpr int kNormalBits = 3;
constexpr int kExceptionalBits = 5;
constexpr int kMaxNormalValue = 7;  // a code of 7 continues in the exceptional section
constexpr std::size_t kHeaderBytes = 4;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<std::int8_t, 256> MakeReverseAlphabet() {
  std::array<std::int8_t, 256> rev{};
  for (auto& r : rev) r = -1;
  for (int i = 0; i < 64; ++i)
    rev[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return rev;
}
constexpr std::array<std::int8_t, 256> kReverse = MakeReverseAlphabet();

std::string Base64UrlEncode(const std::vector<std::uint8_t>& in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = in.size() - i;
  if (rest == 1) {
    const std::uint32_t v = in[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    const std::uint32_t v = (in[i] << 16) | (in[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

Status Invalid(const std::string& what) {
  return Status::InvalidArgument("malformed fingerprint: " + what +
                                 "; send the whole string fpcalc printed");
}

Result<std::vector<std::uint8_t>> Base64UrlDecode(std::string_view in) {
  if (in.size() % 4 == 1) {
    return Invalid("base64 length " + std::to_string(in.size()) + " cannot be complete");
  }
  std::vector<std::uint8_t> out;
  out.reserve(in.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const int v = kReverse[static_cast<unsigned char>(in[i])];
    if (v < 0) {
      return Invalid("character " + std::to_string(static_cast<unsigned char>(in[i])) +
                     " at position " + std::to_string(i) + " is not base64url");
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  // The encoder fills the last character's unused bits with zeros; anything else
  // is a second spelling of the same bytes.
  if (acc != 0) return Invalid("non-zero padding bits in the last base64 character");
  return out;
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
  return Base64UrlEncode(bytes);
}

Result<RawFingerprint> DecodeFingerprint(std::string_view encoded) {
  SIGNET_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes, Base64UrlDecode(encoded));
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

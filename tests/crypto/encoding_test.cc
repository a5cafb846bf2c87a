#include "crypto/encoding.h"

#include <gtest/gtest.h>

#include <random>

namespace signet::crypto {
namespace {

std::string Str(const Bytes& b) { return std::string(AsChars(b)); }

TEST(Base64, Rfc4648Vectors) {
  // RFC 4648 section 10.
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, enc] : cases) {
    EXPECT_EQ(Base64Encode(plain), enc);
    Result<Bytes> dec = Base64Decode(enc);
    ASSERT_TRUE(dec.ok()) << enc << ": " << dec.status().ToString();
    EXPECT_EQ(Str(*dec), plain);
  }
}

TEST(Base64, UrlAlphabetWithoutPadding) {
  const std::uint8_t raw[] = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(Base64Encode(ByteView(raw)), "+/+/");
  EXPECT_EQ(Base64UrlEncode(ByteView(raw)), "-_-_");
  EXPECT_EQ(Base64UrlEncode(std::string_view("f")), "Zg");
  EXPECT_EQ(Str(*Base64UrlDecode("Zm8")), "fo");
  EXPECT_FALSE(Base64UrlDecode("Zm8=").ok()) << "padding is not part of the URL form";
  EXPECT_FALSE(Base64UrlDecode("+/+/").ok()) << "standard alphabet rejected";
  EXPECT_FALSE(Base64Decode("-_-_").ok()) << "URL alphabet rejected";
  EXPECT_FALSE(Base64UrlDecode("Z").ok());
}

TEST(Base64, StrictDecodingRejectsMalformedInput) {
  const std::string_view bad[] = {
      "Zg",        // missing padding
      "Zg=",       // short padding
      "Zg===",     // long
      "Z===",      // too much padding
      "====",      // only padding
      "Zh==",      // non-zero unused bits (canonical is Zg==)
      "Zm9=",      // non-zero unused bits (canonical is Zm8=)
      "Zm 9v",     // space
      "Zm9v\n",    // newline
      "Zm=v",      // padding in the middle
      "Zm9v====",  // padding block
      "Zm9$",      // bad character
  };
  for (std::string_view b : bad) {
    Result<Bytes> r = Base64Decode(b);
    EXPECT_FALSE(r.ok()) << "accepted \"" << b << "\"";
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    }
  }
}

TEST(Base64, RoundTripsRandomBytesInBothAlphabets) {
  std::mt19937 rng(7);
  for (std::size_t n = 0; n < 200; ++n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    Result<Bytes> s = Base64Decode(Base64Encode(b));
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(*s, b);
    Result<Bytes> u = Base64UrlDecode(Base64UrlEncode(b));
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(*u, b);
  }
}

TEST(Hex, EncodeDecodeAndRejects) {
  const std::uint8_t raw[] = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(HexEncode(ByteView(raw)), "0001abff");
  EXPECT_EQ(*HexDecode("0001abff"), Bytes(std::begin(raw), std::end(raw)));
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("0g").ok());
  EXPECT_FALSE(HexDecode("AB").ok()) << "uppercase is not the canonical form";
}

TEST(Base32, Rfc4648VectorsLowercaseUnpadded) {
  // RFC 4648 section 10, lowercased, padding removed.
  EXPECT_EQ(Base32LowerEncode(AsBytes("")), "");
  EXPECT_EQ(Base32LowerEncode(AsBytes("f")), "my");
  EXPECT_EQ(Base32LowerEncode(AsBytes("fo")), "mzxq");
  EXPECT_EQ(Base32LowerEncode(AsBytes("foo")), "mzxw6");
  EXPECT_EQ(Base32LowerEncode(AsBytes("foob")), "mzxw6yq");
  EXPECT_EQ(Base32LowerEncode(AsBytes("fooba")), "mzxw6ytb");
  EXPECT_EQ(Base32LowerEncode(AsBytes("foobar")), "mzxw6ytboi");
}

}  // namespace
}  // namespace signet::crypto

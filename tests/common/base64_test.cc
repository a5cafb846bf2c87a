// The shared base64 core: RFC 4648 vectors in both forms, and the strictness
// both crypto/encoding and the fingerprint codec rely on.
#include "common/base64.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

namespace signet {
namespace {

using ::testing::HasSubstr;

std::vector<std::uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

// RFC 4648's own vectors run through crypto/encoding (tests/crypto); here the
// two forms differ only in alphabet and padding.
TEST(Base64, FormsDifferInAlphabetAndPadding) {
  EXPECT_EQ(EncodeBase64(Bytes("fo"), Base64Form::kStandard), "Zm8=");
  EXPECT_EQ(EncodeBase64(Bytes("fo"), Base64Form::kUrl), "Zm8");
  EXPECT_EQ(*DecodeBase64("Zm8", Base64Form::kUrl), Bytes("fo"));
  const std::vector<std::uint8_t> high = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(EncodeBase64(high, Base64Form::kStandard), "+/+/");
  EXPECT_EQ(EncodeBase64(high, Base64Form::kUrl), "-_-_");
  EXPECT_EQ(*DecodeBase64("-_-_", Base64Form::kUrl), high);
}

TEST(Base64, OnlyTheEncodersSpellingIsAccepted) {
  struct Case {
    std::string_view text;
    Base64Form form;
    std::string_view message_part;
  };
  const Case cases[] = {
      {"Zg", Base64Form::kStandard, "not a multiple of 4"},
      {"Zh==", Base64Form::kStandard, "unused trailing bits"},
      {"Zm=v", Base64Form::kStandard, "not base64"},
      {"Z===", Base64Form::kStandard, "not base64"},
      {"-_-_", Base64Form::kStandard, "not base64"},
      {"Zg==", Base64Form::kUrl, "character 61 at position 2 is not base64url"},
      {"+/+/", Base64Form::kUrl, "character 43 at position 0 is not base64url"},
      {"Zm9vY", Base64Form::kUrl, "length 5 cannot be complete"},
      {"Zh", Base64Form::kUrl, "unused trailing bits"},
      {"Zm9", Base64Form::kUrl, "unused trailing bits"},
  };
  for (const auto& c : cases) {
    auto r = DecodeBase64(c.text, c.form);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr(c.message_part)) << c.text;
  }
}

TEST(Base64, RandomBytesRoundTrip) {
  std::mt19937 rng(3);
  for (std::size_t n = 0; n < 64; ++n) {
    std::vector<std::uint8_t> b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    for (Base64Form form : {Base64Form::kStandard, Base64Form::kUrl}) {
      auto d = DecodeBase64(EncodeBase64(b, form), form);
      ASSERT_TRUE(d.ok()) << d.status().ToString();
      EXPECT_EQ(*d, b);
    }
  }
}

}  // namespace
}  // namespace signet

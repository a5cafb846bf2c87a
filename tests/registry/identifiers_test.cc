// Identifier check digits against known-valid published identifiers and
// single-character corruptions of them.
#include "registry/identifiers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace signet::registry {
namespace {

using ::testing::HasSubstr;

TEST(IswcTest, KnownValid) {
  // The ISWC example used by CISAC and the ISO 15707 literature.
  auto r = NormalizeIswc("T-034.524.680-1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "T-034.524.680-1");
  auto compact = NormalizeIswc("T0345246801");
  ASSERT_TRUE(compact.ok());
  EXPECT_EQ(*compact, "T-034.524.680-1");
}

TEST(IswcTest, WrongCheckDigitNamesTheExpectedOne) {
  auto r = NormalizeIswc("T-034.524.680-2");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("expected 1"));
  EXPECT_FALSE(NormalizeIswc("T-034.524.681-1").ok());  // transcription error
  EXPECT_FALSE(NormalizeIswc("T-043.524.680-1").ok());  // transposition
}

TEST(IswcTest, Malformed) {
  for (const char* bad : {"", "T", "X-034.524.680-1", "T-034.524.680", "T-034-524-680-1",
                          "T03452468011", "T-03A.524.680-1", "t-034.524.680-1"}) {
    EXPECT_FALSE(NormalizeIswc(bad).ok()) << bad;
  }
}

TEST(IsniTest, KnownValid) {
  // ISNI 0000 0001 2103 2683, and ORCID iDs (allocated from the ISNI block,
  // same ISO 7064 MOD 11-2 check): ORCID's documented examples, one ending in X.
  for (const char* ok : {"0000 0001 2103 2683", "0000000121032683", "0000000218250097",
                         "000000021694233X", "0000 0002 1694 233x"}) {
    auto r = NormalizeIsni(ok);
    EXPECT_TRUE(r.ok()) << ok << ": " << r.status().ToString();
  }
  EXPECT_EQ(*NormalizeIsni("0000 0002 1694 233x"), "000000021694233X");
}

TEST(IsniTest, KnownInvalid) {
  auto r = NormalizeIsni("0000 0001 2103 2684");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("expected 3"));
  EXPECT_FALSE(NormalizeIsni("0000000216942330").ok());  // X replaced by 0
  EXPECT_FALSE(NormalizeIsni("0000 0001 2103 268").ok());
  EXPECT_FALSE(NormalizeIsni("0000-0001-2103-2683").ok());
  EXPECT_FALSE(NormalizeIsni("000000012103268A").ok());
  EXPECT_FALSE(NormalizeIsni("X000000121032683").ok());
}

TEST(IpiTest, ValidPerMod101Rule) {
  // 00000000199: django-music-publisher's test IPI name number (zero-padded);
  // 00014107338: check digits 38 = (101 - 63 mod 101) mod 100, computed by hand.
  EXPECT_TRUE(NormalizeIpiNameNumber("00000000199").ok());
  EXPECT_TRUE(NormalizeIpiNameNumber("00014107338").ok());
}

TEST(IpiTest, Invalid) {
  auto r = NormalizeIpiNameNumber("00014107339");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("expected 38"));
  EXPECT_FALSE(NormalizeIpiNameNumber("199").ok());
  EXPECT_FALSE(NormalizeIpiNameNumber("0001410733A").ok());
  EXPECT_FALSE(NormalizeIpiNameNumber("000141073380").ok());
}

TEST(IsrcTest, ValidForms) {
  EXPECT_EQ(*NormalizeIsrc("US-RC1-76-07839"), "USRC17607839");
  EXPECT_EQ(*NormalizeIsrc("USRC17607839"), "USRC17607839");
  EXPECT_EQ(*NormalizeIsrc("gbaye0000351"), "GBAYE0000351");
}

TEST(IsrcTest, Invalid) {
  for (const char* bad : {"", "USRC1760783", "1SRC17607839", "US-RC1-76-0783X", "USRC1-76-07839",
                          "US_RC1_76_07839", "USR!17607839"}) {
    auto r = NormalizeIsrc(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_THAT(r.status().message(), HasSubstr("ISRC"));
    }
  }
}

}  // namespace
}  // namespace signet::registry

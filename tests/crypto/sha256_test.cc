#include "crypto/sha256.h"

#include <gtest/gtest.h>

namespace signet::crypto {
namespace {

TEST(Sha256, FipsKnownAnswer) {
  // FIPS 180-2 appendix B.1: SHA-256("abc").
  Digest d = Sha256("abc");
  EXPECT_EQ(d[0], 0xba);
  EXPECT_EQ(d[1], 0x78);
  EXPECT_EQ(d[31], 0xad);
}

}  // namespace
}  // namespace signet::crypto

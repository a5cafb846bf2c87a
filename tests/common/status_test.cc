#include "common/status.h"

#include <gtest/gtest.h>

namespace signet {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("x must be even");
  return x / 2;
}

Result<int> Quarter(int x) {
  SIGNET_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(Status, OkAndError) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = Status::NotFound("no work with id w1");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "not found: no work with id w1");
  EXPECT_EQ(s.WithContext("GET /v1/works/w1").message(), "GET /v1/works/w1: no work with id w1");
}

TEST(Result, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace signet

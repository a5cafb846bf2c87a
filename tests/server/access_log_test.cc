// The access log's line format: one JSON object per exchange, whatever bytes
// the client put in its target.
#include "server/access_log.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace signet::server {
namespace {

TEST(AccessLogTest, LineIsOneJsonObjectWhateverTheTargetHolds) {
  Exchange ex;
  ex.method = "GET";
  ex.target = std::string("/v1/works/\"x\\y\"\x01\x1f\n", 19);
  ex.route = "/v1/works/{id}";
  auto time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1767322045678));
  std::string line = AccessLog::Line(time, "127.0.0.1:5555", ex, 404, 17, 1.2345);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v["time"].as_string(), "2026-01-02T02:47:25.678Z");
  EXPECT_EQ(v["remote"].as_string(), "127.0.0.1:5555");
  EXPECT_EQ(std::string(v["target"].as_string()), ex.target);
  EXPECT_EQ(v["route"].as_string(), "/v1/works/{id}");
  EXPECT_EQ(v["status"].as_int64(), 404);
  EXPECT_EQ(v["bytes"].as_int64(), 17);
  EXPECT_NE(line.find("\"duration_ms\":1.234"), std::string::npos);  // plain, not 1.2345E0
}

}  // namespace
}  // namespace signet::server

// The Prometheus text rendering of api/metrics.h, line by line.
#include "api/metrics.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace signet::api {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool Has(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

TEST(MetricsTest, CountsByMethodRouteAndStatus) {
  Metrics m;
  m.Observe("GET", "/v1/works/{id}", 200, 0.001);
  m.Observe("GET", "/v1/works/{id}", 200, 0.002);
  m.Observe("GET", "/v1/works/{id}", 404, 0.002);
  m.Observe("GET", "", 404, 0.0001);  // unrouted
  const auto lines = Lines(m.Render({}));
  EXPECT_EQ(lines[0],
            "# HELP signet_http_requests_total HTTP requests answered, by method, route and "
            "status.");
  EXPECT_EQ(lines[1], "# TYPE signet_http_requests_total counter");
  EXPECT_TRUE(Has(
      lines, R"(signet_http_requests_total{method="GET",route="/v1/works/{id}",status="200"} 2)"));
  EXPECT_TRUE(Has(
      lines, R"(signet_http_requests_total{method="GET",route="/v1/works/{id}",status="404"} 1)"));
  EXPECT_TRUE(
      Has(lines, R"(signet_http_requests_total{method="GET",route="unmatched",status="404"} 1)"));
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  Metrics m;
  m.Observe("POST", "/v1/match", 200, 0.003);  // in le="0.005"
  m.Observe("POST", "/v1/match", 200, 0.2);    // in le="0.25"
  m.Observe("POST", "/v1/match", 200, 20);     // beyond every bound
  const auto lines = Lines(m.Render({}));
  const std::string labels = R"(method="POST",route="/v1/match")";
  auto bucket = [&](const std::string& le, int n) {
    return "signet_http_request_duration_seconds_bucket{" + labels + ",le=\"" + le + "\"} " +
           std::to_string(n);
  };
  EXPECT_TRUE(Has(lines, "# TYPE signet_http_request_duration_seconds histogram"));
  EXPECT_TRUE(Has(lines, bucket("0.0025", 0)));
  EXPECT_TRUE(Has(lines, bucket("0.005", 1)));
  EXPECT_TRUE(Has(lines, bucket("0.1", 1)));
  EXPECT_TRUE(Has(lines, bucket("0.25", 2)));
  EXPECT_TRUE(Has(lines, bucket("10", 2)));
  EXPECT_TRUE(Has(lines, bucket("+Inf", 3)));
  EXPECT_TRUE(Has(lines, "signet_http_request_duration_seconds_count{" + labels + "} 3"));
  EXPECT_TRUE(Has(lines, "signet_http_request_duration_seconds_sum{" + labels + "} 20.203"));
  // 14 bounds + Inf, sum, count for the one series.
  std::size_t series_lines = 0;
  for (const auto& l : lines) series_lines += l.find(labels) != std::string::npos;
  EXPECT_EQ(series_lines, 1u /*counter*/ + 14 + 1 + 2);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Metrics m;
  m.Observe("GET", "/a\"b\\c\nd", 200, 0.001);
  const std::string text = m.Render({});
  EXPECT_NE(text.find(R"(route="/a\"b\\c\nd")"), std::string::npos) << text;
  for (const auto& l : Lines(text)) EXPECT_EQ(l.find('\r'), std::string::npos);
}

TEST(MetricsTest, GaugesGetOneTypeLinePerName) {
  Metrics m;
  const auto lines = Lines(m.Render({{"signet_registry_works{state=\"live\"}", 3},
                                     {"signet_registry_works{state=\"withdrawn\"}", 1},
                                     {"signet_log_size", 4},
                                     {"signet_registry_open_seconds", 0.25}}));
  const std::vector<std::string> tail(lines.end() - 7, lines.end());
  EXPECT_EQ(tail, (std::vector<std::string>{
                      "# TYPE signet_registry_works gauge",
                      "signet_registry_works{state=\"live\"} 3",
                      "signet_registry_works{state=\"withdrawn\"} 1",
                      "# TYPE signet_log_size gauge",
                      "signet_log_size 4",
                      "# TYPE signet_registry_open_seconds gauge",
                      "signet_registry_open_seconds 0.25",
                  }));
}

}  // namespace
}  // namespace signet::api

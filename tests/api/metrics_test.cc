// The Prometheus text rendering of api/metrics.h, line by line.
#include "api/metrics.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <regex>
#include <set>
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

TEST(MetricsTest, GaugesGetOneHelpAndTypePerFamily) {
  Metrics m;
  const auto lines =
      Lines(m.Render({{"signet_registry_works{state=\"live\"}", "Works, by state.", 3},
                      {"signet_registry_works{state=\"withdrawn\"}", "", 1},
                      {"signet_log_size", "Log size.", 4}}));
  auto at = std::find(lines.begin(), lines.end(), "# HELP signet_registry_works Works, by state.");
  ASSERT_NE(at, lines.end());
  EXPECT_EQ(std::vector<std::string>(at, at + 7),
            (std::vector<std::string>{
                "# HELP signet_registry_works Works, by state.",
                "# TYPE signet_registry_works gauge",
                "signet_registry_works{state=\"live\"} 3",
                "signet_registry_works{state=\"withdrawn\"} 1",
                "# HELP signet_log_size Log size.",
                "# TYPE signet_log_size gauge",
                "signet_log_size 4",
            }));
}

// The text exposition format 0.0.4 as `promtool check metrics` reads it:
// every sample belongs to a family announced by one HELP and one TYPE line
// before its samples, families are contiguous, names and labels are well
// formed, values are floats, counters end in _total, histograms have only
// _bucket/_sum/_count samples with a +Inf bucket.
std::string ExpositionProblems(const std::string& text) {
  static const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (\S+))");
  std::map<std::string, std::string> type, help;
  std::set<std::string> closed;
  std::string current, problems;
  auto family_of = [&](const std::string& sample) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string_view sv(sample);
      if (sv.ends_with(suffix)) {
        std::string base(sv.substr(0, sv.size() - std::strlen(suffix)));
        if (type.count(base) && type[base] == "histogram") return base;
      }
    }
    return sample;
  };
  std::size_t n = 0;
  for (const auto& line : Lines(text)) {
    ++n;
    auto bad = [&](const std::string& why) {
      problems += "line " + std::to_string(n) + ": " + why + ": " + line + "\n";
    };
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      std::istringstream in(line.substr(7));
      std::string name, rest;
      in >> name;
      std::getline(in, rest);
      if (!std::regex_match(name, kName)) bad("bad metric name");
      auto& map = line[2] == 'H' ? help : type;
      if (map.count(name)) bad("second HELP/TYPE for the family");
      map[name] = rest.empty() ? rest : rest.substr(1);
      if (line[2] == 'T' && !std::regex_match(map[name], std::regex("counter|gauge|histogram"))) {
        bad("unknown type");
      }
      if (name != current) {
        if (closed.count(name)) bad("family split in two");
        if (!current.empty()) closed.insert(current);
        current = name;
      }
      continue;
    }
    if (line.empty() || line[0] == '#') {
      bad("stray line");
      continue;
    }
    std::smatch m;
    if (!std::regex_match(line, m, kSample)) {
      bad("not a sample");
      continue;
    }
    std::string family = family_of(m[1]);
    if (family != current) bad("sample outside its family's block");
    if (!help.count(family) || help[family].empty()) bad("no HELP");
    if (!type.count(family)) bad("no TYPE");
    if (type[family] == "counter" && !std::string_view(family).ends_with("_total")) {
      bad("counter without _total");
    }
    const std::string value = m[5];
    char* end = nullptr;
    std::strtod(value.c_str(), &end);
    if (value != "+Inf" && value != "-Inf" && value != "NaN" && *end != '\0') bad("bad value");
  }
  for (const auto& [name, t] : type) {
    if (t == "histogram" && text.find(name + "_bucket{") != std::string::npos &&
        text.find("le=\"+Inf\"") == std::string::npos) {
      problems += name + ": histogram without a +Inf bucket\n";
    }
  }
  return problems;
}

TEST(MetricsTest, ExpositionPassesAStrictFormatCheck) {
  // The checker itself fails what promtool fails.
  EXPECT_NE(ExpositionProblems("# TYPE a gauge\na 1\n"), "");                // no HELP
  EXPECT_NE(ExpositionProblems("# HELP a x\n# TYPE a counter\na 1\n"), "");  // no _total
  EXPECT_NE(ExpositionProblems("# HELP a x\n# TYPE a gauge\na one\n"), "");  // bad value
  EXPECT_NE(ExpositionProblems("b 1\n"), "");                                // no family
  EXPECT_EQ(ExpositionProblems("# HELP a_total x\n# TYPE a_total counter\na_total 1\n"), "");

  Metrics m;
  m.Observe("GET", "/v1/works/{id}", 200, 0.001);
  m.Observe("POST", "/v1/match", 200, 0.3);
  m.Refused("rate");
  const std::string text = m.Render({{"signet_registry_works{state=\"live\"}", "Works.", 3},
                                     {"signet_registry_works{state=\"withdrawn\"}", "", 1},
                                     {"signet_log_size", "Log size.", 4}});
  EXPECT_EQ(ExpositionProblems(text), "") << text;
  // The process collector's families and the build info are there.
  for (const char* family :
       {"process_cpu_seconds_total", "process_resident_memory_bytes",
        "process_virtual_memory_bytes", "process_open_fds", "process_start_time_seconds"}) {
    EXPECT_NE(text.find(std::string("\n# TYPE ") + family + " "), std::string::npos) << family;
  }
  EXPECT_NE(text.find("\nsignet_build_info{version=\""), std::string::npos) << text;
}

}  // namespace
}  // namespace signet::api

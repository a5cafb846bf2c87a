// ParseStrictJson: what it refuses (duplicate keys at any depth, excess depth,
// excess size, non-RFC 8259 input) and what it still accepts.
#include "common/strict_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdlib>
#include <string>

namespace signet {
namespace {

using ::testing::HasSubstr;

Status ParseError(std::string_view text, std::size_t max_bytes = 1000, std::size_t depth = 8) {
  auto r = ParseStrictJson(text, max_bytes, "test document", depth);
  EXPECT_FALSE(r.ok()) << text;
  return r.status();
}

TEST(StrictJson, AcceptsOrdinaryDocuments) {
  auto r = ParseStrictJson(R"({"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]})", 1000, "doc");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->at("b").at("a").as_int64(), 2);
  // The same key in sibling or nested objects is not a duplicate.
  EXPECT_EQ(r->at("c").as_array().size(), 2u);
}

// Boost.JSON 1.81's parser reads 1.2e-43 one ulp low (and what it serializes
// from that one ulp high): found by protocol_answers_fuzzer as an e_value that
// changed across a round trip. Every double must read as strtod reads it.
TEST(StrictJson, DoublesAreCorrectlyRoundedAndSurviveRoundTrips) {
  for (const char* text :
       {"1.2e-43", "3.2e-43", "0.1", "2.2250738585072014e-308", "4.9406564584124654e-324",
        "1.7976931348623157e308", "-0.0", "123456789.123456789", "5e-1", "0.30000000000000004"}) {
    auto r = ParseStrictJson(std::string("[") + text + "]", 1000, "doc");
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    const double d = r->as_array().at(0).as_double();
    EXPECT_EQ(d, std::strtod(text, nullptr)) << text;
    auto again = ParseStrictJson(boost::json::serialize(*r), 1000, "doc");
    ASSERT_TRUE(again.ok()) << text;
    EXPECT_EQ(again->as_array().at(0).as_double(), d) << text;
  }
  // Beyond the largest double is refused (it would be infinity, which JSON
  // cannot hold); below the smallest reads as zero.
  EXPECT_THAT(ParseError("[1e999]").message(), HasSubstr("1e999 is out of range"));
  EXPECT_THAT(ParseError(R"({"a":-2e308})").message(), HasSubstr("out of range"));
  auto tiny = ParseStrictJson("[1e-400]", 1000, "doc");
  ASSERT_TRUE(tiny.ok());
  EXPECT_EQ(tiny->as_array().at(0).as_double(), 0.0);
  // Integers stay integers.
  auto ints = ParseStrictJson(R"({"a":-5,"b":18446744073709551615,"c":1e2})", 1000, "doc");
  ASSERT_TRUE(ints.ok());
  EXPECT_EQ(ints->at("a").as_int64(), -5);
  EXPECT_EQ(ints->at("b").as_uint64(), 18446744073709551615u);
  EXPECT_EQ(ints->at("c").as_double(), 100.0);
}

TEST(StrictJson, DuplicateKeysAtAnyDepthAreNamed) {
  const char* cases[][2] = {
      {R"({"artist":"a","artist":"b"})", "artist"},
      {R"({"x":{"title":"a","y":1,"title":"b"}})", "title"},
      {R"({"x":[1,{"z":[{"deep":1,"deep":2}]}]})", "deep"},
      {R"([{"k":1},{"k":1,"k":1}])", "k"},
      // Escapes spell the same key differently; the decoded keys collide.
      {R"({"ab":1,"a\u0062":2})", "ab"},
  };
  for (const auto& [text, key] : cases) {
    Status s = ParseError(text);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("duplicate key \"" + std::string(key) + "\"")) << text;
    EXPECT_THAT(s.message(), HasSubstr("test document"));
  }
}

TEST(StrictJson, DepthLimit) {
  // Depth counts objects and arrays; the top level is depth 1.
  EXPECT_TRUE(ParseStrictJson("[[[1]]]", 1000, "doc", 3).ok());
  EXPECT_TRUE(ParseStrictJson(R"({"a":{"b":[]}})", 1000, "doc", 3).ok());
  EXPECT_THAT(ParseError("[[[[1]]]]", 1000, 3).message(), HasSubstr("deeper than 3"));
  EXPECT_THAT(ParseError(R"({"a":{"b":{"c":{}}}})", 1000, 3).message(), HasSubstr("deeper than 3"));
  // Far past the limit fails the same way, without recursing.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_THAT(ParseError(deep, deep.size()).message(), HasSubstr("deeper than 8"));
}

TEST(StrictJson, SizeLimit) {
  const std::string doc = R"({"a":"0123456789"})";
  EXPECT_TRUE(ParseStrictJson(doc, doc.size(), "doc").ok());
  Status s = ParseError(doc, doc.size() - 1);
  EXPECT_EQ(s.code(), Status::Code::kResourceExhausted);
  EXPECT_THAT(s.message(), HasSubstr(std::to_string(doc.size()) + " bytes"));
  EXPECT_THAT(s.message(), HasSubstr("limit is " + std::to_string(doc.size() - 1)));
}

TEST(StrictJson, RejectsNonStandardJson) {
  for (const char* text : {"", "{", R"({"a":1,})", "[1,]", "{} {}", "// c\n{}", "{'a':1}"}) {
    EXPECT_EQ(ParseError(text).code(), Status::Code::kInvalidArgument) << text;
  }
}

TEST(StrictJson, FieldAccessorsNameTheField) {
  auto doc = ParseStrictJson(R"({"s":"x","n":7,"neg":-1,"arr":[1],"extra":0})", 1000, "doc");
  ASSERT_TRUE(doc.ok());
  EXPECT_THAT(ExpectObject(*doc, "env", {"s", "n"}, {"neg", "arr"}).status().message(),
              HasSubstr("unexpected field \"env.extra\""));
  EXPECT_THAT(
      ExpectObject(*doc, "", {"missing"}, {"s", "n", "neg", "arr", "extra"}).status().message(),
      HasSubstr("missing field \"missing\""));
  auto obj = ExpectObject(*doc, "", {"s", "n", "neg", "arr", "extra"});
  ASSERT_TRUE(obj.ok());
  EXPECT_EQ(*GetString(**obj, "s", ""), "x");
  EXPECT_EQ(*GetUint64(**obj, "n", ""), 7u);
  EXPECT_THAT(GetUint64(**obj, "neg", "").status().message(), HasSubstr("from 0 to 2^53"));
  EXPECT_THAT(GetString(**obj, "n", "o").status().message(),
              HasSubstr("field \"o.n\" must be a string, got a number"));
  EXPECT_EQ((*GetArray(**obj, "arr", ""))->size(), 1u);
}

}  // namespace
}  // namespace signet

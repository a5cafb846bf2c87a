// The router on its own (api/router.h): how request targets are split and
// decoded, which template a path matches, and the 400/404/405 answers.
#include "api/router.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace signet::api {
namespace {

namespace bj = boost::json;

TEST(ParseTargetTest, SplitsAndPercentDecodesSegmentsAndQuery) {
  auto t = ParseTarget("/v1/works/a%20b%2Fc/terms?at=2026-11-23T12%3A00%3A00Z&x=1+2&flag&x=3");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->segments, (std::vector<std::string>{"v1", "works", "a b/c", "terms"}));
  ASSERT_EQ(t->query.size(), 4u);
  EXPECT_EQ(t->Query("at"), "2026-11-23T12:00:00Z");
  EXPECT_EQ(t->Query("x"), "3");         // the last value wins
  EXPECT_EQ(t->query[1].second, "1 2");  // '+' is a space in a query
  EXPECT_EQ(t->Query("flag"), "");
  EXPECT_FALSE(t->Query("missing").has_value());
}

TEST(ParseTargetTest, KeepsATrailingSlashAsAnEmptySegment) {
  auto t = ParseTarget("/v1/works/");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->segments, (std::vector<std::string>{"v1", "works", ""}));
  auto root = ParseTarget("/");
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(root->segments.empty());
}

TEST(ParseTargetTest, RefusesWhatIsNotOriginForm) {
  for (const char* bad : {"http://example.org/v1/works", "v1/works", "/a%zz", "/a b", ""}) {
    auto t = ParseTarget(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), Status::Code::kInvalidArgument) << bad;
    }
  }
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    auto echo = [](std::string name) {
      return [name](const Request&, const RouteMatch& m) {
        std::string body = name + " " + std::string(m.route);
        for (const auto& [k, v] : m.params) body += " " + k + "=" + v;
        return Response::Text(200, body);
      };
    };
    router_.Add("GET", "/v1/works/{id}", echo("work"), 100);
    router_.Add("GET", "/v1/works/{id}/terms", echo("terms"));
    router_.Add("POST", "/v1/statements", echo("post"), 5000);
    router_.MarkWaitsForCommit("POST", "/v1/statements");
    router_.Add("PUT", "/v1/works/{id}", echo("put"));
    router_.AddStream("POST", "/v1/check",
                      [](const Request&, const RouteMatch&, BodyReader&, ResponseStream&) {
                        return Response::Text(200, "stream");
                      });
  }
  Response Get(std::string target, std::string method = "GET") {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    return router_.Dispatch(r);
  }
  Router router_;
};

TEST_F(RouterTest, DispatchesToTheTemplateWithItsDecodedParameters) {
  Response r = Get("/v1/works/wk%5F1/terms?at=x");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "terms /v1/works/{id}/terms id=wk_1");
  EXPECT_EQ(Get("/v1/works/wk_2").body, "work /v1/works/{id} id=wk_2");
  EXPECT_EQ(Get("/v1/works/wk_2", "PUT").body, "put /v1/works/{id} id=wk_2");
}

TEST_F(RouterTest, UnknownPathsAre404AndOtherMethods405WithAllow) {
  Response none = Get("/v1/works/");  // an empty segment never fills {id}
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.headers.Get("Content-Type").value_or(""), "application/problem+json");
  EXPECT_NE(std::string(bj::parse(none.body).at("detail").as_string()).find("/openapi.json"),
            std::string::npos);
  Response wrong = Get("/v1/works/wk_1", "DELETE");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers.Get("Allow").value_or(""), "GET, HEAD, PUT");
  Response bad = Get("/v1/works/%zz");
  EXPECT_EQ(bad.status, 400);
}

TEST_F(RouterTest, ClassifyNamesTheRouteAndItsLimitsBeforeTheBody) {
  RouteInfo work = router_.Classify("GET", "/v1/works/wk_1?at=x");
  EXPECT_EQ(work.route, "/v1/works/{id}");
  EXPECT_EQ(work.body_limit, 100u);
  EXPECT_FALSE(work.streaming);
  RouteInfo post = router_.Classify("POST", "/v1/statements");
  EXPECT_EQ(post.body_limit, 5000u);
  EXPECT_TRUE(post.waits_for_commit);
  RouteInfo check = router_.Classify("POST", "/v1/check?purpose=search");
  EXPECT_TRUE(check.streaming);
  EXPECT_EQ(check.route, "/v1/check");
  RouteInfo unknown = router_.Classify("GET", "/nowhere");
  EXPECT_EQ(unknown.route, "");
  EXPECT_EQ(unknown.body_limit, 64u << 10);  // an error answer is coming
  EXPECT_EQ(router_.Classify("DELETE", "/v1/works/wk_1").route, "");
}

TEST_F(RouterTest, RoutesListsEveryMethodAndTemplateInOrder) {
  const auto routes = router_.Routes();
  ASSERT_EQ(routes.size(), 5u);
  EXPECT_EQ(routes[0], (std::pair<std::string, std::string>{"GET", "/v1/works/{id}"}));
  EXPECT_EQ(routes[4], (std::pair<std::string, std::string>{"POST", "/v1/check"}));
}

}  // namespace
}  // namespace signet::api

// The web app's serving (web/web_app.h) in front of the real API over a real
// Registry (RocksDB in a temp dir), without sockets: every file of web/static
// is served byte for byte with its media type and security headers, ETags
// revalidate, and the API keeps every route it has.
#include "web/web_app.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>

#include "api/api.h"
#include "crypto/note.h"
#include "registry/registry.h"

namespace signet::web {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class WebAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("signet_web_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto key = crypto::SecretKey::FromSeed(std::vector<std::uint8_t>(32, 9));
    ASSERT_TRUE(key.ok());
    registry::RegistryOptions o;
    o.log_origin = "test.signet/log";
    o.server_key = std::make_shared<const crypto::SecretKey>(std::move(*key));
    auto r = registry::Registry::Open(dir_, std::move(o));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    registry_ = std::move(*r);
    api_ = std::make_unique<api::Api>(*registry_, nullptr);
    app_ = std::make_unique<WebApp>(*api_);
  }
  void TearDown() override {
    app_.reset();
    api_.reset();
    registry_.reset();
    fs::remove_all(dir_);
  }

  api::Response Get(std::string target, std::string if_none_match = {}) {
    api::Request r;
    r.method = "GET";
    r.target = std::move(target);
    if (!if_none_match.empty()) r.headers.Set("If-None-Match", if_none_match);
    return app_->Handle(r);
  }

  fs::path dir_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<WebApp> app_;
};

TEST_F(WebAppTest, ServesEveryFileOfWebStaticByteForByteWithItsMediaType) {
  const fs::path root = fs::path(SIGNET_SOURCE_DIR) / "web" / "static";
  std::size_t files = 0;
  std::set<std::string> types;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const std::string path = "/" + fs::relative(entry.path(), root).generic_string();
    api::Response r = Get(path);
    ASSERT_EQ(r.status, 200) << path << ": " << r.body;
    EXPECT_EQ(r.body, ReadFile(entry.path())) << path;
    const std::string type(r.headers.Get("Content-Type").value_or(""));
    EXPECT_EQ(type, ContentTypeFor(path)) << path;
    EXPECT_NE(type, "application/octet-stream") << path << " has an extension WebApp does not know";
    types.insert(type);
    ++files;
  }
  EXPECT_GE(files, 10u);
  EXPECT_TRUE(types.count("text/javascript; charset=utf-8"));
  EXPECT_TRUE(types.count("text/css; charset=utf-8"));
  EXPECT_TRUE(types.count("image/svg+xml"));
}

TEST_F(WebAppTest, RootIsTheAppsPageWithAStrictContentSecurityPolicy) {
  api::Response r = Get("/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.Get("Content-Type").value_or(""), "text/html; charset=utf-8");
  EXPECT_EQ(r.body, ReadFile(fs::path(SIGNET_SOURCE_DIR) / "web/static/index.html"));
  const std::string csp(r.headers.Get("Content-Security-Policy").value_or(""));
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos);
  EXPECT_EQ(r.headers.Get("X-Content-Type-Options").value_or(""), "nosniff");
  EXPECT_EQ(r.headers.Get("Cache-Control").value_or(""), "no-cache");
  // A query string (cache busting, links) names the same file.
  EXPECT_EQ(Get("/?from=mail").body, r.body);
  EXPECT_EQ(Get("/index.html").body, r.body);
}

TEST_F(WebAppTest, AnUnchangedFileRevalidatesAs304AndAChangedTagGetsTheFile) {
  api::Response first = Get("/js/main.js");
  ASSERT_EQ(first.status, 200);
  const std::string etag(first.headers.Get("ETag").value_or(""));
  ASSERT_EQ(etag.size(), 34u) << etag;  // "<32 hex>"
  EXPECT_EQ(Get("/js/main.js", etag).status, 304);
  EXPECT_TRUE(Get("/js/main.js", etag).body.empty());
  EXPECT_EQ(Get("/js/main.js", "W/" + etag).status, 304);
  EXPECT_EQ(Get("/js/main.js", "\"other\", " + etag).status, 304);
  EXPECT_EQ(Get("/js/main.js", "*").status, 304);
  EXPECT_EQ(Get("/js/main.js", "\"0000\"").status, 200);
  // Each file has its own tag.
  EXPECT_NE(Get("/app.css").headers.Get("ETag").value_or(""), etag);
  EXPECT_EQ(Get("/app.css", etag).status, 200);
}

TEST_F(WebAppTest, ApiRoutesKeepPrecedenceAndUnknownPathsKeepTheApisProblem404) {
  for (const auto& [method, route] : api_->Routes()) {
    EXPECT_EQ(app_->Classify(method, route).route, route) << method << " " << route;
  }
  api::Response health = Get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("\"status\":\"ok\""), std::string::npos);
  EXPECT_EQ(Get("/openapi.json").body, std::string(api::Api::OpenApiDocument()));
  api::Response missing = Get("/js/nothing.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.headers.Get("Content-Type").value_or(""), "application/problem+json");
  EXPECT_EQ(Get("/v1/works/wk_00000000000000000000000000000000").status, 404);
}

TEST_F(WebAppTest, OtherMethodsOnAFileAre405WithAllow) {
  api::Request r;
  r.method = "POST";
  r.target = "/";
  r.body = "x";
  EXPECT_EQ(app_->Classify(r.method, r.target).body_limit, 0u);
  api::Response res = app_->Handle(r);
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.headers.Get("Allow").value_or(""), "GET");
  EXPECT_NE(res.body.find("only GET"), std::string::npos);
}

}  // namespace
}  // namespace signet::web

// Handler tests without sockets: a real Registry (RocksDB in a temp dir)
// behind api::Api, driven with requests built in memory and statements signed
// exactly as a client signs them.
#include "api/api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <set>

#include "common/temp_dir.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/receipt.h"
#include "crypto/tiles.h"
#include "registry/testing/statements.h"

namespace signet::api {
namespace {

namespace bj = boost::json;
using registry::testing::CompressFingerprint;
using registry::testing::RandomFingerprint;
using registry::testing::TestArtist;
using registry::testing::WorkSpec;

class VectorBody : public BodyReader {
 public:
  explicit VectorBody(std::vector<std::string> pieces) : pieces_(std::move(pieces)) {}
  Result<bool> Read(std::string& piece) override {
    if (next_ == pieces_.size()) return false;
    piece = pieces_[next_++];
    return true;
  }

 private:
  std::vector<std::string> pieces_;
  std::size_t next_ = 0;
};

class CaptureStream : public ResponseStream {
 public:
  Status Begin(int s, Headers h) override {
    status = s;
    headers = std::move(h);
    begun_ = true;
    return Status::Ok();
  }
  Status Write(std::string data) override {
    body += data;
    return Status::Ok();
  }
  bool begun() const override { return begun_; }
  int status = 0;
  Headers headers;
  std::string body;

 private:
  bool begun_ = false;
};

std::vector<bj::object> Lines(const std::string& ndjson) {
  std::vector<bj::object> out;
  std::size_t pos = 0;
  while (pos < ndjson.size()) {
    std::size_t nl = ndjson.find('\n', pos);
    out.push_back(bj::parse(ndjson.substr(pos, nl - pos)).as_object());
    pos = nl + 1;
  }
  return out;
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = *TempDir::Create("signet_api_test");
    auto key = crypto::SecretKey::FromSeed(std::vector<std::uint8_t>(32, 7));
    ASSERT_TRUE(key.ok());
    auto signer_key = crypto::SecretKey::FromSeed(key->seed());
    auto signer = crypto::note::Signer::Create("test.signet/log", std::move(*signer_key));
    ASSERT_TRUE(signer.ok());
    signer_ = std::make_unique<crypto::note::Signer>(std::move(*signer));
    registry::RegistryOptions o;
    o.log_origin = "test.signet/log";
    o.server_key = std::make_shared<const crypto::SecretKey>(std::move(*key));
    auto r = registry::Registry::Open(dir_->path() / "registry", std::move(o));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    registry_ = std::move(*r);
    api_ = std::make_unique<Api>(*registry_, signer_.get());
  }
  void TearDown() override {
    api_.reset();
    registry_.reset();
    dir_.reset();
  }

  Response Call(std::string method, std::string target, std::string body = {},
                std::string content_type = "application/json") {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    if (!content_type.empty()) r.headers.Set("Content-Type", content_type);
    r.headers.Set("Host", "registry.test");
    EXPECT_FALSE(api_->Classify(r.method, r.target).streaming);
    return api_->Handle(r);
  }
  static bj::object Json(const Response& r) { return bj::parse(r.body).as_object(); }
  static std::string Detail(const Response& r) {
    EXPECT_EQ(r.headers.Get("Content-Type").value_or(""), "application/problem+json");
    return std::string(Json(r)["detail"].as_string());
  }
  // Submits and expects 201; returns the answer.
  bj::object Submit(const std::string& envelope) {
    Response r = Call("POST", "/v1/statements", envelope);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? Json(r) : bj::object{};
  }
  std::string RegisterWork(TestArtist& artist, std::uint64_t seed, std::string title) {
    WorkSpec spec;
    spec.title = std::move(title);
    spec.values = RandomFingerprint(seed, 400);
    auto a = Submit(artist.RegisterWork(spec));
    return a.contains("work_id") ? std::string(a["work_id"].as_string()) : "";
  }
  std::pair<CaptureStream, Response> Check(std::string target, std::vector<std::string> pieces) {
    Request r;
    r.method = "POST";
    r.target = std::move(target);
    EXPECT_TRUE(api_->Classify(r.method, r.target).streaming);
    VectorBody body(std::move(pieces));
    CaptureStream out;
    Response res = api_->HandleStream(r, body, out);
    return {std::move(out), std::move(res)};
  }

  std::optional<TempDir> dir_;
  std::unique_ptr<crypto::note::Signer> signer_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, UnknownPathsAnd405AreProblems) {
  Response r = Call("GET", "/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(Detail(r).find("/openapi.json"), std::string::npos);
  r = Call("DELETE", "/v1/works/wk_00000000000000000000000000000000");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.Get("Allow").value_or(""), "GET, HEAD");
  r = Call("GET", "/v2/lookup?%zz");
  EXPECT_EQ(r.status, 400);
}

TEST_F(ApiTest, RegistrationAnswers201WithAVerifiableReceipt) {
  TestArtist alice = TestArtist::FromSeedByte(1, "Alice");
  std::string envelope = alice.Register();
  bj::object a = Submit(envelope);
  EXPECT_EQ(a["type"].as_string(), "artist.register");
  EXPECT_EQ(a["artist"].as_object()["display_name"].as_string(), "Alice");
  auto receipt = crypto::ParseReceiptJson(bj::serialize(a["receipt"]));
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  std::string key = Call("GET", "/v1/log/key").body;
  while (!key.empty() && key.back() == '\n') key.pop_back();
  auto verified = crypto::VerifyReceipt(*receipt, envelope, key);
  EXPECT_TRUE(verified.ok()) << verified.status().ToString();

  Response artist = Call("GET", "/v1/artists/" + alice.id());
  EXPECT_EQ(artist.status, 200);
  EXPECT_EQ(Json(artist)["id"].as_string(), alice.id());
  // Registering twice: 409, the message names the problem.
  Response again = Call("POST", "/v1/statements", alice.Register());
  EXPECT_EQ(again.status, 409) << again.body;
}

TEST_F(ApiTest, BadStatementsAreRefusedWithTheReason) {
  TestArtist alice = TestArtist::FromSeedByte(1, "Alice");
  EXPECT_EQ(Call("POST", "/v1/statements", "").status, 400);
  EXPECT_EQ(Call("POST", "/v1/statements", "{not json").status, 400);
  EXPECT_EQ(Call("POST", "/v1/statements", "[1,2]").status, 400);
  EXPECT_EQ(Call("POST", "/v1/statements", alice.Register(), "text/plain").status, 415);
  // A flipped signature byte: 401.
  std::string env = alice.Register();
  bj::object o = bj::parse(env).as_object();
  std::string sig(o["signatures"].as_array()[0].as_object()["sig"].as_string());
  sig[5] = sig[5] == 'A' ? 'B' : 'A';
  o["signatures"].as_array()[0].as_object()["sig"] = sig;
  Response r = Call("POST", "/v1/statements", bj::serialize(o));
  EXPECT_EQ(r.status, 401) << r.body;
  // Work by an artist nobody registered: 409 (unknown artist).
  TestArtist bob = TestArtist::FromSeedByte(2, "Bob");
  WorkSpec spec;
  spec.values = RandomFingerprint(5, 400);
  r = Call("POST", "/v1/statements", bob.RegisterWork(spec));
  EXPECT_EQ(r.status, 409) << r.body;
}

// RFC 9457 extension members: "code" names the Status code (telling apart the
// two kinds of 409) and "field" the offending field's path, so a client never
// has to read "detail" to decide what to do.
TEST_F(ApiTest, ProblemsNameTheCodeAndTheOffendingField) {
  TestArtist alice = TestArtist::FromSeedByte(1, "Alice");
  Submit(alice.Register());
  WorkSpec spec;
  spec.values = RandomFingerprint(5, 400);
  spec.isrc = "XX";
  Response r = Call("POST", "/v1/statements", alice.RegisterWork(spec));
  ASSERT_EQ(r.status, 400) << r.body;
  bj::object p = Json(r);
  EXPECT_EQ(p["code"].as_string(), "invalid_argument");
  EXPECT_EQ(p["field"].as_string(), "isrc");
  EXPECT_EQ(p["title"].as_string(), "invalid argument");

  spec.isrc.reset();
  spec.credits_json = R"([{"name":"A","role":"x"},{"name":"B","role":"y"},{"name":"C","role":7}])";
  p = Json(Call("POST", "/v1/statements", alice.RegisterWork(spec)));
  EXPECT_EQ(p["field"].as_string(), "credits[2].role");

  // A stale seq and a second registration are both 409, told apart by code.
  alice.set_last_seq(0);
  r = Call("POST", "/v1/statements", alice.SetDefaultTerms("{}"));
  ASSERT_EQ(r.status, 409) << r.body;
  p = Json(r);
  EXPECT_EQ(p["code"].as_string(), "failed_precondition");
  EXPECT_EQ(p["field"].as_string(), "seq");
  r = Call("POST", "/v1/statements", alice.Register());
  ASSERT_EQ(r.status, 409) << r.body;
  p = Json(r);
  EXPECT_EQ(p["code"].as_string(), "already_exists");
  EXPECT_FALSE(p.contains("field"));

  // Transport-level answers have neither.
  p = Json(Call("GET", "/v1/nothing"));
  EXPECT_FALSE(p.contains("code"));
  EXPECT_FALSE(p.contains("field"));
}

TEST_F(ApiTest, WorksTermsHistoryAndPagination) {
  TestArtist alice = TestArtist::FromSeedByte(1, "Alice");
  Submit(alice.Register());
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.insert(RegisterWork(alice, 100 + i, "Song " + std::to_string(i)));
  ASSERT_EQ(ids.size(), 3u);
  std::string work = *ids.begin();

  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    Response r = Call("GET", "/v1/artists/" + alice.id() + "/works?limit=2" +
                                 (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    bj::object page = Json(r);
    for (const auto& w : page["items"].as_array())
      seen.insert(std::string(w.as_object().at("id").as_string()));
    cursor = page["next_cursor"].is_null() ? "" : std::string(page["next_cursor"].as_string());
    ++pages;
  } while (!cursor.empty() && pages < 5);
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(Call("GET", "/v1/artists/" + alice.id() + "/works?limit=0").status, 400);
  EXPECT_EQ(Call("GET", "/v1/artists/" + alice.id() + "/works?limit=x").status, 400);

  Submit(alice.SetWorkTerms(work, R"({"ai_generative_training":{"use":"notAllowed"}})"));
  Response terms = Call("GET", "/v1/works/" + work + "/terms");
  ASSERT_EQ(terms.status, 200) << terms.body;
  EXPECT_EQ(
      Json(terms)["effective"].as_object()["ai_generative_training"].as_object()["use"].as_string(),
      "notAllowed");
  // Before the terms were accepted nothing was set.
  Response before = Call("GET", "/v1/works/" + work + "/terms?at=2020-01-01T00:00:00Z");
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(Json(before)["effective"]
                .as_object()["ai_generative_training"]
                .as_object()["use"]
                .as_string(),
            "unset");
  EXPECT_EQ(Call("GET", "/v1/works/" + work + "/terms?at=yesterday").status, 400);

  Response aipref = Call("GET", "/v1/works/" + work + "/terms/export?format=aipref");
  EXPECT_EQ(aipref.status, 200);
  EXPECT_EQ(aipref.body, "train-ai=n");
  // TDMRep: the rule is for the artist's own server, so it names their path;
  // its tdm-policy is this registry's TDM Policy document for the work.
  EXPECT_EQ(Call("GET", "/v1/works/" + work + "/terms/export?format=tdmrep").status, 400);
  EXPECT_EQ(Call("GET", "/v1/works/" + work + "/terms/export?format=tdmrep&location=music").status,
            400);
  Response tdm =
      Call("GET", "/v1/works/" + work + "/terms/export?format=tdmrep&location=/music/song.flac");
  ASSERT_EQ(tdm.status, 200) << tdm.body;
  const std::string policy_url =
      "http://registry.test/v1/works/" + work + "/terms/export?format=tdm-policy";
  EXPECT_EQ(tdm.body, R"([{"location":"/music/song.flac","tdm-reservation":1,"tdm-policy":")" +
                          policy_url + R"("}])");
  Response policy = Call("GET", "/v1/works/" + work + "/terms/export?format=tdm-policy");
  ASSERT_EQ(policy.status, 200) << policy.body;
  EXPECT_EQ(policy.headers.Get("Content-Type").value_or(""), "application/ld+json");
  bj::object doc = Json(policy);
  EXPECT_EQ(doc["uid"].as_string(), policy_url);
  EXPECT_EQ(doc["assigner"].as_object()["uid"].as_string(),
            "http://registry.test/v1/artists/" + alice.id());
  EXPECT_EQ(doc["assigner"].as_object()["vcard:fn"].as_string(), "Alice");
  // Only generative training is reserved: the offer frees the rest of mining.
  EXPECT_EQ(bj::serialize(doc["permission"]),
            R"([{"target":"http://registry.test/v1/works/)" + work +
                R"(","action":"tdm:mine","constraint":[{"leftOperand":"purpose",)"
                R"("operator":"isNoneOf","rightOperand":["cawg.ai_generative_training"]}]}])");
  EXPECT_EQ(Call("GET", "/v1/works/" + work + "/terms/export?format=pdf").status, 400);
  EXPECT_EQ(Call("GET", "/v1/works/" + work + "/terms/export").status, 400);

  Response history = Call("GET", "/v1/works/" + work + "/history");
  ASSERT_EQ(history.status, 200);
  EXPECT_EQ(Json(history)["items"].as_array().size(), 2u);

  EXPECT_EQ(Call("GET", "/v1/works/wk_00000000000000000000000000000000").status, 404);
  EXPECT_EQ(Call("GET", "/v1/works/nope").status, 400);
  EXPECT_EQ(Call("GET", "/v1/artists/nope").status, 400);
}

TEST_F(ApiTest, WorksAndArtistsAreSearchedByWordsAndIdentifiersAPageAtATime) {
  TestArtist alice = TestArtist::FromSeedByte(1, "Alice Cooper-Smith");
  Submit(alice.Register());
  for (int i = 0; i < 3; ++i) RegisterWork(alice, 300 + i, "Night Song " + std::to_string(i));
  RegisterWork(alice, 310, "Morning");
  Response r = Call("GET", "/v1/works?q=nig%20SONG&limit=2");
  ASSERT_EQ(r.status, 200) << r.body;
  bj::object page = Json(r);
  ASSERT_EQ(page["items"].as_array().size(), 2u);
  ASSERT_TRUE(page["next_cursor"].is_string());
  r = Call("GET",
           "/v1/works?q=nig+song&limit=2&cursor=" + std::string(page["next_cursor"].as_string()));
  ASSERT_EQ(r.status, 200) << r.body;
  page = Json(r);
  ASSERT_EQ(page["items"].as_array().size(), 1u);
  EXPECT_TRUE(page["next_cursor"].is_null());
  EXPECT_EQ(Json(Call("GET", "/v1/works?artist=" + alice.id()))["items"].as_array().size(), 4u);
  EXPECT_EQ(Json(Call("GET", "/v1/works?artist=cooper&q=morn"))["items"].as_array().size(), 1u);
  // Identifiers are read in their written forms and checked.
  EXPECT_EQ(Json(Call("GET", "/v1/works?isrc=GB-AYE-06-01498"))["items"].as_array().size(), 0u);
  r = Call("GET", "/v1/works?isrc=GB-AYE");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Detail(r).find("parameter \"isrc\""), std::string::npos) << Detail(r);
  r = Call("GET", "/v1/works?iswc=T-034.524.680-2");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Detail(r).find("parameter \"iswc\""), std::string::npos) << Detail(r);
  r = Call("GET", "/v1/works");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Detail(r).find("title words"), std::string::npos) << Detail(r);
  EXPECT_EQ(Call("GET", "/v1/works?q=x&limit=0").status, 400);

  r = Call("GET", "/v1/artists?q=smith");
  ASSERT_EQ(r.status, 200) << r.body;
  page = Json(r);
  ASSERT_EQ(page["items"].as_array().size(), 1u);
  EXPECT_EQ(page["items"].as_array()[0].as_object().at("id").as_string(), alice.id());
  EXPECT_EQ(Call("GET", "/v1/artists").status, 400);
}

TEST_F(ApiTest, MatchAcceptsStringsAndArraysAndRefusesJunk) {
  TestArtist alice = TestArtist::FromSeedByte(1, "Alice");
  Submit(alice.Register());
  std::string work = RegisterWork(alice, 42, "Findable");
  auto values = RandomFingerprint(42, 400);
  std::vector<std::uint32_t> excerpt(values.begin() + 100, values.begin() + 200);

  bj::array raw;
  for (auto v : excerpt) raw.emplace_back(v);
  for (const std::string& body :
       {bj::serialize(bj::object{{"fingerprint", raw}}),
        bj::serialize(bj::object{{"fingerprint", CompressFingerprint(excerpt)}})}) {
    Response r = Call("POST", "/v1/match", body);
    ASSERT_EQ(r.status, 200) << r.body;
    auto matches = Json(r)["matches"].as_array();
    ASSERT_EQ(matches.size(), 1u) << r.body;
    EXPECT_EQ(matches[0].as_object().at("work").as_object().at("id").as_string(), work);
    EXPECT_FALSE(matches[0].as_object().at("segments").as_array().empty());
  }
  // Unrelated: no match.
  bj::array other;
  for (auto v : RandomFingerprint(999, 100)) other.emplace_back(v);
  Response none = Call("POST", "/v1/match", bj::serialize(bj::object{{"fingerprint", other}}));
  ASSERT_EQ(none.status, 200);
  EXPECT_TRUE(Json(none)["matches"].as_array().empty());

  EXPECT_EQ(Call("POST", "/v1/match", "{\"fingerprint\": \"AQAA!!\"}").status, 400);
  EXPECT_EQ(Call("POST", "/v1/match", "{\"fingerprint\": 12}").status, 400);
  EXPECT_EQ(Call("POST", "/v1/match", "{\"fingerprint\": [1, -5000000000]}").status, 400);
  EXPECT_EQ(Call("POST", "/v1/match", "{\"fp\": []}").status, 400);
  EXPECT_EQ(Call("POST", "/v1/match", "{").status, 400);
  EXPECT_EQ(Call("POST", "/v1/match", "hello", "text/plain").status, 415);
  Response not_audio = Call("POST", "/v1/match", std::string(5000, 'z'), "audio/ogg");
  EXPECT_EQ(not_audio.status, 400);
  EXPECT_NE(Detail(not_audio).find("not an audio file"), std::string::npos) << not_audio.body;
}

TEST_F(ApiTest, CheckStreamsVerdictsAndASignedReceipt) {
  TestArtist alice = TestArtist::FromSeedByte(1, "Alice");
  Submit(alice.Register());
  std::string banned = RegisterWork(alice, 1, "Banned");
  std::string open = RegisterWork(alice, 2, "Open");
  Submit(alice.SetWorkTerms(banned, R"({"ai_training":{"use":"notAllowed"}})"));
  Submit(alice.SetWorkTerms(open, R"({"ai_training":{"use":"allowed"}})"));
  auto fp = [](std::uint64_t seed) {
    auto v = RandomFingerprint(seed, 400);
    return CompressFingerprint(std::vector<std::uint32_t>(v.begin() + 50, v.begin() + 200));
  };
  std::string body = "{\"purpose\":\"ai_training\",\"receipt\":true}\n";
  body += "{\"id\":\"a\",\"fingerprint\":\"" + fp(1) + "\"}\n";
  body += "{\"id\":\"b\",\"fingerprint\":\"" + fp(2) + "\"}\n";
  body += "\n";
  body += "{\"id\":\"c\",\"fingerprint\":\"" + fp(3) + "\"}\n";
  body += "{\"id\":\"d\",\"fingerprint\":\"garbage\"}\n";
  body += "not json\n";
  body += "{\"id\":\"e\",\"sha256\":\"" + std::string(64, 'a') + "\"}";  // no final newline
  // Deliver in small pieces that split lines anywhere.
  std::vector<std::string> pieces;
  for (std::size_t i = 0; i < body.size(); i += 7) pieces.push_back(body.substr(i, 7));
  auto [out, res] = Check("/v1/check", pieces);
  ASSERT_EQ(out.status, 200) << res.body;
  EXPECT_EQ(out.headers.Get("Content-Type").value_or(""), "application/x-ndjson");
  auto lines = Lines(out.body);
  ASSERT_EQ(lines.size(), 7u) << out.body;
  EXPECT_EQ(lines[0]["id"].as_string(), "a");
  EXPECT_EQ(lines[0]["verdict"].as_string(), "notAllowed");
  EXPECT_EQ(lines[0]["works"].as_array()[0].as_object().at("work_id").as_string(), banned);
  EXPECT_EQ(lines[1]["verdict"].as_string(), "allowed");
  EXPECT_EQ(lines[2]["verdict"].as_string(), "unregistered");
  EXPECT_TRUE(lines[3].contains("error"));
  EXPECT_EQ(lines[3]["id"].as_string(), "d");
  EXPECT_TRUE(lines[4].contains("error"));
  EXPECT_EQ(lines[5]["verdict"].as_string(), "unregistered");
  bj::object summary = lines[6]["summary"].as_object();
  EXPECT_EQ(summary["items"].to_number<std::uint64_t>(), 6u);
  EXPECT_EQ(summary["errors"].to_number<std::uint64_t>(), 2u);

  // The receipt: a signed note over the answer lines, verifiable with the log key.
  std::string answer = out.body.substr(0, out.body.rfind('\n', out.body.size() - 2) + 1);
  bj::object receipt = lines[6]["receipt"].as_object();
  auto digest = crypto::Sha256(answer);
  EXPECT_EQ(receipt["answer_sha256"].as_string(), crypto::Base64Encode(crypto::ByteView(digest)));
  auto text = crypto::note::Open(receipt["note"].as_string(), signer_->verifier());
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(
      text->rfind("signet check receipt v1\ntest.signet/log\npurpose ai_training\nitems 6\n", 0),
      0u)
      << *text;
}

TEST_F(ApiTest, CheckRefusesBadOptionsBeforeStreaming) {
  auto [out1, res1] =
      Check("/v1/check", {"{\"id\":\"x\",\"sha256\":\"" + std::string(64, 'b') + "\"}\n"});
  EXPECT_FALSE(out1.begun());
  EXPECT_EQ(res1.status, 400);
  EXPECT_NE(res1.body.find("purpose"), std::string::npos);
  auto [out2, res2] = Check("/v1/check?purpose=cooking", {});
  EXPECT_EQ(res2.status, 400);
  auto [out3, res3] = Check("/v1/check", {"{\"purpose\":\"search\",\"colour\":1}\n"});
  EXPECT_EQ(res3.status, 400);
  // An over-long line is one error line, then the stream goes on.
  ApiOptions small;
  small.max_check_line_bytes = 1024;
  api_ = std::make_unique<Api>(*registry_, signer_.get(), small);
  auto [out4, res4] =
      Check("/v1/check?purpose=search", {std::string(5000, 'x'), std::string(5000, 'x') + "\n",
                                         "{\"sha256\":\"" + std::string(64, 'c') + "\"}\n"});
  ASSERT_EQ(out4.status, 200);
  auto lines = Lines(out4.body);
  ASSERT_EQ(lines.size(), 3u) << out4.body;
  EXPECT_TRUE(lines[0].contains("error"));
  EXPECT_EQ(lines[1]["verdict"].as_string(), "unregistered");
}

TEST_F(ApiTest, LogRoutesServeEntriesAndProofs) {
  TestArtist alice = TestArtist::FromSeedByte(1, "Alice");
  std::string first = alice.Register();
  Submit(first);
  RegisterWork(alice, 7, "One");
  RegisterWork(alice, 8, "Two");
  Response entry = Call("GET", "/v1/log/entries/0");
  EXPECT_EQ(entry.status, 200);
  EXPECT_EQ(entry.body, first);  // verbatim
  EXPECT_EQ(Call("GET", "/v1/log/entries/3").status, 404);
  EXPECT_EQ(Call("GET", "/v1/log/entries/-1").status, 400);
  Response inc = Call("GET", "/v1/log/proof/inclusion?index=0&size=3");
  ASSERT_EQ(inc.status, 200) << inc.body;
  EXPECT_EQ(Json(inc)["inclusion_proof"].as_array().size(), 2u);
  EXPECT_EQ(Call("GET", "/v1/log/proof/inclusion?index=3&size=3").status, 400);
  EXPECT_EQ(Call("GET", "/v1/log/proof/inclusion?index=0").status, 400);
  Response cons = Call("GET", "/v1/log/proof/consistency?old=1&new=3");
  ASSERT_EQ(cons.status, 200) << cons.body;
  EXPECT_TRUE(crypto::ParseConsistencyProofJson(cons.body).ok());
  EXPECT_EQ(Call("GET", "/v1/log/proof/consistency?old=3&new=1").status, 400);
  Response cp = Call("GET", "/v1/log/checkpoint");
  EXPECT_EQ(cp.status, 200);
  EXPECT_NE(cp.body.find("test.signet/log\n3\n"), std::string::npos) << cp.body;
}

TEST_F(ApiTest, TilesAndBundlesAreTheStoredLogRoutedThroughTheRestOfThePath) {
  TestArtist alice = TestArtist::FromSeedByte(1, "Alice");
  const std::string first = alice.Register();
  Submit(first);
  RegisterWork(alice, 7, "One");
  EXPECT_EQ(api_->Classify("GET", "/v1/log/tile/0/000.p/2").route, "/v1/log/tile/{path...}");
  EXPECT_EQ(api_->Classify("GET", "/v1/log/tile/0/x001/x234/067").route, "/v1/log/tile/{path...}");
  Response tile = Call("GET", "/v1/log/tile/0/000.p/2");
  ASSERT_EQ(tile.status, 200) << tile.body;
  const crypto::Digest leaf0 = crypto::merkle::LeafHash(first);
  EXPECT_EQ(tile.body.substr(0, 32), std::string(reinterpret_cast<const char*>(leaf0.data()), 32));
  EXPECT_EQ(tile.headers.Get("Cache-Control").value_or(""), "public, max-age=31536000, immutable");
  Response bundle = Call("GET", "/v1/log/tile/entries/000.p/2");
  ASSERT_EQ(bundle.status, 200);
  auto entries = crypto::tiles::ParseBundle(bundle.body, 2);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  EXPECT_EQ((*entries)[0], first);
  EXPECT_EQ(Call("GET", "/v1/log/tile/0/000.p/3").status, 404);
  EXPECT_EQ(Call("GET", "/v1/log/tile/0/000").status, 404);
  EXPECT_EQ(Call("GET", "/v1/log/tile").status, 404) << "the rest segment needs one segment";
  EXPECT_EQ(Call("POST", "/v1/log/tile/0/000.p/2").status, 405);
  EXPECT_NE(Detail(Call("GET", "/v1/log/tile/0/000.p/02")).find("malformed tile path"),
            std::string::npos);
  EXPECT_EQ(Call("GET", "/v1/log/checkpoint").headers.Get("Cache-Control").value_or(""),
            "no-store");
}

TEST_F(ApiTest, WithWitnessesTheCheckpointServedIsTheWitnessedOne) {
  ApiOptions o;
  o.witnessed_checkpoint = true;
  Api witnessed(*registry_, signer_.get(), o);
  auto call = [&](std::string target) {
    Request r;
    r.method = "GET";
    r.target = std::move(target);
    return witnessed.Handle(r);
  };
  TestArtist alice = TestArtist::FromSeedByte(1, "Alice");
  Submit(alice.Register());
  Response none = call("/v1/log/checkpoint");
  EXPECT_EQ(none.status, 503);
  EXPECT_EQ(none.headers.Get("Retry-After").value_or(""), "5");
  EXPECT_EQ(call("/v1/log/receipt?index=0").status, 404);
  const std::string at1 = registry_->Checkpoint();
  ASSERT_TRUE(registry_->PublishWitnessedCheckpoint(at1).ok());
  RegisterWork(alice, 7, "One");
  EXPECT_EQ(call("/v1/log/checkpoint").body, at1) << "the newer one is not witnessed yet";
  EXPECT_EQ(Call("GET", "/v1/log/checkpoint").body, registry_->Checkpoint());
  Response receipt = call("/v1/log/receipt?index=0");
  ASSERT_EQ(receipt.status, 200) << receipt.body;
  auto parsed = crypto::ParseReceiptJson(receipt.body);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->checkpoint, at1);
  EXPECT_TRUE(crypto::VerifyReceipt(*parsed, std::nullopt, registry_->VerifierKey()).ok());
  EXPECT_EQ(call("/v1/log/receipt?index=1").status, 404);
  EXPECT_EQ(call("/v1/log/receipt").status, 400);
}

TEST_F(ApiTest, AcoustIdLookupSpeaksAcoustIdsDialect) {
  TestArtist alice = TestArtist::FromSeedByte(1, "Alice");
  Submit(alice.Register());
  std::string work = RegisterWork(alice, 11, "Track");
  auto v = RandomFingerprint(11, 400);
  std::string fp = CompressFingerprint(v);
  Response r =
      Call("GET", "/v2/lookup?format=json&duration=50&meta=recordings+compress&fingerprint=" + fp);
  ASSERT_EQ(r.status, 200) << r.body;
  bj::object o = Json(r);
  EXPECT_EQ(o["status"].as_string(), "ok");
  auto results = o["results"].as_array();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].as_object().at("id").as_string(), work);
  // 1 / (1 + E): every match kept has E <= 1e-3.
  double score = results[0].as_object().at("score").as_double();
  EXPECT_GE(score, 1.0 / (1.0 + 1e-3));
  EXPECT_LE(score, 1.0);
  // No MusicBrainz recording id attached: no "recordings" member, as AcoustID
  // answers a track nobody linked (never the work id where an MBID belongs).
  EXPECT_FALSE(results[0].as_object().contains("recordings")) << r.body;
  EXPECT_EQ(results[0].as_object().at("work_id").as_string(), work);

  // With MBIDs: one recording per MBID, with the work's metadata.
  const std::string mbid_a = "b9ad642e-b012-41c7-b72a-42cf4911f9ff";
  const std::string mbid_b = "0d1e4b3c-2f5a-4c6d-8e9f-0a1b2c3d4e5f";
  WorkSpec spec;
  spec.title = "Track";
  spec.values = v;
  spec.musicbrainz_recording_ids_json = "[\"" + mbid_a + "\",\"" + mbid_b + "\"]";
  Submit(alice.RegisterWork(spec));
  o = Json(
      Call("GET", "/v2/lookup?format=json&duration=50&meta=recordings+compress&fingerprint=" + fp));
  results = o["results"].as_array();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].as_object().at("id").as_string(), work);
  auto recs = results[0].as_object().at("recordings").as_array();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].as_object().at("id").as_string(), mbid_a);
  EXPECT_EQ(recs[1].as_object().at("id").as_string(), mbid_b);
  auto rec = recs[0].as_object();
  EXPECT_EQ(rec.at("title").as_string(), "Track");
  EXPECT_EQ(rec.at("artists").as_array()[0].as_object().at("name").as_string(), "Alice");
  // meta=recordingids: the ids alone.
  o = Json(Call("GET", "/v2/lookup?duration=50&meta=recordingids&fingerprint=" + fp));
  rec = o["results"].as_array()[0].as_object().at("recordings").as_array()[0].as_object();
  EXPECT_EQ(rec.size(), 1u);
  EXPECT_EQ(rec.at("id").as_string(), mbid_a);
  // The work record shows them; a re-registration without the field keeps them.
  spec.musicbrainz_recording_ids_json.reset();
  Submit(alice.RegisterWork(spec));
  auto w = Json(Call("GET", "/v1/works/" + work));
  ASSERT_EQ(w["musicbrainz_recording_ids"].as_array().size(), 2u) << bj::serialize(w);
  EXPECT_EQ(w["musicbrainz_recording_ids"].as_array()[1].as_string(), mbid_b);

  Response missing = Call("GET", "/v2/lookup?duration=10");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(Json(missing)["status"].as_string(), "error");
  EXPECT_EQ(Json(missing)["error"].as_object()["code"].as_int64(), 2);
  EXPECT_EQ(Json(Call("GET", "/v2/lookup?duration=10&fingerprint=%21%21"))
                .at("error")
                .as_object()
                .at("code")
                .as_int64(),
            3);
  EXPECT_EQ(Json(Call("GET", "/v2/lookup?duration=x&fingerprint=" + fp))
                .at("error")
                .as_object()
                .at("code")
                .as_int64(),
            8);
  EXPECT_EQ(Call("GET", "/v2/lookup?format=xml&duration=10&fingerprint=" + fp).status, 400);
  // Form POST, as AcoustID clients send it.
  Response post = Call("POST", "/v2/lookup", "format=json&duration=50&fingerprint=" + fp,
                       "application/x-www-form-urlencoded");
  ASSERT_EQ(post.status, 200) << post.body;
  EXPECT_EQ(Json(post)["results"].as_array().size(), 1u);
  Request gz;
  gz.method = "POST";
  gz.target = "/v2/lookup";
  gz.headers.Set("Content-Encoding", "gzip");
  gz.body = "definitely not gzip";
  EXPECT_EQ(api_->Handle(gz).status, 400);
}

TEST_F(ApiTest, HealthMetricsAndOpenApi) {
  Response h = Call("GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(Json(h)["status"].as_string(), "ok");
  api_->Observe({"GET", "/healthz", 200, 0.002, ""});
  api_->Observe({"", "", 429, 0.001, "connections_per_client"});
  Response m = Call("GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(
      m.body.find("signet_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
      std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("signet_http_request_duration_seconds_bucket{method=\"GET\",route=\"/"
                        "healthz\",le=\"0.0025\"} 1"),
            std::string::npos);
  EXPECT_NE(m.body.find("signet_log_size 0"), std::string::npos);
  // A refusal at accept counts as a refusal, not as a request of some route.
  EXPECT_NE(m.body.find("signet_http_refusals_total{reason=\"connections_per_client\"} 1"),
            std::string::npos)
      << m.body;
  EXPECT_EQ(m.body.find("method=\"\""), std::string::npos);

  // Every route the router serves is in the document, with its method.
  Response doc = Call("GET", "/openapi.json");
  ASSERT_EQ(doc.status, 200);
  // Served byte for byte as written (it is embedded in pieces: api/CMakeLists.txt).
  std::ifstream source(SIGNET_SOURCE_DIR "/api/openapi.json", std::ios::binary);
  ASSERT_TRUE(source) << "cannot read api/openapi.json";
  std::string written((std::istreambuf_iterator<char>(source)), std::istreambuf_iterator<char>());
  EXPECT_EQ(doc.body, written);
  bj::object o = Json(doc);
  EXPECT_EQ(o["openapi"].as_string(), "3.1.0");
  const bj::object& paths = o["paths"].as_object();
  std::size_t documented = 0;
  for (const auto& [p, ops] : paths) documented += ops.as_object().size();
  auto routes = api_->Routes();
  EXPECT_EQ(documented, routes.size());
  for (auto [method, tmpl] : routes) {
    // OpenAPI has no multi-segment parameter: "{path...}" is documented as "{path}".
    if (const auto rest = tmpl.find("...}"); rest != std::string::npos) tmpl.erase(rest, 3);
    std::string lower = method;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_TRUE(paths.contains(tmpl)) << tmpl;
    EXPECT_TRUE(paths.at(tmpl).as_object().contains(lower)) << method << " " << tmpl;
  }
  // What `@redocly/cli lint` requires (rules operation-operationId,
  // operation-operationId-unique, security-defined, no-empty-servers): a
  // unique operationId and a declared security on every operation (writes are
  // authorised by the signature in the body, so no HTTP scheme: []).
  std::set<std::string> operation_ids;
  for (const auto& [p, ops] : paths) {
    for (const auto& [method, op] : ops.as_object()) {
      const bj::object& operation = op.as_object();
      ASSERT_TRUE(operation.contains("operationId")) << method << " " << p;
      EXPECT_TRUE(operation_ids.insert(std::string(operation.at("operationId").as_string())).second)
          << operation.at("operationId");
      ASSERT_TRUE(operation.contains("security")) << method << " " << p;
      EXPECT_TRUE(operation.at("security").as_array().empty()) << method << " " << p;
    }
  }
  EXPECT_FALSE(o["servers"].as_array().empty());
  EXPECT_NE(o["info"].as_object()["description"].as_string().find("signature"), std::string::npos);
}

}  // namespace
}  // namespace signet::api

// End-to-end: the real signetd binary on 127.0.0.1 with a temp data dir,
// driven over HTTP with real signed statements and real corpus recordings.
// Every answer is also checked against /openapi.json: its status and content
// type must be declared for the route.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "crypto/note.h"
#include "crypto/receipt.h"
#include "fingerprint/codec.h"
#include "fingerprint/extract.h"
#include "registry/testing/statements.h"
#include "tests/e2e/signetd_process.h"
#include "tests/server/test_client.h"

namespace signet {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using registry::testing::TestArtist;
using registry::testing::WorkSpec;
using testing::BuildRequest;
using testing::HttpReply;
using testing::SignetdProcess;
using testing::TestConnection;

const fs::path kMusic = "/usr/share/games/wesnoth/1.16/data/core/music";
const fs::path kSignetd = fs::path(SIGNET_BINARY_DIR) / "server" / "signetd";

fs::path TempDir(const std::string& name) {
  fs::path p =
      fs::temp_directory_path() / ("signet_e2e_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  return p;
}

// A made-up MusicBrainz recording id (the lookup never leaves the machine).
constexpr std::string_view kKnollsMbid = "5c0b7a52-9d1e-4f3a-8b6c-2d4e6f8a0b1c";

struct CorpusWork {
  std::string file;
  fp::FingerprintResult fp;
  std::string id;
};

class E2ETest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new fs::path(TempDir("suite"));
    server_ = new SignetdProcess(
        kSignetd, *data_,
        {"SIGNET_MAX_AUDIO_BYTES=16777216", "SIGNET_IO_THREADS=2", "SIGNET_WORKER_THREADS=2"});
    ASSERT_TRUE(server_->Start()) << server_->StderrText();
    HttpReply doc = Get("/openapi.json");
    ASSERT_EQ(doc.status, 200);
    openapi_ = new bj::object(bj::parse(doc.body).as_object());

    artist_ = new TestArtist(TestArtist::FromSeedByte(9, "Wesnoth Composer"));
    ASSERT_EQ(Post("/v1/statements", artist_->Register()).status, 201);
    works_ = new std::vector<CorpusWork>();
    for (const char* f : {"battle.ogg", "elf-land.ogg", "knolls.ogg", "loyalists.ogg"}) {
      auto fpr = fp::FingerprintFile((kMusic / f).string());
      ASSERT_TRUE(fpr.ok()) << fpr.status().ToString();
      WorkSpec spec;
      spec.title = f;
      spec.values = fpr->fingerprint.values;
      spec.duration = fpr->duration_seconds;
      // knolls.ogg carries a MusicBrainz recording id: what AcoustID clients read.
      if (std::string_view(f) == "knolls.ogg") {
        spec.musicbrainz_recording_ids_json = "[\"" + std::string(kKnollsMbid) + "\"]";
      }
      HttpReply r = Post("/v1/statements", artist_->RegisterWork(spec));
      ASSERT_EQ(r.status, 201) << r.body;
      works_->push_back({f, *fpr, std::string(bj::parse(r.body).at("work_id").as_string())});
    }
  }
  static void TearDownTestSuite() {
    if (server_) {
      EXPECT_EQ(server_->Stop(), 0);
    }
    delete server_;
    delete openapi_;
    delete artist_;
    delete works_;
    if (data_) fs::remove_all(*data_);
    if (data_) fs::remove(data_->string() + ".stderr");
    delete data_;
  }

  static HttpReply Get(const std::string& target) {
    return testing::Fetch(server_->port(), "GET", target);
  }
  static HttpReply Post(const std::string& target, const std::string& body,
                        const std::string& type = "application/json") {
    return testing::Fetch(server_->port(), "POST", target, body, {{"Content-Type", type}});
  }

  // The answer's status and content type are declared for (method, template).
  static void ExpectDeclared(const HttpReply& r, const std::string& method,
                             const std::string& tmpl) {
    ASSERT_NE(r.status, 0) << method << " " << tmpl << ": no answer";
    const bj::object& paths = openapi_->at("paths").as_object();
    ASSERT_TRUE(paths.contains(tmpl)) << tmpl;
    const bj::object& ops = paths.at(tmpl).as_object();
    // A wrong method has no operation of its own: any operation of the path
    // must declare the 405.
    const bj::object* op = ops.if_contains(method)           ? &ops.at(method).as_object()
                           : r.status == 405 && !ops.empty() ? &ops.begin()->value().as_object()
                                                             : nullptr;
    ASSERT_TRUE(op) << method << " " << tmpl;
    const bj::object& responses = op->at("responses").as_object();
    std::string status = std::to_string(r.status);
    ASSERT_TRUE(responses.contains(status))
        << method << " " << tmpl << " answered undeclared " << status << ": " << r.body;
    if (r.body.empty()) return;
    const bj::value* content = responses.at(status).as_object().if_contains("content");
    ASSERT_TRUE(content) << method << " " << tmpl << " " << status << " declares no content";
    EXPECT_TRUE(content->as_object().contains(r.ContentType()))
        << method << " " << tmpl << " " << status << " answered undeclared " << r.ContentType();
  }
  // A problem document with a detail, declared, and the server still up.
  static void ExpectProblem(const HttpReply& r, int status, const std::string& method,
                            const std::string& tmpl) {
    EXPECT_EQ(r.status, status) << method << " " << tmpl << ": " << r.body;
    ExpectDeclared(r, method, tmpl);
    if (r.ContentType() == "application/problem+json") {
      auto detail = bj::parse(r.body).at("detail").as_string();
      EXPECT_GT(detail.size(), 10u) << r.body;
    }
    EXPECT_EQ(Get("/healthz").status, 200);
  }

  static fs::path* data_;
  static SignetdProcess* server_;
  static bj::object* openapi_;
  static TestArtist* artist_;
  static std::vector<CorpusWork>* works_;
};

fs::path* E2ETest::data_ = nullptr;
SignetdProcess* E2ETest::server_ = nullptr;
bj::object* E2ETest::openapi_ = nullptr;
TestArtist* E2ETest::artist_ = nullptr;
std::vector<CorpusWork>* E2ETest::works_ = nullptr;

TEST_F(E2ETest, EveryRouteAnswersAsDocumented) {
  const std::string work = (*works_)[0].id;
  struct Case {
    std::string tmpl, target;
  };
  for (const Case& c : std::vector<Case>{
           {"/healthz", "/healthz"},
           {"/metrics", "/metrics"},
           {"/openapi.json", "/openapi.json"},
           {"/v1/artists/{id}", "/v1/artists/" + artist_->id()},
           {"/v1/artists/{id}/works", "/v1/artists/" + artist_->id() + "/works?limit=2"},
           {"/v1/works/{id}", "/v1/works/" + work},
           {"/v1/works/{id}/terms", "/v1/works/" + work + "/terms"},
           {"/v1/works/{id}/terms/export", "/v1/works/" + work + "/terms/export?format=cawg"},
           {"/v1/works/{id}/terms/export", "/v1/works/" + work + "/terms/export?format=plus"},
           {"/v1/works/{id}/history", "/v1/works/" + work + "/history"},
           {"/v1/disputes", "/v1/disputes?state=open"},
           {"/v1/log/checkpoint", "/v1/log/checkpoint"},
           {"/v1/log/key", "/v1/log/key"},
           {"/v1/log/entries/{index}", "/v1/log/entries/1"},
           {"/v1/log/proof/inclusion", "/v1/log/proof/inclusion?index=1&size=3"},
           {"/v1/log/proof/consistency", "/v1/log/proof/consistency?old=2&new=4"},
           {"/v2/lookup", "/v2/lookup?duration=100&fingerprint=" +
                              fp::EncodeFingerprint((*works_)[1].fp.fingerprint)},
       }) {
    HttpReply r = Get(c.target);
    EXPECT_EQ(r.status, 200) << c.target << ": " << r.body;
    ExpectDeclared(r, "get", c.tmpl);
  }
  HttpReply works = Get("/v1/artists/" + artist_->id() + "/works?limit=2");
  EXPECT_FALSE(bj::parse(works.body).at("next_cursor").is_null());

  // A write: terms, answered 201 with the work and a receipt.
  HttpReply terms =
      Post("/v1/statements",
           artist_->SetWorkTerms(work, R"({"ai_generative_training":{"use":"notAllowed"}})"));
  ASSERT_EQ(terms.status, 201) << terms.body;
  ExpectDeclared(terms, "post", "/v1/statements");
  bj::object acc = bj::parse(terms.body).as_object();
  EXPECT_EQ(acc["work"].at("id").as_string(), work);
  EXPECT_TRUE(acc.contains("receipt"));
  HttpReply aipref = Get("/v1/works/" + work + "/terms/export?format=aipref");
  EXPECT_EQ(aipref.body, "train-ai=n");
  // The TDMRep rule points at this signetd's TDM Policy for the work, which
  // is served at that URL.
  HttpReply rule = Get("/v1/works/" + work + "/terms/export?format=tdmrep&location=/m/a.flac");
  ASSERT_EQ(rule.status, 200) << rule.body;
  ExpectDeclared(rule, "get", "/v1/works/{id}/terms/export");
  std::string policy_url(bj::parse(rule.body).at(0).at("tdm-policy").as_string());
  const std::string origin = "http://127.0.0.1";  // the Host the test client sends
  ASSERT_TRUE(policy_url.starts_with(origin)) << policy_url << " vs " << origin;
  HttpReply policy = Get(policy_url.substr(origin.size()));
  ASSERT_EQ(policy.status, 200) << policy.body;
  ExpectDeclared(policy, "get", "/v1/works/{id}/terms/export");
  EXPECT_EQ(bj::parse(policy.body).at("uid").as_string(), policy_url);
  // Someone else registers the same recording: both kept, the pair disputed.
  const CorpusWork& contested = (*works_)[3];
  TestArtist copycat = TestArtist::FromSeedByte(10, "Copycat");
  ASSERT_EQ(Post("/v1/statements", copycat.Register()).status, 201);
  WorkSpec spec;
  spec.title = "not really mine";
  spec.values = contested.fp.fingerprint.values;
  HttpReply dup = Post("/v1/statements", copycat.RegisterWork(spec));
  ASSERT_EQ(dup.status, 201) << dup.body;
  auto opened = bj::parse(dup.body).at("opened_disputes").as_array();
  ASSERT_EQ(opened.size(), 1u) << dup.body;
  std::string dispute(opened[0].at("id").as_string());
  HttpReply d = Get("/v1/disputes/" + dispute);
  EXPECT_EQ(d.status, 200);
  ExpectDeclared(d, "get", "/v1/disputes/{id}");
  HttpReply list = Get("/v1/disputes?work=" + contested.id);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(bj::parse(list.body).at("items").as_array().size(), 1u);
  bj::array raw;
  for (std::size_t i = 100; i < 200; ++i) raw.emplace_back(contested.fp.fingerprint.values[i]);
  HttpReply m = Post("/v1/match", bj::serialize(bj::object{{"fingerprint", raw}}));
  ASSERT_EQ(m.status, 200);
  auto ms = bj::parse(m.body).at("matches").as_array();
  ASSERT_EQ(ms.size(), 2u) << m.body;
  EXPECT_TRUE(ms[0].at("disputed").as_bool());
  EXPECT_TRUE(ms[1].at("disputed").as_bool());
  // The first registrant settles it, signed, in the log.
  HttpReply resolved =
      Post("/v1/statements", artist_->ResolveDispute(dispute, "licensed to Copycat"));
  ASSERT_EQ(resolved.status, 201) << resolved.body;
  EXPECT_EQ(bj::parse(resolved.body).at("dispute").at("state").as_string(), "resolved");

  HttpReply metrics = Get("/metrics");
  EXPECT_NE(metrics.body.find("route=\"/v1/works/{id}/terms/export\",status=\"200\""),
            std::string::npos);
  EXPECT_NE(metrics.body.find("signet_index_works"), std::string::npos);
}

TEST_F(E2ETest, MatchFindsRealRecordingsAndExcerpts) {
  const CorpusWork& battle = (*works_)[0];
  // The whole file, as audio.
  std::ifstream in(kMusic / battle.file, std::ios::binary);
  std::string audio((std::istreambuf_iterator<char>(in)), {});
  HttpReply r = Post("/v1/match", audio, "audio/ogg");
  ASSERT_EQ(r.status, 200) << r.body;
  ExpectDeclared(r, "post", "/v1/match");
  auto matches = bj::parse(r.body).at("matches").as_array();
  ASSERT_FALSE(matches.empty()) << r.body;
  EXPECT_EQ(matches[0].at("work").at("id").as_string(), battle.id);
  EXPECT_EQ(matches[0].at("artist").at("display_name").as_string(), "Wesnoth Composer");

  // A 10 s excerpt from 60 s in, re-encoded as MP3 by FFmpeg's command line.
  fs::path mp3 = TempDir("excerpt.mp3");
  std::string cmd = "ffmpeg -loglevel error -y -ss 60 -t 10 -i '" +
                    (kMusic / battle.file).string() + "' -codec:a libmp3lame -b:a 128k '" +
                    mp3.string() + "'";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "ffmpeg could not make the excerpt";
  std::ifstream ein(mp3, std::ios::binary);
  std::string excerpt((std::istreambuf_iterator<char>(ein)), {});
  fs::remove(mp3);
  r = Post("/v1/match", excerpt, "audio/mpeg");
  ASSERT_EQ(r.status, 200) << r.body;
  matches = bj::parse(r.body).at("matches").as_array();
  ASSERT_FALSE(matches.empty()) << r.body;
  EXPECT_EQ(matches[0].at("work").at("id").as_string(), battle.id);
  double ref_start = matches[0].at("segments").as_array()[0].at("ref_start").to_number<double>();
  EXPECT_NEAR(ref_start, 60, 6) << r.body;

  // A fingerprint slice as a raw array.
  const auto& v = (*works_)[2].fp.fingerprint.values;
  bj::array raw;
  for (std::size_t i = 300; i < 380; ++i) raw.emplace_back(v[i]);
  r = Post("/v1/match", bj::serialize(bj::object{{"fingerprint", raw}}));
  ASSERT_EQ(r.status, 200);
  matches = bj::parse(r.body).at("matches").as_array();
  ASSERT_FALSE(matches.empty());
  EXPECT_EQ(matches[0].at("work").at("id").as_string(), (*works_)[2].id);
}

// A copy played 4 % faster (tempo and pitch, as a record at the wrong speed):
// found through the server's speed variants of the query audio, with its speed
// and times in the query's own seconds.
TEST_F(E2ETest, MatchFindsASpedUpCopyAndSaysHowFast) {
  const CorpusWork& battle = (*works_)[0];
  fs::path wav = TempDir("faster.wav");
  std::string cmd = "ffmpeg -loglevel error -y -ss 60 -t 15 -i '" +
                    (kMusic / battle.file).string() +
                    "' -af aresample=44100,asetrate=45864,aresample=44100 '" + wav.string() + "'";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "ffmpeg could not make the copy";
  std::ifstream in(wav, std::ios::binary);
  std::string audio((std::istreambuf_iterator<char>(in)), {});
  fs::remove(wav);

  HttpReply r = Post("/v1/match", audio, "audio/wav");
  ASSERT_EQ(r.status, 200) << r.body;
  ExpectDeclared(r, "post", "/v1/match");
  bj::value doc = bj::parse(r.body);
  EXPECT_EQ(doc.at("query").at("speed_variants").as_array().size(), 12u);
  EXPECT_NEAR(doc.at("query").at("speed_variant_seconds").to_number<double>(), 14.4, 0.2);
  auto matches = doc.at("matches").as_array();
  ASSERT_FALSE(matches.empty()) << r.body;
  EXPECT_EQ(matches[0].at("work").at("id").as_string(), battle.id);
  EXPECT_NEAR(matches[0].at("speed").to_number<double>(), 1.04, 0.011) << r.body;
  const auto& seg = matches[0].at("segments").as_array()[0];
  // 14.4 s of query hold ~15 s of the recording, from 60 s in.
  EXPECT_NEAR(seg.at("ref_start").to_number<double>(), 60, 6) << r.body;
  EXPECT_LE(seg.at("query_end").to_number<double>(), 14.4 + 0.5) << r.body;

  // Off: cheaper, and the answer says no variants were heard.
  r = Post("/v1/match?speed_variants=off", audio, "audio/wav");
  ASSERT_EQ(r.status, 200) << r.body;
  const bj::value off = bj::parse(r.body);
  EXPECT_FALSE(off.at("query").as_object().contains("speed_variants"));
  for (const auto& m : off.at("matches").as_array()) {
    EXPECT_EQ(m.at("speed").to_number<double>(), 1.0);
  }
  r = Post("/v1/match?speed_variants=fast", audio, "audio/wav");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("speed_variants"), std::string::npos);
}

TEST_F(E2ETest, CheckStreamsVerdictsOverTheWireWithAReceipt) {
  TestConnection c(server_->port());
  ASSERT_TRUE(
      c.Send("POST /v1/check?purpose=ai_training&receipt=1 HTTP/1.1\r\nHost: x\r\n"
             "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"));
  auto chunk = [](const std::string& s) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", s.size());
    return size + s + "\r\n";
  };
  std::string item = "{\"id\":\"file-1\",\"fingerprint\":\"" +
                     fp::EncodeFingerprint((*works_)[1].fp.fingerprint) + "\"}\n";
  ASSERT_TRUE(c.Send(chunk(item)));
  auto head = c.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  std::string answer;
  // The verdict for item 1 arrives before item 2 is sent.
  while (answer.find('\n') == std::string::npos) {
    auto piece = c.ReadChunk();
    ASSERT_TRUE(piece);
    answer += *piece;
  }
  bj::object first = bj::parse(answer.substr(0, answer.find('\n'))).as_object();
  EXPECT_EQ(first["id"].as_string(), "file-1");
  EXPECT_EQ(first["verdict"].as_string(), "allowed");  // no terms: no reservation expressed
  ASSERT_TRUE(c.Send(chunk("{\"id\":\"file-2\",\"sha256\":\"" + std::string(64, 'e') + "\"}\n")));
  ASSERT_TRUE(c.Send("0\r\n\r\n"));
  while (auto piece = c.ReadChunk()) answer += *piece;
  std::vector<std::string> lines;
  for (std::size_t p = 0, nl; (nl = answer.find('\n', p)) != std::string::npos; p = nl + 1) {
    lines.push_back(answer.substr(p, nl - p));
  }
  ASSERT_EQ(lines.size(), 3u) << answer;
  EXPECT_EQ(bj::parse(lines[1]).at("verdict").as_string(), "unregistered");
  bj::object last = bj::parse(lines[2]).as_object();
  std::string key = Get("/v1/log/key").body;
  key.pop_back();
  auto verifier = crypto::note::Verifier::Parse(key);
  ASSERT_TRUE(verifier.ok());
  auto text = crypto::note::Open(last["receipt"].at("note").as_string(), *verifier);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  auto digest = crypto::Sha256(lines[0] + "\n" + lines[1] + "\n");
  EXPECT_NE(text->find("answer-sha256 " + crypto::Base64Encode(crypto::ByteView(digest))),
            std::string::npos);
}

TEST_F(E2ETest, BadInputOnEveryRouteGetsAClearProblemAndTheServerStaysUp) {
  const std::string work = (*works_)[0].id;
  std::mt19937 rng(7);
  std::string noise(200000, '\0');
  for (char& ch : noise) ch = static_cast<char>(rng());
  struct Case {
    std::string method, target, body, type;
    int status;
    std::string tmpl;
  };
  TestArtist stranger = TestArtist::FromSeedByte(77, "Stranger");
  std::string forged = artist_->SetWorkTerms(work, R"({"search":{"use":"allowed"}})");
  forged[forged.find("\"sig\":\"") + 10] ^= 1;  // still base64, wrong signature
  std::vector<Case> cases = {
      {"post", "/v1/statements", "{\"payloadType\": 5}", "application/json", 400, "/v1/statements"},
      {"post", "/v1/statements", "{{{{", "application/json", 400, "/v1/statements"},
      {"post", "/v1/statements", forged, "application/json", 401, "/v1/statements"},
      {"post", "/v1/statements", stranger.SetWorkTerms(work, "{}"), "application/json", 409,
       "/v1/statements"},
      {"post", "/v1/statements", "x", "text/plain", 415, "/v1/statements"},
      {"get", "/v1/artists/ar_nonexistent", "", "", 400, "/v1/artists/{id}"},
      {"get", "/v1/artists/" + stranger.id(), "", "", 404, "/v1/artists/{id}"},
      {"get", "/v1/artists/" + artist_->id() + "/works?limit=100000", "", "", 400,
       "/v1/artists/{id}/works"},
      {"get", "/v1/works/wk_zz", "", "", 400, "/v1/works/{id}"},
      {"get", "/v1/works/" + work + "/terms?at=tomorrow", "", "", 400, "/v1/works/{id}/terms"},
      {"get", "/v1/works/" + work + "/terms/export?format=xml", "", "", 400,
       "/v1/works/{id}/terms/export"},
      {"get", "/v1/works/wk_ffffffffffffffffffffffffffffffff/history", "", "", 404,
       "/v1/works/{id}/history"},
      {"get", "/v1/disputes?state=maybe", "", "", 400, "/v1/disputes"},
      {"get", "/v1/disputes/dp_1", "", "", 400, "/v1/disputes/{id}"},
      {"post", "/v1/match", "{\"fingerprint\":\"AQAAAA!!\"}", "application/json", 400, "/v1/match"},
      {"post", "/v1/match", "{\"fingerprint\":[\"a\"]}", "application/json", 400, "/v1/match"},
      {"post", "/v1/match", "[]", "application/json", 400, "/v1/match"},
      {"post", "/v1/match", noise, "audio/mpeg", 400, "/v1/match"},
      {"post", "/v1/match", noise, "application/pdf", 415, "/v1/match"},
      {"post", "/v1/check", "{\"id\":1,\"sha256\":\"00\"}\n", "application/x-ndjson", 400,
       "/v1/check"},
      {"post", "/v1/check?purpose=ai_training&receipt=1", "", "application/x-ndjson", 200,
       "/v1/check"},
      {"get", "/v1/log/entries/999999", "", "", 404, "/v1/log/entries/{index}"},
      {"get", "/v1/log/entries/abc", "", "", 400, "/v1/log/entries/{index}"},
      {"get", "/v1/log/proof/inclusion?index=5&size=2", "", "", 400, "/v1/log/proof/inclusion"},
      {"get", "/v1/log/proof/consistency?old=1", "", "", 400, "/v1/log/proof/consistency"},
      {"get", "/v2/lookup?fingerprint=AQAA&duration=1", "", "", 400, "/v2/lookup"},
      {"post", "/v2/lookup", "duration=abc", "application/x-www-form-urlencoded", 400,
       "/v2/lookup"},
      {"delete", "/v1/works/" + work, "", "", 405, "/v1/works/{id}"},
  };
  for (const Case& c : cases) {
    std::string m = c.method;
    for (char& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    std::vector<std::pair<std::string, std::string>> h;
    if (!c.type.empty()) h.emplace_back("Content-Type", c.type);
    HttpReply r = testing::Fetch(server_->port(), m, c.target, c.body, h);
    SCOPED_TRACE(c.method + " " + c.target.substr(0, 80));
    ExpectProblem(r, c.status, c.method, c.tmpl);
  }
  EXPECT_EQ(testing::Fetch(server_->port(), "GET", "/nowhere").status, 404);

  // Huge bodies: refused from the Content-Length, before being sent.
  for (auto [target, size, type] : std::vector<std::tuple<std::string, std::size_t, std::string>>{
           {"/v1/statements", std::size_t{5} << 20, "application/json"},
           {"/v1/match", std::size_t{17} << 20, "audio/ogg"},
           {"/v2/lookup", std::size_t{3} << 20, "application/x-www-form-urlencoded"}}) {
    TestConnection c(server_->port());
    ASSERT_TRUE(c.Send("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + type +
                       "\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r) << target;
    ExpectProblem(*r, 413, "post", target);
  }
  // A JSON fingerprint body over its own limit, sent whole.
  HttpReply big = Post("/v1/match", "{\"fingerprint\":\"" + std::string(3 << 20, 'A') + "\"}");
  ExpectProblem(big, 413, "post", "/v1/match");
  // Huge headers.
  HttpReply h431 =
      testing::Fetch(server_->port(), "GET", "/healthz", "", {{"X-Junk", std::string(40000, 'j')}});
  ExpectProblem(h431, 431, "get", "/healthz");
}

TEST_F(E2ETest, AcoustIdClientWorksByChangingOnlyTheBaseUrl) {
  if (!fs::exists("/usr/lib/python3/dist-packages/acoustid.py")) {
    GTEST_SKIP() << "python3-acoustid is not installed";
  }
  // knolls.ogg: Debian's fpcalc exits 0 on it (on elf-land.ogg it prints the
  // fingerprint but exits 3, which pyacoustid treats as a failure).
  const CorpusWork& w = (*works_)[2];
  std::string cmd = "/usr/bin/python3 '" + std::string(SIGNET_SOURCE_DIR) +
                    "/tests/e2e/acoustid_lookup.py' " + std::to_string(server_->port()) + " '" +
                    (kMusic / w.file).string() + "' " + w.id + " " + std::string(kKnollsMbid) +
                    " '" + w.file + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_TRUE(p);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int rc = ::pclose(p);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("OK"), std::string::npos) << out;
}

TEST(E2ERestartTest, SigtermDrainsExitsZeroAndDataAndKeySurviveRestart) {
  fs::path data = TempDir("restart");
  std::string key, checkpoint;
  TestArtist a = TestArtist::FromSeedByte(3, "Persistent");
  {
    SignetdProcess s(kSignetd, data);
    ASSERT_TRUE(s.Start()) << s.StderrText();
    EXPECT_NE(s.stdout_text().find("created key"), std::string::npos) << s.stdout_text();
    EXPECT_EQ((fs::status(data / "server.key").permissions() & fs::perms::all),
              fs::perms::owner_read | fs::perms::owner_write);
    ASSERT_EQ(testing::Fetch(s.port(), "POST", "/v1/statements", a.Register(),
                             {{"Content-Type", "application/json"}})
                  .status,
              201);
    key = testing::Fetch(s.port(), "GET", "/v1/log/key").body;
    checkpoint = testing::Fetch(s.port(), "GET", "/v1/log/checkpoint").body;
    // An idle keep-alive connection does not hold the shutdown up.
    TestConnection idle(s.port());
    ASSERT_TRUE(idle.Send(BuildRequest("GET", "/healthz", "")));
    ASSERT_TRUE(idle.Read());
    EXPECT_EQ(s.Stop(), 0);
    EXPECT_NE(s.stdout_text().find("stopped"), std::string::npos);
  }
  SignetdProcess s(kSignetd, data);
  ASSERT_TRUE(s.Start()) << s.StderrText();
  EXPECT_NE(s.stdout_text().find("loaded key"), std::string::npos);
  EXPECT_EQ(testing::Fetch(s.port(), "GET", "/v1/log/key").body, key);
  EXPECT_EQ(testing::Fetch(s.port(), "GET", "/v1/log/checkpoint").body, checkpoint);
  EXPECT_EQ(testing::Fetch(s.port(), "GET", "/v1/artists/" + a.id()).status, 200);
  EXPECT_EQ(s.Stop(), 0);
  fs::remove_all(data);
  fs::remove(data.string() + ".stderr");
}

}  // namespace
}  // namespace signet

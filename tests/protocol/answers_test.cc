// Every answer type survives its JSON: what the API encodes, a client decodes
// to the same value. Decoding names the member that is wrong and ignores
// members it does not know.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocol/answers_json.h"

namespace signet::protocol {
namespace {

namespace json = boost::json;

constexpr Micros kT = 1795435200LL * 1'000'000;

Terms SomeTerms() {
  Terms t;
  t.at(Purpose::kAiGenerativeTraining) = PurposeTerms{Permission::kNotAllowed, {}};
  t.at(Purpose::kAiTraining) =
      PurposeTerms{Permission::kConstrained, {{"https://l.example/1"}, "mailto:a@b.c", "credit"}};
  return t;
}

EffectiveTerms SomeEffectiveTerms() {
  EffectiveTerms e;
  e.at(Purpose::kAiGenerativeTraining) = {PurposeTerms{Permission::kNotAllowed, {}},
                                          TermsSource::kWork, Purpose::kDataMining};
  e.at(Purpose::kSearch) = {PurposeTerms{Permission::kAllowed, {}}, TermsSource::kArtistDefault,
                            Purpose::kSearch};
  return e;
}

Work SomeWork() {
  Work w;
  w.id = "wk_0123456789abcdef0123456789abcdef";
  w.artist = "ar_abcdefghijklmnopqrstuvwx";
  w.title = "Loyalists";
  w.credits = {{"Ada", "composer", "0000000121032683", std::nullopt}, {"Bo", "performer", {}, {}}};
  w.duration_seconds = 40.25;
  w.sha256 = std::string(64, 'a');
  w.isrc = "GBAYE0601498";
  w.fingerprint_length = 323;
  w.landmark_peaks = 2159;
  w.registered_at = kT;
  w.updated_at = kT + 1;
  w.register_log_index = 7;
  w.open_disputes = {"dp_0123456789abcdef0123456789abcdef"};
  w.terms = SomeTerms();
  return w;
}

Dispute SomeDispute(bool resolved) {
  Dispute d;
  d.id = "dp_0123456789abcdef0123456789abcdef";
  d.work_a = "wk_a";
  d.artist_a = "ar_a";
  d.work_b = "wk_b";
  d.artist_b = "ar_b";
  d.state = resolved ? "resolved" : "open";
  d.opened_by = "registry";
  d.reason = resolved ? "matching recordings" : "";
  d.match_score = 12.5;
  d.opened_at = kT;
  d.open_log_index = 3;
  if (resolved) d.resolved = DisputeResolution{"ar_a", "licensed", kT + 5, 9};
  return d;
}

crypto::Receipt SomeReceipt() {
  crypto::Receipt r;
  r.leaf_index = 7;
  r.tree_size = 8;
  r.leaf_hash.fill(1);
  crypto::Digest h;
  h.fill(2);
  r.inclusion_proof = {h, h};
  r.checkpoint =
      "signet.test/log\n8\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n\n\xe2\x80\x94 "
      "signet.test x\n";
  return r;
}

// Encodes, serializes, parses and decodes `value`.
template <typename T>
T RoundTrip(const T& value, Result<T> (*decode)(const json::value&)) {
  const std::string text = json::serialize(ToJson(value));
  auto back = ParseAnswer(text, decode);
  EXPECT_TRUE(back.ok()) << back.status().ToString() << "\n" << text;
  return back.ok() ? *back : T{};
}

TEST(AnswersTest, WorksArtistsAndDisputesRoundTrip) {
  Work w = SomeWork();
  EXPECT_EQ(RoundTrip(w, WorkFromJson), w);
  w.terms.reset();
  w.sha256.reset();
  EXPECT_EQ(RoundTrip(w, WorkFromJson), w);

  Artist a;
  a.id = "ar_abcdefghijklmnopqrstuvwx";
  a.display_name = "Ada";
  a.public_key = "key";
  a.previous_keys = {"old"};
  a.ipi = "00014107338";
  a.links = {"https://ada.example"};
  a.last_seq = 12;
  a.registered_at = kT;
  a.default_terms = SomeTerms();
  a.work_count = 3;
  EXPECT_EQ(RoundTrip(a, ArtistFromJson), a);

  EXPECT_EQ(RoundTrip(SomeDispute(false), DisputeFromJson), SomeDispute(false));
  EXPECT_EQ(RoundTrip(SomeDispute(true), DisputeFromJson), SomeDispute(true));
}

TEST(AnswersTest, AcceptedTermsAndMatchAnswersRoundTrip) {
  Accepted acc;
  acc.statement_id = std::string(64, 'c');
  acc.type = StatementType::kWorkRegister;
  acc.artist_id = "ar_abcdefghijklmnopqrstuvwx";
  acc.work_id = SomeWork().id;
  acc.log_index = 7;
  acc.accepted_at = kT;
  acc.work = SomeWork();
  acc.opened_disputes = {SomeDispute(false)};
  acc.receipt = SomeReceipt();
  EXPECT_EQ(RoundTrip(acc, AcceptedFromJson), acc);

  TermsAnswer t;
  t.work_id = SomeWork().id;
  t.at = kT;
  t.effective = SomeEffectiveTerms();
  t.work_terms = TermsInForce{SomeTerms(), 4, kT - 10};
  EXPECT_EQ(RoundTrip(t, TermsAnswerFromJson), t);
  // Absent sources are null on the wire, as api/openapi.json says.
  EXPECT_TRUE(ToJson(t).at("default_terms").is_null());

  MatchAnswer m;
  m.query = {"audio", 12.5, std::vector<double>{0.95, 1.05}, 12.0, 100, 360};
  WorkMatch wm;
  wm.work = SomeWork();
  wm.artist = {wm.work.artist, "Ada"};
  wm.score = 42.5;
  wm.e_value = 3.2e-43;
  wm.speed = 1.05;
  wm.tempo = 1.05;
  wm.pitch_semitones = 0.84;
  wm.prints = {"chromaprint", "landmark"};
  wm.segments = {{1, 9.5, 20, 28.5, 0.125, {"chromaprint", "landmark"}},
                 {12, 15, 31, 34, std::nullopt, {"landmark"}}};
  wm.disputes = {SomeDispute(false)};
  wm.terms = SomeEffectiveTerms();
  m.matches = {wm};
  EXPECT_EQ(RoundTrip(m, MatchAnswerFromJson), m);
  EXPECT_TRUE(ToJson(wm).at("disputed").as_bool());
  // A segment only the landmark print found has no bit error rate on the wire.
  EXPECT_FALSE(ToJson(wm).at("segments").as_array()[1].as_object().contains("bit_error_rate"));
  MatchAnswer bare;
  bare.query = {"fingerprint", std::nullopt, std::nullopt, std::nullopt, 80, std::nullopt};
  EXPECT_EQ(RoundTrip(bare, MatchAnswerFromJson), bare);
  EXPECT_FALSE(ToJson(bare).contains("partial"));
  // A cluster with a shard down says how much of the index it searched.
  MatchAnswer partial = bare;
  partial.searched_fraction = 0.5;
  EXPECT_EQ(RoundTrip(partial, MatchAnswerFromJson), partial);
  EXPECT_TRUE(ToJson(partial).at("partial").as_bool());
  EXPECT_FALSE(ToJson(bare).contains("index"));
  MatchAnswer rebuilding = bare;  // while the index is rebuilt
  rebuilding.index = PartialIndex{3, 10};
  EXPECT_EQ(RoundTrip(rebuilding, MatchAnswerFromJson), rebuilding);
  EXPECT_FALSE(ToJson(rebuilding).at("index").as_object().at("complete").as_bool());
  EXPECT_FALSE(ToJson(rebuilding).contains("partial"));
  // Both at once: a cluster node still rebuilding its shards' index.
  MatchAnswer both = partial;
  both.index = PartialIndex{3, 10};
  EXPECT_EQ(RoundTrip(both, MatchAnswerFromJson), both);
}

TEST(AnswersTest, CheckLinesOfEveryKindRoundTrip) {
  CheckVerdictLine v;
  v.id = std::string("17");
  v.line = 18;
  v.verdict = Verdict::kNotAllowed;
  v.reason = "ai_generative_training is notAllowed";
  v.works = {{"wk_a", "Song", "ar_a", "Ada", 30.5, Verdict::kNotAllowed, "no", true}};
  v.index_complete = false;
  CheckErrorLine e{std::int64_t{4}, 5, 400, "\"fingerprint\" is not valid"};
  CheckSummaryLine s;
  s.purpose = Purpose::kSearch;
  s.items = 2;
  s.errors = 1;
  s.verdicts = {{"notAllowed", 1}};
  s.checkpoint_size = 9;
  s.receipt = CheckReceipt{"abc=", "note text"};
  CheckVerdictLine partial = v;
  partial.searched_fraction = 0.75;
  for (const CheckLine& line : {CheckLine(v), CheckLine(e), CheckLine(s), CheckLine(partial)}) {
    EXPECT_EQ(RoundTrip(line, CheckLineFromJson), line);
  }
  CheckVerdictLine anonymous;  // an item sent without an id
  EXPECT_FALSE(ToJson(CheckLine(anonymous)).contains("id"));
  EXPECT_EQ(RoundTrip(CheckLine(anonymous), CheckLineFromJson), CheckLine(anonymous));
}

TEST(AnswersTest, DecodingNamesTheWrongMemberAndIgnoresUnknownOnes) {
  json::object m = ToJson(
      MatchAnswer{{"fingerprint", {}, {}, {}, 80, {}}, {WorkMatch{}}, std::nullopt, std::nullopt});
  m["matches"].as_array()[0].as_object()["work"].as_object()["title"] = 5;
  auto bad = MatchAnswerFromJson(m);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "member \"matches[0].work.title\" must be a string");

  json::object w = ToJson(SomeWork());
  w.erase("artist");
  EXPECT_EQ(WorkFromJson(w).status().message(), "member \"artist\" is missing");
  w = ToJson(SomeWork());
  w["terms"].as_object()["ai_training"].as_object()["use"] = "maybe";
  EXPECT_EQ(WorkFromJson(w).status().message(),
            "member \"terms.ai_training.use\" must be allowed, notAllowed or constrained");

  w = ToJson(SomeWork());
  w["colour"] = "blue";  // a newer server's member
  auto ok = WorkFromJson(w);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok, SomeWork());

  EXPECT_FALSE(ParseAnswer("not json", WorkFromJson).ok());
  EXPECT_EQ(WorkFromJson(json::array{}).status().message(), "the answer must be a JSON object");
}

}  // namespace
}  // namespace signet::protocol

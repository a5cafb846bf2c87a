// Statement payload validation (registry/statement.h): every type parses, and
// every malformed field is rejected with a message naming it.
#include "registry/statement.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "registry/testing/statements.h"

namespace signet::registry {
namespace {

using ::testing::HasSubstr;
using testing::kTestNow;
using testing::Payload;

constexpr Micros kSkew = 5 * 60 * 1000000LL;

class StatementTest : public ::testing::Test {
 protected:
  StatementTest()
      : key_(testing::KeyFromSeedByte(7)),
        artist_(crypto::ArtistId(key_.public_key())),
        fp_(testing::CompressFingerprint(testing::RandomFingerprint(1, 100))) {}

  Result<Statement> Parse(std::string_view type, std::string_view body,
                          std::string_view issued_at = "2026-01-02T03:04:05Z") {
    return ParseStatement(Payload(type, artist_, 1, issued_at, body), kTestNow, kSkew);
  }

  std::string WorkBody(std::string_view credits = R"([{"name":"A","role":"composer"}])") {
    return R"("title":"Song","credits":)" + std::string(credits) +
           R"(,"duration":12.5,"fingerprint":")" + fp_ + "\"";
  }

  void ExpectRejected(std::string_view type, std::string_view body, std::string_view needle) {
    auto r = Parse(type, body);
    ASSERT_FALSE(r.ok()) << type << " " << body;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr(std::string(needle))) << body;
  }

  crypto::SecretKey key_;
  std::string artist_;
  std::string fp_;
  const std::string work_ = "wk_0123456789abcdef0123456789abcdef";
};

TEST_F(StatementTest, EveryTypeParses) {
  const std::string pk = crypto::PublicKeyToText(key_.public_key());
  auto reg = Parse("artist.register",
                   R"("public_key":")" + pk +
                       R"(","display_name":"Ada","isni":"0000 0001 2103 2683","ipi":"00014107338",)"
                       R"("links":["https://ada.example"])");
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  EXPECT_EQ(reg->type, StatementType::kArtistRegister);
  EXPECT_EQ(reg->issued_at, kTestNow);
  const auto& rb = std::get<ArtistRegisterBody>(reg->body);
  EXPECT_EQ(rb.isni, "0000000121032683");
  EXPECT_EQ(rb.public_key, key_.public_key());

  EXPECT_TRUE(Parse("artist.rotate_key", R"("new_public_key":")" + pk + "\"").ok());
  EXPECT_TRUE(
      Parse("artist.default_terms", R"("terms":{"ai_training":{"use":"notAllowed"}})").ok());

  auto work = Parse("work.register",
                    WorkBody(R"([{"name":"A","role":"composer","isni":"0000000218250097"}])") +
                        R"(,"isrc":"US-RC1-76-07839","iswc":"T0345246801","sha256":")" +
                        std::string(64, 'a') + "\"");
  ASSERT_TRUE(work.ok()) << work.status().ToString();
  const auto& wb = std::get<WorkRegisterBody>(work->body);
  EXPECT_EQ(wb.fingerprint_values, testing::RandomFingerprint(1, 100));
  EXPECT_EQ(wb.isrc, "USRC17607839");
  EXPECT_EQ(wb.iswc, "T-034.524.680-1");
  EXPECT_DOUBLE_EQ(wb.duration_seconds, 12.5);

  auto terms =
      Parse("work.terms", R"("work":")" + work_ +
                              R"(","terms":{"ai_generative_training":{"use":"constrained",)"
                              R"("constraint_info":{"licences":["https://l.example/1"],)"
                              R"("contact":"mailto:a@b.example","conditions":"pay"}}})");
  ASSERT_TRUE(terms.ok()) << terms.status().ToString();
  const auto& tb = std::get<WorkTermsBody>(terms->body);
  ASSERT_TRUE(tb.terms.at(Purpose::kAiGenerativeTraining).has_value());
  EXPECT_EQ(tb.terms.at(Purpose::kAiGenerativeTraining)->constraint_info.licences.at(0),
            "https://l.example/1");

  EXPECT_TRUE(Parse("work.withdraw", R"("work":")" + work_ + "\"").ok());
  EXPECT_TRUE(Parse("dispute.open", R"("work":")" + work_ +
                                        R"(","other_work":"wk_00000000000000000000000000000000",)"
                                        R"("reason":"mine")")
                  .ok());
  EXPECT_TRUE(Parse("dispute.resolve",
                    R"("dispute":"dp_0123456789abcdef0123456789abcdef","resolution":"agreed")")
                  .ok());
}

TEST_F(StatementTest, UnknownTypeAndCommonFields) {
  auto r = ParseStatement(Payload("work.delete", artist_, 1, "2026-01-02T03:04:05Z", ""), kTestNow,
                          kSkew);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("unknown type \"work.delete\""));

  auto no_seq =
      ParseStatement(R"({"type":"work.withdraw","artist":")" + artist_ +
                         R"(","issued_at":"2026-01-02T03:04:05Z","work":")" + work_ + "\"}",
                     kTestNow, kSkew);
  ASSERT_FALSE(no_seq.ok());
  EXPECT_THAT(no_seq.status().message(), HasSubstr("work.withdraw: field \"seq\" is required"));

  auto bad_seq = ParseStatement(R"({"type":"work.withdraw","artist":")" + artist_ +
                                    R"(","seq":"1","issued_at":"2026-01-02T03:04:05Z","work":")" +
                                    work_ + "\"}",
                                kTestNow, kSkew);
  ASSERT_FALSE(bad_seq.ok());
  EXPECT_THAT(bad_seq.status().message(), HasSubstr("field \"seq\" must be an integer"));

  auto zero = ParseStatement(
      Payload("work.withdraw", artist_, 0, "2026-01-02T03:04:05Z", R"("work":")" + work_ + "\""),
      kTestNow, kSkew);
  EXPECT_FALSE(zero.ok());

  auto bad_artist = ParseStatement(
      Payload("work.withdraw", "bob", 1, "2026-01-02T03:04:05Z", R"("work":")" + work_ + "\""),
      kTestNow, kSkew);
  ASSERT_FALSE(bad_artist.ok());
  EXPECT_THAT(bad_artist.status().message(), HasSubstr("field \"artist\""));

  EXPECT_FALSE(ParseStatement("[1,2]", kTestNow, kSkew).ok());
  EXPECT_FALSE(ParseStatement("{\"type\":", kTestNow, kSkew).ok());
  EXPECT_FALSE(ParseStatement("", kTestNow, kSkew).ok());
}

TEST_F(StatementTest, Timestamps) {
  const std::string body = R"("work":")" + work_ + "\"";
  EXPECT_TRUE(Parse("work.withdraw", body, "2026-01-02T03:09:05Z").ok());  // exactly 5 min ahead
  auto future = Parse("work.withdraw", body, "2026-01-02T03:09:06Z");
  ASSERT_FALSE(future.ok());
  EXPECT_THAT(future.status().message(), HasSubstr("field \"issued_at\" is in the future"));
  EXPECT_TRUE(Parse("work.withdraw", body, "2025-12-31T23:59:59.123456Z").ok());
  EXPECT_TRUE(Parse("work.withdraw", body, "2024-02-29T00:00:00+00:00").ok());
  for (const char* bad :
       {"2026-01-02 03:04:05Z", "2026-01-02T03:04:05", "2026-01-02T03:04:05+01:00",
        "2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-02T24:00:00Z", "yesterday",
        "2026-01-02T03:04:05.Z", "1969-12-31T23:59:59Z"}) {
    auto r = Parse("work.withdraw", body, bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.status().message(), HasSubstr("field \"issued_at\"")) << bad;
  }
}

TEST_F(StatementTest, MissingExtraAndWrongTypedFields) {
  ExpectRejected("work.register", R"("title":"Song","duration":1,"fingerprint":")" + fp_ + "\"",
                 "work.register: field \"credits\" is required");
  ExpectRejected("work.register", WorkBody() + R"(,"colour":"blue")",
                 "work.register: unknown field \"colour\"");
  ExpectRejected("work.register", WorkBody(R"([{"name":"A","role":7}])"),
                 "work.register: field \"credits[0].role\" must be a string of at most 100");
  ExpectRejected("work.register",
                 WorkBody(R"([{"name":"A","role":"x"},{"name":"B","role":"y"},)"
                          R"({"name":"C","role":")" +
                          std::string(101, 'r') + "\"}]"),
                 "work.register: field \"credits[2].role\" must be a string of at most 100 "
                 "characters");
  ExpectRejected("work.register", WorkBody(R"([{"name":"A","role":"x","extra":1}])"),
                 "unknown field \"credits[0].extra\"");
  ExpectRejected("work.register", WorkBody("[]"), "field \"credits\"");
  ExpectRejected("work.register",
                 R"("title":")" + std::string(201, 't') +
                     R"(","credits":[{"name":"A","role":"x"}],"duration":1,"fingerprint":")" + fp_ +
                     "\"",
                 "field \"title\" must be a string of at most 200");
  ExpectRejected(
      "work.register",
      R"("title":"S","credits":[{"name":"A","role":"x"}],"duration":"1","fingerprint":")" + fp_ +
          "\"",
      "field \"duration\" must be a number");
  ExpectRejected(
      "work.register",
      R"("title":"S","credits":[{"name":"A","role":"x"}],"duration":-1,"fingerprint":")" + fp_ +
          "\"",
      "field \"duration\"");
  ExpectRejected(
      "work.register",
      R"("title":"S","credits":[{"name":"A","role":"x"}],"duration":1,"fingerprint":"!!")",
      "field \"fingerprint\" is malformed");
  ExpectRejected("work.register", WorkBody() + R"(,"iswc":"T-034.524.680-2")",
                 "field \"iswc\" is invalid: ISWC");
  ExpectRejected("work.register", WorkBody() + R"(,"isrc":"XX")", "field \"isrc\" is invalid");
  ExpectRejected("work.register", WorkBody(R"([{"name":"A","role":"x","ipi":"00014107339"}])"),
                 "field \"credits[0].ipi\" is invalid");
  ExpectRejected("work.register", WorkBody() + R"(,"sha256":"ABC")", "field \"sha256\"");
  std::string many = "[";
  for (int i = 0; i < 101; ++i) many += std::string(i ? "," : "") + R"({"name":"A","role":"x"})";
  ExpectRejected("work.register", WorkBody(many + "]"),
                 "field \"credits\" must be an array of 1 to 100");
  ExpectRejected("work.register", WorkBody(R"([{"name":"A\u0001","role":"x"}])"),
                 "field \"credits[0].name\" must be valid UTF-8");

  ExpectRejected("artist.register", R"("display_name":"Ada")",
                 "artist.register: field \"public_key\" is required");
  ExpectRejected("artist.register",
                 R"("public_key":")" +
                     crypto::PublicKeyToText(testing::KeyFromSeedByte(9).public_key()) +
                     R"(","display_name":"Ada")",
                 "field \"artist\" must be the artist id of public_key");
  ExpectRejected("artist.register",
                 R"("public_key":")" + crypto::PublicKeyToText(key_.public_key()) +
                     R"(","display_name":"Ada","links":["ftp://x"])",
                 "field \"links[0]\"");
  ExpectRejected("artist.rotate_key", R"("new_public_key":"AAAA")", "field \"new_public_key\"");
  ExpectRejected("work.terms", R"("work":"wk_1","terms":{})", "field \"work\" must be a work id");
  ExpectRejected("work.terms",
                 R"("work":")" + work_ + R"(","terms":{"training":{"use":"allowed"}})",
                 "unknown purpose \"terms.training\"");
  ExpectRejected("work.terms",
                 R"("work":")" + work_ + R"(","terms":{"ai_training":{"use":"maybe"}})",
                 "field \"terms.ai_training.use\"");
  ExpectRejected("work.terms",
                 R"("work":")" + work_ + R"(","terms":{"ai_training":{"use":"constrained"}})",
                 "field \"terms.ai_training.constraint_info\" is required");
  ExpectRejected(
      "work.terms",
      R"("work":")" + work_ + R"(","terms":{"ai_training":{"use":"allowed","constraint_info":{}}})",
      "field \"terms.ai_training.constraint_info\" is only allowed");
  ExpectRejected(
      "work.terms",
      R"("work":")" + work_ +
          R"(","terms":{"ai_training":{"use":"constrained","constraint_info":{"conditions":"x"}}})",
      "must name at least one licence URL or a contact");
  ExpectRejected("dispute.open",
                 R"("work":")" + work_ + R"(","other_work":")" + work_ + R"(","reason":"x")",
                 "field \"other_work\" must differ");
  ExpectRejected("dispute.resolve", R"("dispute":"dp_x","resolution":"ok")",
                 "field \"dispute\" must be a dispute id");
}

TEST_F(StatementTest, MusicBrainzRecordingIdsAreCanonicalDistinctUuids) {
  const std::string a = "b9ad642e-b012-41c7-b72a-42cf4911f9ff";
  const std::string b = "0d1e4b3c-2f5a-4c6d-8e9f-0a1b2c3d4e5f";
  auto work = Parse("work.register",
                    WorkBody() + R"(,"musicbrainz_recording_ids":[")" + a + R"(",")" + b + "\"]");
  ASSERT_TRUE(work.ok()) << work.status().ToString();
  EXPECT_EQ(std::get<WorkRegisterBody>(work->body).musicbrainz_recording_ids,
            (std::vector<std::string>{a, b}));
  // Absent: the registry keeps what it holds; [] clears it.
  auto none = Parse("work.register", WorkBody());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(std::get<WorkRegisterBody>(none->body).musicbrainz_recording_ids.has_value());
  auto cleared = Parse("work.register", WorkBody() + R"(,"musicbrainz_recording_ids":[])");
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(std::get<WorkRegisterBody>(cleared->body).musicbrainz_recording_ids,
            std::vector<std::string>{});

  auto rejected = [&](std::string_view ids, std::string_view field, std::string_view needle) {
    auto r =
        Parse("work.register", WorkBody() + R"(,"musicbrainz_recording_ids":)" + std::string(ids));
    ASSERT_FALSE(r.ok()) << ids;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(r.status().field(), field) << ids;
    EXPECT_THAT(r.status().message(), HasSubstr(std::string(needle))) << ids;
  };
  // Upper case, braces, no hyphens, a work id, one digit short: not the form
  // MusicBrainz serves, so a client that compares strings would miss it.
  const char* kNotMbid =
      "is not a MusicBrainz recording id \"%s\": write the 36-character lowercase UUID";
  for (std::string bad :
       {"B9AD642E-B012-41C7-B72A-42CF4911F9FF", "{b9ad642e-b012-41c7-b72a-42cf4911f9ff}",
        "b9ad642eb01241c7b72a42cf4911f9ff", "wk_0123456789abcdef0123456789abcdef",
        "b9ad642e-b012-41c7-b72a-42cf4911f9f", "b9ad642e-b012-41c7-b72a_42cf4911f9ff",
        "g9ad642e-b012-41c7-b72a-42cf4911f9ff"}) {
    char needle[200];
    std::snprintf(needle, sizeof needle, kNotMbid, bad.substr(0, 40).c_str());
    rejected("[\"" + bad + "\"]", "musicbrainz_recording_ids[0]", needle);
  }
  rejected("[\"" + a + "\",\"" + a + "\"]", "musicbrainz_recording_ids[1]", "repeats " + a);
  rejected("\"" + a + "\"", "musicbrainz_recording_ids", "must be an array of at most 20");
  rejected("[7]", "musicbrainz_recording_ids[0]", "must be a string");
  std::string many = "[";
  for (int i = 0; i < 21; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "%s\"%08x-b012-41c7-b72a-42cf4911f9ff\"", i ? "," : "", i);
    many += id;
  }
  rejected(many + "]", "musicbrainz_recording_ids", "at most 20 distinct");
}

TEST_F(StatementTest, OversizedPayload) {
  StatementLimits limits;
  limits.max_payload_bytes = 100;
  auto r = ParseStatement(Payload("work.register", artist_, 1, "2026-01-02T03:04:05Z", WorkBody()),
                          kTestNow, kSkew, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("larger than 100 bytes"));
}

TEST_F(StatementTest, MutatedPayloadsAreRejectedCleanly) {
  // Untrusted input: byte flips, truncations and insertions of a valid
  // payload either parse or fail with InvalidArgument; never anything else
  // (ASan/UBSan builds run this too).
  const std::string valid =
      Payload("work.register", artist_, 3, "2026-01-02T03:04:05Z",
              WorkBody(R"([{"name":"A","role":"composer","isni":"0000000218250097"}])") +
                  R"(,"iswc":"T-034.524.680-1","isrc":"USRC17607839")");
  ASSERT_TRUE(ParseStatement(valid, kTestNow, kSkew).ok());
  std::uint64_t x = 42;
  auto next = [&x] {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(x >> 33);
  };
  const char kBytes[] = "{}[]\",:0123456789.eE-+tfnul \\u\x00\xff\xc3";
  int ok = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string m = valid;
    const int edits = 1 + static_cast<int>(next() % 3);
    for (int e = 0; e < edits && !m.empty(); ++e) {
      const std::size_t pos = next() % m.size();
      switch (next() % 3) {
        case 0:
          m[pos] = kBytes[next() % (sizeof kBytes - 1)];
          break;
        case 1:
          m.erase(pos, 1 + next() % 8);
          break;
        default:
          m.insert(pos, 1, kBytes[next() % (sizeof kBytes - 1)]);
          break;
      }
    }
    auto r = ParseStatement(m, kTestNow, kSkew);
    if (r.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << r.status().ToString();
    }
  }
  EXPECT_LT(ok, 3000);  // the mutations did reach the validator
}

// The field a rejection is about is also machine-readable (Status::field(),
// the problem document's "field"), so clients branch on it, not on the text.
TEST_F(StatementTest, RejectionsCarryTheFieldPath) {
  struct Case {
    std::string type, body, field;
  };
  const std::vector<Case> cases = {
      {"work.register",
       WorkBody(R"([{"name":"A","role":"x"},{"name":"B","role":"y"},{"name":"C","role":7}])"),
       "credits[2].role"},
      {"work.register", WorkBody() + R"(,"isrc":"XX")", "isrc"},
      {"work.register", WorkBody() + R"(,"colour":"blue")", "colour"},
      {"work.register", WorkBody(R"([{"name":"A","role":"x","extra":1}])"), "credits[0].extra"},
      {"work.terms", R"("work":")" + work_ + R"(","terms":{"training":{"use":"allowed"}})",
       "terms.training"},
      {"work.terms", R"("work":")" + work_ + R"(","terms":{"ai_training":{"use":"maybe"}})",
       "terms.ai_training.use"},
      {"work.terms", R"("work":")" + work_ + R"(","terms":{"ai_training":{"use":"constrained"}})",
       "terms.ai_training.constraint_info"},
      {"work.delete", R"("work":")" + work_ + "\"", "type"},
  };
  for (const Case& c : cases) {
    auto r = Parse(c.type, c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().field(), c.field) << r.status().message();
  }
  auto late = Parse("work.withdraw", R"("work":")" + work_ + "\"", "2026-01-02T03:09:06Z");
  EXPECT_EQ(late.status().field(), "issued_at");
  // Not about one field: no field.
  EXPECT_EQ(ParseStatement("[1]", kTestNow, kSkew).status().field(), "");
}

}  // namespace
}  // namespace signet::registry

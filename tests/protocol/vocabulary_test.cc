// Known answers for the vocabulary the registry and its clients share: the
// work and dispute id rules (vectors computed with Python's hashlib from
// registry/STATEMENTS.md's definitions), RFC 3339 round trips and refusals,
// and the names on the wire.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <vector>

#include "protocol/ids.h"
#include "protocol/problem.h"
#include "protocol/statement_payload.h"
#include "protocol/terms.h"
#include "protocol/time.h"

namespace signet::protocol {
namespace {

constexpr Micros kSecond = 1'000'000;

TEST(WorkIdTest, MatchesTheDocumentedHash) {
  // SHA-256("signet.work.v1\n" + artist + "\n" + little-endian uint32s)[:16].
  const std::vector<std::uint32_t> fp = {0, 1, 0xdeadbeef, 0xffffffff};
  EXPECT_EQ(WorkIdFor("ar_abcdefghijklmnopqrstuvwx", fp), "wk_18db06e5ad75d29a5cec6da03e8bcc63");
  EXPECT_NE(WorkIdFor("ar_abcdefghijklmnopqrstuvwy", fp),
            WorkIdFor("ar_abcdefghijklmnopqrstuvwx", fp));
  EXPECT_TRUE(IsWellFormedWorkId(WorkIdFor("ar_x", fp)));
}

TEST(DisputeIdTest, MatchesTheDocumentedHashInEitherOrder) {
  const std::string a = "wk_" + std::string(32, '0');
  const std::string b = "wk_" + std::string(32, 'f');
  EXPECT_EQ(DisputeIdFor(a, b), "dp_1d9c06214faccf53862b11bbb0cb6531");
  EXPECT_EQ(DisputeIdFor(b, a), DisputeIdFor(a, b));
  EXPECT_TRUE(IsWellFormedDisputeId(DisputeIdFor(a, b)));
}

TEST(IdShapeTest, OnlyPrefixAndThirtyTwoLowercaseHexDigits) {
  EXPECT_TRUE(IsWellFormedWorkId("wk_0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(IsWellFormedWorkId("wk_0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(IsWellFormedWorkId("wk_0123456789abcdef0123456789abcde"));
  EXPECT_FALSE(IsWellFormedWorkId("dp_0123456789abcdef0123456789abcdef"));
  EXPECT_TRUE(IsWellFormedDisputeId("dp_0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(IsWellFormedDisputeId("dp_0123456789abcdef0123456789abcdeg"));
}

TEST(MusicBrainzIdTest, OnlyTheLowercaseUuidFormAndTypedFormsAreCanonicalised) {
  EXPECT_TRUE(IsMusicBrainzId("b9ad642e-b012-41c7-b72a-42cf4911f9ff"));
  EXPECT_FALSE(IsMusicBrainzId("B9AD642E-B012-41C7-B72A-42CF4911F9FF"));
  EXPECT_FALSE(IsMusicBrainzId("b9ad642eb01241c7b72a42cf4911f9ff"));
  EXPECT_FALSE(IsMusicBrainzId("b9ad642e-b012-41c7-b72a-42cf4911f9f"));
  EXPECT_FALSE(IsMusicBrainzId("b9ad642e-b012-41c7-b72a-42cf4911f9fff"));
  EXPECT_FALSE(IsMusicBrainzId("b9ad642e-b012-41c7b-72a-42cf4911f9ff"));
  EXPECT_FALSE(IsMusicBrainzId("wk_0123456789abcdef0123456789abcdef"));
  EXPECT_EQ(CanonicalMusicBrainzId(" B9AD642E-b012-41C7-B72A-42CF4911F9FF\t"),
            "b9ad642e-b012-41c7-b72a-42cf4911f9ff");
  EXPECT_EQ(CanonicalMusicBrainzId("{b9ad642e-b012-41c7-b72a-42cf4911f9ff}"), "");
  EXPECT_EQ(CanonicalMusicBrainzId("https://musicbrainz.org/recording/x"), "");
}

TEST(Rfc3339Test, KnownInstants) {
  EXPECT_EQ(*ParseRfc3339Utc("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseRfc3339Utc("2026-11-23T12:00:00Z"), 1795435200 * kSecond);
  EXPECT_EQ(*ParseRfc3339Utc("2024-02-29T23:59:59Z"), 1709251199 * kSecond);
  EXPECT_EQ(*ParseRfc3339Utc("9999-12-31T23:59:59Z"), 253402300799 * kSecond);
  // Offset +00:00, lower-case t and z, a fraction kept to the microsecond.
  EXPECT_EQ(*ParseRfc3339Utc("2026-11-23t12:00:00.1234567z"), 1795435200 * kSecond + 123456);
  EXPECT_EQ(*ParseRfc3339Utc("2026-11-23T12:00:00.5+00:00"), 1795435200 * kSecond + 500000);
}

TEST(Rfc3339Test, FormatsAndRoundTrips) {
  const Micros t = 1795435200 * kSecond + 123456;
  EXPECT_EQ(FormatRfc3339Utc(1795435200 * kSecond), "2026-11-23T12:00:00Z");
  EXPECT_EQ(FormatRfc3339Utc(t), "2026-11-23T12:00:00.123456Z");
  EXPECT_EQ(FormatRfc3339Utc(t, TimeFraction::kMillis), "2026-11-23T12:00:00.123Z");
  EXPECT_EQ(FormatRfc3339Utc(1795435200 * kSecond, TimeFraction::kMillis),
            "2026-11-23T12:00:00.000Z");
  EXPECT_EQ(FormatRfc3339Utc(t, TimeFraction::kNone), "2026-11-23T12:00:00Z");
  for (Micros v :
       {Micros{0}, Micros{1}, 1709251199 * kSecond + 999999, 253402300799 * kSecond, t}) {
    auto back = ParseRfc3339Utc(FormatRfc3339Utc(v));
    ASSERT_TRUE(back.ok()) << FormatRfc3339Utc(v);
    EXPECT_EQ(*back, v);
  }
  const Micros now = SystemNowMicros();
  auto whole = ParseRfc3339Utc(FormatRfc3339Utc(now, TimeFraction::kNone));
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, now - now % kSecond);
}

TEST(Rfc3339Test, RefusesWhatIsNotUtcOrNotADate) {
  for (const char* bad : {
           "2026-11-23T12:00:00+01:00",        // another offset
           "2026-11-23T12:00:00",              // no zone
           "2026-11-23 12:00:00Z",             // space instead of T
           "2025-02-29T00:00:00Z",             // not a leap year
           "2026-04-31T00:00:00Z",             // April has 30 days
           "2026-11-23T24:00:00Z",             // hour 24
           "2026-11-23T23:59:60Z",             // leap second
           "1969-12-31T23:59:59Z",             // before the epoch
           "2026-11-23T12:00:00.Z",            // empty fraction
           "2026-11-23T12:00:00.1234567890Z",  // ten digits
           "2026-1-23T12:00:00Z",              // one-digit month
           "",
       }) {
    auto r = ParseRfc3339Utc(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << bad;
    }
  }
  EXPECT_NE(ParseRfc3339Utc("2026-11-23T12:00:00+01:00").status().message().find("UTC"),
            std::string::npos);
}

TEST(TermsVocabularyTest, NamesRoundTripAndListsReadAsMessagesSayThem) {
  for (Purpose p : kAllPurposes) EXPECT_EQ(ParsePurpose(PurposeKey(p)), p);
  EXPECT_FALSE(ParsePurpose("genai").has_value());
  EXPECT_EQ(PurposeList(),
            "ai_generative_training, ai_training, ai_inference, data_mining, search");
  EXPECT_EQ(PurposeList(" or "),
            "ai_generative_training, ai_training, ai_inference, data_mining or search");
  EXPECT_EQ(PurposeList(", ", 1), "ai_training, ai_inference, data_mining, search");
  for (Permission p : {Permission::kAllowed, Permission::kNotAllowed, Permission::kConstrained}) {
    EXPECT_EQ(ParsePermission(PermissionName(p)), p);
  }
  EXPECT_EQ(PermissionName(Permission::kNotAllowed), "notAllowed");
  for (Verdict v : {Verdict::kAllowed, Verdict::kNotAllowed, Verdict::kConstrained,
                    Verdict::kDisputed, Verdict::kUnregistered}) {
    EXPECT_EQ(ParseVerdict(VerdictName(v)), v);
  }
  for (TermsSource s : {TermsSource::kUnset, TermsSource::kWork, TermsSource::kArtistDefault}) {
    EXPECT_EQ(ParseTermsSource(TermsSourceName(s)), s);
  }
  for (ExportFormat f : kAllExportFormats) EXPECT_EQ(ParseExportFormat(ExportFormatName(f)), f);
  EXPECT_EQ(ExportContentType(ExportFormat::kCawg), "application/json");
}

TEST(StatementPayloadTest, CommonFieldsComeFirstThenTheBody) {
  boost::json::object body{{"work", "wk_x"}, {"reason", "mine"}};
  EXPECT_EQ(StatementPayload(StatementType::kWorkWithdraw, "ar_a", 3, "2026-11-23T12:00:00Z", body),
            R"({"type":"work.withdraw","artist":"ar_a","seq":3,)"
            R"("issued_at":"2026-11-23T12:00:00Z","work":"wk_x","reason":"mine"})");
  for (std::uint8_t i = 0; i < 8; ++i) {
    const auto t = static_cast<StatementType>(i);
    EXPECT_EQ(ParseStatementType(StatementTypeName(t)), t);
  }
  EXPECT_FALSE(ParseStatementType("work.delete").has_value());
  EXPECT_EQ(StatementTypeList(),
            "artist.register, artist.rotate_key, artist.default_terms, work.register, work.terms, "
            "work.withdraw, dispute.open, dispute.resolve");
}

TEST(ProblemTest, ExtensionMembersRoundTrip) {
  Problem p;
  p.title = "invalid argument";
  p.status = 400;
  p.detail = "work.register: field \"isrc\" is invalid";
  p.code = "invalid_argument";
  p.field = "isrc";
  const std::string text = ProblemToJson(p);
  EXPECT_EQ(text,
            R"({"type":"about:blank","title":"invalid argument","status":400,)"
            R"("detail":"work.register: field \"isrc\" is invalid","code":"invalid_argument",)"
            R"("field":"isrc"})");
  auto back = ParseProblem(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, p);
  // The 409 of another file of a registered recording names the work.
  Problem same;
  same.title = "already exists";
  same.status = 409;
  same.detail = "work.register: same recording as wk_0123456789abcdef0123456789abcdef";
  same.code = "already_exists";
  same.field = "fingerprint";
  same.work_id = "wk_0123456789abcdef0123456789abcdef";
  const std::string same_text = ProblemToJson(same);
  EXPECT_NE(same_text.find(R"("work_id":"wk_0123456789abcdef0123456789abcdef")"),
            std::string::npos);
  EXPECT_EQ(ParseProblem(same_text).value(), same);
  EXPECT_FALSE(ParseProblem(R"({"work_id": 7})").ok());
}

TEST(ProblemTest, AbsentMembersStayEmptyAndWrongTypesAreRefused) {
  auto plain = ParseProblem(R"({"title":"Conflict","status":409,"extra":[1]})");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->type, "about:blank");
  EXPECT_EQ(plain->status, 409);
  EXPECT_TRUE(plain->code.empty());
  EXPECT_TRUE(plain->field.empty());
  // Found by the fuzzer: a document without "status" survives its own JSON.
  auto no_status = ParseProblem(R"({"title":"x","code":"internal"})");
  ASSERT_TRUE(no_status.ok());
  EXPECT_EQ(no_status->status, 0);
  EXPECT_EQ(ParseProblem(ProblemToJson(*no_status)).value(), *no_status);
  EXPECT_FALSE(ParseProblem(R"({"field": 3})").ok());
  EXPECT_FALSE(ParseProblem(R"({"status": "400"})").ok());
  EXPECT_FALSE(ParseProblem("[]").ok());
  EXPECT_FALSE(ParseProblem("<h1>Bad gateway</h1>").ok());
}

TEST(ProblemTest, EveryStatusCodeHasAStableNameThatMapsBack) {
  using C = Status::Code;
  for (C c : {C::kOk, C::kInvalidArgument, C::kUnauthenticated, C::kPermissionDenied, C::kNotFound,
              C::kAlreadyExists, C::kFailedPrecondition, C::kResourceExhausted, C::kUnavailable,
              C::kInternal, C::kIoError}) {
    EXPECT_EQ(StatusCodeFromProblemCode(ProblemCode(c)), c) << ProblemCode(c);
  }
  EXPECT_EQ(ProblemCode(C::kFailedPrecondition), "failed_precondition");
  EXPECT_FALSE(StatusCodeFromProblemCode("conflict").has_value());
}

}  // namespace
}  // namespace signet::protocol

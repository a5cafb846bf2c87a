// The CLI builds statements without linking the registry: it signs payloads
// built by protocol/statement_payload.h from the terms it reads
// (tools/signet/terms_input.h). These tests hold them to the registry's own
// parser: every payload the CLI signs must be accepted by
// registry::ParseStatement and its envelope must verify (tests may link the
// registry; the signet binary may not).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>

#include "crypto/dsse.h"
#include "fingerprint/codec.h"
#include "protocol/ids.h"
#include "protocol/statement_payload.h"
#include "protocol/time.h"
#include "registry/statement.h"
#include "tools/signet/terms_input.h"

namespace signet::cli {
namespace {
namespace json = boost::json;

using protocol::StatementType;

// Signs `body` as `type` the way the CLI does (whole-second issued_at) and
// parses the result back as the registry would.
Result<registry::Statement> RoundTrip(const crypto::SecretKey& key, StatementType type,
                                      const std::string& artist, const json::object& body) {
  const std::string issued_at =
      protocol::FormatRfc3339Utc(protocol::SystemNowMicros(), protocol::TimeFraction::kNone);
  const std::string envelope_json =
      protocol::SignStatement(key, protocol::StatementPayload(type, artist, 7, issued_at, body));
  SIGNET_ASSIGN_OR_RETURN(crypto::dsse::Envelope env, crypto::dsse::ParseJson(envelope_json));
  EXPECT_EQ(env.payload_type, registry::kStatementPayloadType);
  SIGNET_RETURN_IF_ERROR(crypto::dsse::Verify(env, key.public_key()));
  return registry::ParseStatement(env.payload, protocol::SystemNowMicros(), 300'000'000);
}

TEST(StatementsTest, PayloadsTheCliBuildsAreValidStatements) {
  auto key = crypto::SecretKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string artist = crypto::ArtistId(key->public_key());

  auto reg = RoundTrip(*key, StatementType::kArtistRegister, artist,
                       {{"public_key", crypto::PublicKeyToText(key->public_key())},
                        {"display_name", "Ada Lovelace"}});
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  EXPECT_EQ(reg->seq, 7u);
  EXPECT_EQ(reg->artist, artist);

  fp::RawFingerprint raw;
  for (std::uint32_t i = 0; i < 400; ++i) raw.values.push_back(i * 2654435761u);
  json::object work{{"title", "Loyalists"},
                    {"credits", json::array{json::object{{"name", "Ada"}, {"role", "composer"}}}},
                    {"duration", 49.5},
                    {"fingerprint", fp::EncodeFingerprint(raw)},
                    {"sha256", std::string(64, 'a')},
                    {"isrc", "GBAYE0601498"}};
  auto wr = RoundTrip(*key, StatementType::kWorkRegister, artist, work);
  ASSERT_TRUE(wr.ok()) << wr.status().ToString();
  const auto& body = std::get<registry::WorkRegisterBody>(wr->body);
  EXPECT_EQ(body.fingerprint_values, raw.values);

  auto terms =
      TermsFromAssignments({"ai_generative_training=notAllowed", "ai_training=constrained"},
                           {"https://ada.example/licence"}, "mailto:ada@example.org", "");
  ASSERT_TRUE(terms.ok()) << terms.status().ToString();
  auto wt = RoundTrip(*key, StatementType::kWorkTerms, artist,
                      {{"work", protocol::WorkIdFor(artist, raw.values)}, {"terms", *terms}});
  ASSERT_TRUE(wt.ok()) << wt.status().ToString();
  const auto& t = std::get<registry::WorkTermsBody>(wt->body).terms;
  ASSERT_TRUE(t.at(registry::Purpose::kAiGenerativeTraining).has_value());
  EXPECT_EQ(t.at(registry::Purpose::kAiGenerativeTraining)->value,
            registry::Permission::kNotAllowed);
  ASSERT_TRUE(t.at(registry::Purpose::kAiTraining).has_value());
  EXPECT_EQ(t.at(registry::Purpose::kAiTraining)->constraint_info.licences,
            std::vector<std::string>{"https://ada.example/licence"});

  auto def = RoundTrip(*key, StatementType::kArtistDefaultTerms, artist, {{"terms", *terms}});
  ASSERT_TRUE(def.ok()) << def.status().ToString();
}

TEST(StatementsTest, TermsAssignmentsAreCheckedBeforeAnythingIsSent) {
  EXPECT_FALSE(TermsFromAssignments({"ai_generative_training"}, {}, "", "").ok());
  EXPECT_FALSE(TermsFromAssignments({"genai=notAllowed"}, {}, "", "").ok());
  EXPECT_FALSE(TermsFromAssignments({"ai_training=maybe"}, {}, "", "").ok());
  EXPECT_FALSE(TermsFromAssignments({"ai_training=constrained"}, {}, "", "").ok());
  EXPECT_FALSE(TermsFromAssignments({"ai_training=allowed"}, {"https://x"}, "", "").ok());
  EXPECT_FALSE(TermsFromAssignments({"search=allowed", "search=notAllowed"}, {}, "", "").ok());
  auto ok = TermsFromAssignments({"search=ALLOWED", "data_mining=not_allowed"}, {}, "", "");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(json::serialize(*ok),
            R"({"search":{"use":"allowed"},"data_mining":{"use":"notAllowed"}})");
}

TEST(StatementsTest, TermsFilesInShortAndFullForm) {
  const auto path = std::filesystem::temp_directory_path() / "signet_terms_test.json";
  std::ofstream(path) << R"({"ai_generative_training": "notAllowed",
      "ai_training": {"use": "constrained", "constraint_info": {"licences": ["https://l"]}}})";
  auto t = LoadTermsFile(path);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(json::serialize(*t),
            R"({"ai_generative_training":{"use":"notAllowed"},)"
            R"("ai_training":{"use":"constrained","constraint_info":{"licences":["https://l"]}}})");
  std::ofstream(path) << R"({"genai": "notAllowed"})";
  EXPECT_FALSE(LoadTermsFile(path).ok());
  std::ofstream(path) << R"({"search": "constrained"})";
  EXPECT_FALSE(LoadTermsFile(path).ok());
  std::ofstream(path) << "not json";
  EXPECT_FALSE(LoadTermsFile(path).ok());
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace signet::cli

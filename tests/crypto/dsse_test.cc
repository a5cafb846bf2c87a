#include "crypto/dsse.h"

#include <gtest/gtest.h>

namespace signet::crypto::dsse {
namespace {

constexpr std::string_view kType = "application/vnd.signet.statement+json";

SecretKey NewKey() { return std::move(SecretKey::Generate()).value(); }

TEST(Dsse, PaeKnownAnswerFromSpec) {
  // secure-systems-lab/dsse protocol.md, "Test Vectors".
  EXPECT_EQ(Pae("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  EXPECT_EQ(Pae("", ""), "DSSEv1 0  0 ");
}

TEST(Dsse, SignVerifyAndJsonRoundTrip) {
  SecretKey key = NewKey();
  const std::string payload = R"({"type":"work.register","seq":1})";
  Envelope env = Sign(kType, payload, key);
  ASSERT_EQ(env.signatures.size(), 1u);
  EXPECT_EQ(env.signatures[0].keyid, DsseKeyId(key.public_key()));
  EXPECT_TRUE(Verify(env, key.public_key()).ok());

  const std::string json = ToJson(env);
  EXPECT_EQ(json.rfind(R"({"payloadType":")", 0), 0u) << json;
  Result<Envelope> back = ParseJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->payload, payload);
  EXPECT_EQ(back->payload_type, kType);
  EXPECT_TRUE(Verify(*back, key.public_key()).ok());
  // The signature is over PAE, not over the payload alone.
  EXPECT_TRUE(VerifySignature(key.public_key(), Pae(kType, payload), env.signatures[0].sig).ok());
  EXPECT_FALSE(VerifySignature(key.public_key(), payload, env.signatures[0].sig).ok());
}

TEST(Dsse, RejectsTamperingWrongKeyAndTruncation) {
  SecretKey key = NewKey();
  SecretKey other = NewKey();
  const Envelope env = Sign(kType, R"({"terms":"notAllowed"})", key);

  Envelope tampered = env;
  tampered.payload = R"({"terms":"allowed"})";
  EXPECT_EQ(Verify(tampered, key.public_key()).code(), Status::Code::kUnauthenticated);

  Envelope retyped = env;
  retyped.payload_type = "application/json";
  EXPECT_FALSE(Verify(retyped, key.public_key()).ok());

  EXPECT_FALSE(Verify(env, other.public_key()).ok());

  Envelope truncated = env;
  truncated.signatures[0].sig.pop_back();
  EXPECT_FALSE(Verify(truncated, key.public_key()).ok());

  Envelope unsigned_env = env;
  unsigned_env.signatures.clear();
  EXPECT_FALSE(Verify(unsigned_env, key.public_key()).ok());

  // A forged keyid does not help: the keyid is a hint only.
  Envelope relabelled = Sign(kType, env.payload, other);
  relabelled.signatures[0].keyid = DsseKeyId(key.public_key());
  EXPECT_FALSE(Verify(relabelled, key.public_key()).ok());

  // Any one valid signature among several is enough.
  Envelope two = relabelled;
  two.signatures.push_back(env.signatures[0]);
  EXPECT_TRUE(Verify(two, key.public_key()).ok());
}

std::string Field(const Status& s) { return s.message(); }

TEST(Dsse, StrictJsonParsing) {
  SecretKey key = NewKey();
  const Envelope env = Sign(kType, "hello", key);
  const std::string sig = Base64Encode(env.signatures[0].sig);
  const std::string good_sigs = R"([{"keyid":"k","sig":")" + sig + R"("}])";
  auto doc = [&](std::string type, std::string payload, std::string sigs) {
    return R"({"payloadType":)" + type + R"(,"payload":)" + payload + R"(,"signatures":)" + sigs +
           "}";
  };
  ASSERT_TRUE(ParseJson(doc("\"" + std::string(kType) + "\"", "\"aGVsbG8=\"", good_sigs)).ok());

  struct Case {
    std::string json;
    std::string names;  // must appear in the error message
  };
  const std::string t = "\"" + std::string(kType) + "\"";
  const Case cases[] = {
      {R"({"payload":"aGVsbG8=","signatures":[]})", "payloadType"},
      {R"({"payloadType":"x","signatures":)" + good_sigs + "}", "payload"},
      {R"({"payloadType":"x","payload":"aGVsbG8="})", "signatures"},
      {doc("1", "\"aGVsbG8=\"", good_sigs), "payloadType"},
      {doc(t, "null", good_sigs), "payload"},
      {doc(t, "\"aGVsbG8\"", good_sigs), "payload"},   // bad padding
      {doc(t, "\"aGVsbG8*\"", good_sigs), "payload"},  // bad character
      {doc(t, "\"aGVsbG9=\"", good_sigs), "payload"},  // non-canonical bits
      {doc(t, "\"aGVsbG8=\"", "{}"), "signatures"},
      {doc(t, "\"aGVsbG8=\"", "[]"), "signatures"},
      {doc(t, "\"aGVsbG8=\"", "[1]"), "signatures[0]"},
      {doc(t, "\"aGVsbG8=\"", R"([{"keyid":"k"}])"), "signatures[0].sig"},
      {doc(t, "\"aGVsbG8=\"", R"([{"keyid":7,"sig":")" + sig + R"("}])"), "signatures[0].keyid"},
      {doc(t, "\"aGVsbG8=\"", R"([{"sig":")" + sig.substr(4) + R"("}])"), "signatures[0].sig"},
      {doc(t, "\"aGVsbG8=\"", R"([{"sig":")" + sig + R"(","x":1}])"), "signatures[0].x"},
      {doc(t, "\"aGVsbG8=\"", good_sigs).insert(1, R"("extra":true,)"), "extra"},
      {doc(t, "\"aGVsbG8=\"", good_sigs).insert(1, R"("payload":"eA==",)"), "duplicate"},
      {doc(t, "\"aGVsbG8=\"", good_sigs) + "x", "JSON"},
      {"[" + doc(t, "\"aGVsbG8=\"", good_sigs) + "]", "object"},
      {"", "JSON"},
      {doc("\"\"", "\"aGVsbG8=\"", good_sigs), "payloadType"},
      {doc("\"" + std::string(300, 'a') + "\"", "\"aGVsbG8=\"", good_sigs), "payloadType"},
  };
  for (const Case& c : cases) {
    Result<Envelope> r = ParseJson(c.json);
    ASSERT_FALSE(r.ok()) << "accepted: " << c.json;
    EXPECT_NE(Field(r.status()).find(c.names), std::string::npos)
        << "error \"" << r.status().message() << "\" does not name " << c.names;
  }
}

TEST(Dsse, SizeLimits) {
  SecretKey key = NewKey();
  EnvelopeLimits limits;
  limits.max_json_bytes = 1000;
  limits.max_signatures = 2;
  const Envelope big = Sign(kType, std::string(2000, 'x'), key);
  EXPECT_EQ(ParseJson(ToJson(big), limits).status().code(), Status::Code::kResourceExhausted);
  Envelope many = Sign(kType, "x", key);
  many.signatures.resize(3, many.signatures[0]);
  EXPECT_EQ(ParseJson(ToJson(many), limits).status().code(), Status::Code::kResourceExhausted);
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_FALSE(ParseJson(deep).ok());
}

}  // namespace
}  // namespace signet::crypto::dsse

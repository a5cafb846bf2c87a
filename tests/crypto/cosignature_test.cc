#include "crypto/cosignature.h"

#include <gtest/gtest.h>

#include "crypto/encoding.h"
#include "crypto/merkle.h"

namespace signet::crypto::cosig {
namespace {

// Produced with Go's standard library alone (crypto/ed25519, crypto/sha256),
// following c2sp.org/tlog-cosignature: seed 00 01 .. 1f, name
// "witness.test/w1", time 1679315147, over the one-leaf checkpoint that
// note_test.cc's Go vectors sign.
constexpr std::string_view kGoWitnessVkey =
    "witness.test/w1+a67560cf+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
constexpr std::string_view kGoCosignatureLine =
    "\xE2\x80\x94 witness.test/w1 "
    "pnVgzwAAAABkGFDLQQ1AK0cqpDT+C9SVSsM539FwLspau9iTeFhucpwfmg+u1cVC47mzS7mNhxvHz++SZhBCXR8Q67Hm"
    "FuUcY0tSDg==\n";
constexpr std::string_view kBody =
    "signet.test/log\n1\niipcm3aIJ95alVLDigRMZpWcaPbS8htSYK9U0vh9uCc=\n";

SecretKey KeyFromSeedByte(std::uint8_t first) {
  Bytes seed(32);
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(first + i);
  return SecretKey::FromSeed(seed).value();
}

note::Signer LogSigner() {
  return note::Signer::Create("signet.test/log", KeyFromSeedByte(100)).value();
}

Cosigner Witness(std::string_view name, std::uint8_t seed) {
  return Cosigner::Create(name, KeyFromSeedByte(seed)).value();
}

TEST(Cosignature, KeyTextAndSignatureLineMatchGo) {
  Cosigner w = Witness("witness.test/w1", 0);
  EXPECT_EQ(w.verifier().ToText(), kGoWitnessVkey);
  EXPECT_EQ(*w.Cosign(kBody, 1679315147), kGoCosignatureLine);
  Result<CosignatureVerifier> v = CosignatureVerifier::Parse(kGoWitnessVkey);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->key_id(), 0xa67560cfu);
  auto parsed = note::Parse(std::string(kBody) + "\n" + std::string(kGoCosignatureLine));
  ASSERT_TRUE(parsed.ok());
  auto cos = VerifyCosignatures(*parsed, std::span(&*v, 1));
  ASSERT_TRUE(cos.ok()) << cos.status().ToString();
  ASSERT_EQ(cos->size(), 1u);
  EXPECT_EQ((*cos)[0].witness, "witness.test/w1");
  EXPECT_EQ((*cos)[0].timestamp, 1679315147u);
}

TEST(Cosignature, NoteKeyAndCosignatureKeyAreNotInterchangeable) {
  // Same name and public key, other signature type: other key id, other vkey.
  const std::string note_vkey =
      "witness.test/w1+" +
      note::KeyIdHex(
          note::KeyId("witness.test/w1", Witness("witness.test/w1", 0).verifier().public_key())) +
      "+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
  EXPECT_TRUE(note::Verifier::Parse(note_vkey).ok());
  Result<CosignatureVerifier> as_witness = CosignatureVerifier::Parse(note_vkey);
  EXPECT_FALSE(as_witness.ok());
  EXPECT_NE(as_witness.status().message().find("0x04"), std::string::npos);
  EXPECT_FALSE(note::Verifier::Parse(kGoWitnessVkey).ok());
}

TEST(Cosignature, PolicyCountsOnlyValidCosignaturesOfNamedWitnesses) {
  note::Signer log = LogSigner();
  Checkpoint cp{"signet.test/log", 5, merkle::LeafHash("x"), {}};
  std::string signed_note = *SignCheckpoint(cp, log);
  const std::string body = *FormatCheckpointBody(cp);
  Cosigner w1 = Witness("w1.example", 1), w2 = Witness("w2.example", 2),
           w3 = Witness("w3.example", 3), stranger = Witness("stranger.example", 4);
  std::string lines = *w1.Cosign(body, 10) + *w3.Cosign(body, 11) + *stranger.Cosign(body, 12);
  Result<std::string> cosigned = AppendSignatureLines(signed_note, lines);
  ASSERT_TRUE(cosigned.ok()) << cosigned.status().ToString();

  WitnessPolicy policy{{w1.verifier(), w2.verifier(), w3.verifier()}, 2};
  auto ok = OpenWitnessedCheckpoint(*cosigned, log.verifier(), policy, "signet.test/log");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->checkpoint, cp);
  ASSERT_EQ(ok->cosignatures.size(), 2u);
  EXPECT_EQ(ok->cosignatures[0].witness, "w1.example");
  EXPECT_EQ(ok->cosignatures[1].witness, "w3.example");

  policy.required = 3;
  auto too_few = OpenWitnessedCheckpoint(*cosigned, log.verifier(), policy);
  EXPECT_EQ(too_few.status().code(), Status::Code::kUnauthenticated);
  EXPECT_NE(too_few.status().message().find("2 of the 3 required"), std::string::npos)
      << too_few.status().message();
  EXPECT_NE(too_few.status().message().find("missing: w2.example"), std::string::npos);

  // The log's signature is still required: witnesses alone do not make a checkpoint.
  std::string without_log = body + "\n" + lines;
  EXPECT_FALSE(OpenWitnessedCheckpoint(without_log, log.verifier(), {}).ok());
  // Policy 0 of n with no witnesses is the plain log check.
  EXPECT_TRUE(OpenWitnessedCheckpoint(signed_note, log.verifier(), {}).ok());
}

TEST(Cosignature, AlteredCosignatureIsAnErrorNotASkip) {
  note::Signer log = LogSigner();
  Checkpoint cp{"signet.test/log", 5, merkle::LeafHash("x"), {}};
  const std::string body = *FormatCheckpointBody(cp);
  Cosigner w1 = Witness("w1.example", 1);
  // A cosignature over another checkpoint body under the same key.
  Checkpoint other = cp;
  other.size = 6;
  std::string wrong = *w1.Cosign(*FormatCheckpointBody(other), 10);
  auto cosigned = AppendSignatureLines(*SignCheckpoint(cp, log), wrong);
  ASSERT_TRUE(cosigned.ok());
  WitnessPolicy policy{{w1.verifier()}, 0};
  auto r = OpenWitnessedCheckpoint(*cosigned, log.verifier(), policy);
  EXPECT_EQ(r.status().code(), Status::Code::kUnauthenticated);
  EXPECT_NE(r.status().message().find("does not verify"), std::string::npos);
  // A timestamp changed after signing.
  std::string line = *w1.Cosign(body, 10);
  std::string decoded_line = line.substr(line.find(' ', 4) + 1);
  decoded_line.pop_back();
  Bytes raw = *Base64Decode(decoded_line);
  raw[11] ^= 1;
  std::string forged = "\xE2\x80\x94 w1.example " + Base64Encode(raw) + "\n";
  r = OpenWitnessedCheckpoint(*AppendSignatureLines(*SignCheckpoint(cp, log), forged),
                              log.verifier(), policy);
  EXPECT_EQ(r.status().code(), Status::Code::kUnauthenticated);
  // A line of the wrong length under the witness's key id.
  raw.resize(40);
  forged = "\xE2\x80\x94 w1.example " + Base64Encode(raw) + "\n";
  r = OpenWitnessedCheckpoint(*AppendSignatureLines(*SignCheckpoint(cp, log), forged),
                              log.verifier(), policy);
  EXPECT_EQ(r.status().code(), Status::Code::kUnauthenticated);
}

TEST(Cosignature, AppendSignatureLinesSkipsDuplicatesAndRefusesJunk) {
  note::Signer log = LogSigner();
  Checkpoint cp{"signet.test/log", 1, merkle::LeafHash("x"), {}};
  std::string signed_note = *SignCheckpoint(cp, log);
  std::string line = *Witness("w1.example", 1).Cosign(*FormatCheckpointBody(cp), 7);
  std::string once = *AppendSignatureLines(signed_note, line);
  EXPECT_EQ(*AppendSignatureLines(once, line), once);
  EXPECT_EQ(*AppendSignatureLines(signed_note, ""), signed_note);
  EXPECT_FALSE(AppendSignatureLines(signed_note, "hello\n").ok());
  EXPECT_FALSE(AppendSignatureLines(signed_note, line.substr(0, line.size() - 1)).ok());
  EXPECT_FALSE(AppendSignatureLines("not a note", line).ok());
}

}  // namespace
}  // namespace signet::crypto::cosig

#include "crypto/note.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "crypto/checkpoint.h"
#include "crypto/merkle.h"

namespace signet::crypto::note {
namespace {

// Produced by Go's golang.org/x/mod/sumdb/note (Debian golang-golang-x-mod-dev):
// note.GenerateKey(bytes.NewReader(seed 00 01 .. 1f), "signet.test/log") and
// note.Sign of a one-leaf checkpoint whose root is tlog.RecordHash("hello").
constexpr std::string_view kGoSignerKey =
    "PRIVATE+KEY+signet.test/log+fd1ed69e+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
constexpr std::string_view kGoVerifierKey =
    "signet.test/log+fd1ed69e+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
constexpr std::string_view kGoSignedNote =
    "signet.test/log\n1\niipcm3aIJ95alVLDigRMZpWcaPbS8htSYK9U0vh9uCc=\n\n"
    "\xE2\x80\x94 signet.test/log "
    "/R7WnoadNgInwkkO/"
    "NYnRZ2jcd+MGt6PvF2r8MyIBCbHNSVo1feQb5YgxgRb8FeR6CfEyTZVECzdJpyoQroDlMi4xAY=\n";

Bytes Seed0To31() {
  Bytes seed(32);
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(i);
  return seed;
}

Signer GoSigner() {
  return std::move(Signer::Create("signet.test/log", SecretKey::FromSeed(Seed0To31()).value()))
      .value();
}

TEST(Note, KeyTextsAndSignatureMatchGo) {
  Signer s = GoSigner();
  EXPECT_EQ(s.key_id(), 0xfd1ed69eu);
  EXPECT_EQ(s.SignerKeyText(), kGoSignerKey);
  EXPECT_EQ(s.verifier().ToText(), kGoVerifierKey);
  // Ed25519 is deterministic, so our signed note is byte-identical to Go's.
  const std::string body = "signet.test/log\n1\n" + Base64Encode(merkle::LeafHash("hello")) + "\n";
  EXPECT_EQ(*s.Sign(body), kGoSignedNote);

  Result<Verifier> v = Verifier::Parse(kGoVerifierKey);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*Open(kGoSignedNote, *v), body);
  Result<Signer> parsed = Signer::Parse(kGoSignerKey);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->public_key(), s.public_key());
}

TEST(Note, KeyTextsRejectDamage) {
  const std::string v(kGoVerifierKey);
  EXPECT_FALSE(Verifier::Parse("signet.test/log+fd1ed69f+" + v.substr(25)).ok()) << "wrong id";
  EXPECT_FALSE(Verifier::Parse("other.log+fd1ed69e+" + v.substr(25)).ok()) << "wrong name";
  EXPECT_FALSE(Verifier::Parse("signet.test/log+fd1ed69e").ok());
  EXPECT_FALSE(Verifier::Parse("signet.test/log+fd1ed6+" + v.substr(25)).ok());
  EXPECT_FALSE(
      Verifier::Parse("signet.test/log+fd1ed69e+AgOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4").ok())
      << "algorithm 0x02";
  EXPECT_FALSE(Verifier::Parse("bad name+fd1ed69e+" + v.substr(25)).ok());
  EXPECT_FALSE(Signer::Parse(std::string(kGoSignerKey).replace(0, 7, "PRIVATX")).ok());
  EXPECT_FALSE(Signer::Parse(std::string(kGoSignerKey).replace(29, 1, "0")).ok()) << "wrong id";
  EXPECT_FALSE(Signer::Create("has space", SecretKey::Generate().value()).ok());
  EXPECT_FALSE(Signer::Create("has+plus", SecretKey::Generate().value()).ok());
  EXPECT_FALSE(Signer::Create("", SecretKey::Generate().value()).ok());
  EXPECT_FALSE(IsValidKeyName("nbsp\xC2\xA0here"));
  EXPECT_FALSE(IsValidKeyName("bad\xFFutf8"));
  EXPECT_TRUE(IsValidKeyName("signet.example/log"));
}

TEST(Note, OpenRejectsTamperingAndForeignKeys) {
  Signer s = GoSigner();
  Verifier v = s.verifier();
  const std::string note(kGoSignedNote);
  ASSERT_TRUE(Open(note, v).ok());

  std::string changed = note;
  changed[16] = '2';  // tree size 1 -> 2
  EXPECT_EQ(Open(changed, v).status().code(), Status::Code::kUnauthenticated);

  Signer other =
      std::move(Signer::Create("signet.test/log", SecretKey::Generate().value())).value();
  EXPECT_EQ(Open(note, other.verifier()).status().code(), Status::Code::kUnauthenticated)
      << "same name, other key";
  Signer renamed =
      std::move(Signer::Create("other.log", SecretKey::FromSeed(Seed0To31()).value())).value();
  EXPECT_FALSE(Open(note, renamed.verifier()).ok()) << "same key, other name";

  // Flip one bit of the signature (inside the base64).
  std::string badsig = note;
  const std::size_t pos = badsig.rfind(' ') + 20;
  badsig[pos] = badsig[pos] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Open(badsig, v).ok());

  // A second, foreign signature is ignored; a second bad one by our key is not.
  const std::string cosigned = *other.Sign(Open(note, v).value());
  const std::string both = note + cosigned.substr(cosigned.rfind("\n\n") + 2);
  EXPECT_TRUE(Open(both, v).ok());
  EXPECT_TRUE(Open(both, other.verifier()).ok());
  const std::string forged = badsig + note.substr(note.rfind("\n\n") + 2);
  EXPECT_FALSE(Open(forged, v).ok());
}

TEST(Note, ParseRejectsMalformedNotes) {
  const std::string note(kGoSignedNote);
  const std::string text = note.substr(0, note.rfind("\n\n") + 1);
  const std::string sigline = note.substr(note.rfind("\n\n") + 2);
  const std::string cases[] = {
      "",
      text,                                                 // no signatures
      text + "\n",                                          // blank line, nothing after
      text + "\n" + sigline.substr(0, sigline.size() - 1),  // no final newline
      text + "\n- signet.test/log AAAA\n",                  // ASCII dash
      text + "\n\xE2\x80\x94 signet.test/log\n",            // no base64
      text + "\n\xE2\x80\x94 signet.test/log AAAAAA==\n",   // shorter than 5 bytes
      text + "\n\xE2\x80\x94 signet.test/log !!!!\n",       // bad base64
      text + "\n\xE2\x80\x94 signet.test/log " + sigline.substr(sigline.rfind(' ') + 1, 10) +
          "\n",                         // truncated base64
      "bad\tchar\n\n" + sigline,        // control character
      "bad\xC0\x80utf8\n\n" + sigline,  // overlong UTF-8
  };
  for (const std::string& c : cases) {
    EXPECT_FALSE(Parse(c).ok()) << "accepted: " << c;
  }
  NoteLimits small;
  small.max_note_bytes = 50;
  EXPECT_EQ(Parse(note, small).status().code(), Status::Code::kResourceExhausted);
  std::string many = text + "\n";
  for (int i = 0; i < 101; ++i) many += sigline;
  EXPECT_EQ(Parse(many).status().code(), Status::Code::kResourceExhausted);
}

TEST(Note, SignRejectsBadText) {
  Signer s = GoSigner();
  EXPECT_FALSE(s.Sign("no newline").ok());
  EXPECT_FALSE(s.Sign("").ok());
  EXPECT_FALSE(s.Sign("nul\0byte\n").ok());
  EXPECT_FALSE(s.Sign(std::string("nul\0byte\n", 9)).ok());
  EXPECT_TRUE(s.Sign("multi\nline\n").ok());
}

TEST(Note, SignerKeyFile) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("signet-note-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Signer s = GoSigner();
  const auto path = dir / "log.key";
  ASSERT_TRUE(WriteSignerKeyFile(path, s).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result<Signer> back = ReadSignerKeyFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->SignerKeyText(), s.SignerKeyText());
  EXPECT_EQ(WriteSignerKeyFile(path, s).code(), Status::Code::kAlreadyExists);
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(ReadSignerKeyFile(path).status().code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(ReadSignerKeyFile(dir / "missing").status().code(), Status::Code::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace signet::crypto::note

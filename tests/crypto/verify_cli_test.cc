// End-to-end tests of `signet keygen` and `signet verify`: real files, the real
// signet binary, artefacts produced by crypto/ the way the registry does.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/checkpoint.h"
#include "crypto/dsse.h"
#include "crypto/ed25519.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/receipt.h"

namespace signet::crypto {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int status;
  std::string output;  // stdout and stderr
};

CliRun Signet(const std::string& args) {
  const std::string cmd = std::string(SIGNET_BINARY_DIR) + "/tools/signet/signet " + args + " 2>&1";
  CliRun r{-1, ""};
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class VerifyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("signet-verify-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

TEST_F(VerifyCli, KeygenWritesOwnerOnlyKeyAndRefusesOverwrite) {
  const std::string key = (dir_ / "ada.key").string();
  CliRun r = Signet("keygen --out " + key);
  ASSERT_EQ(r.status, 0) << r.output;
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result<SecretKey> k = ReadSecretKeyFile(key);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_NE(r.output.find(ArtistId(k->public_key())), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(PublicKeyToText(k->public_key())), std::string::npos) << r.output;
  EXPECT_EQ(*ReadPublicKeyFile(key + ".pub"), k->public_key());

  CliRun again = Signet("keygen --out " + key);
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.output.find("refusing to overwrite"), std::string::npos) << again.output;
  EXPECT_EQ(ReadSecretKeyFile(key)->public_key(), k->public_key());

  CliRun log = Signet("keygen --out " + (dir_ / "log.key").string() + " --log-name t.example/log");
  ASSERT_EQ(log.status, 0) << log.output;
  Result<note::Signer> signer = note::ReadSignerKeyFile(dir_ / "log.key");
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  EXPECT_NE(log.output.find(signer->verifier().ToText()), std::string::npos) << log.output;
}

TEST_F(VerifyCli, ReceiptStatementAndConsistency) {
  // An artist signs a statement; a log of 10 statements includes it at index 6.
  SecretKey artist = SecretKey::Generate().value();
  const dsse::Envelope env =
      dsse::Sign("application/vnd.signet.statement+json", R"({"type":"terms"})", artist);
  const std::string env_json = dsse::ToJson(env);
  note::Signer log = note::Signer::Create("t.example/log", SecretKey::Generate().value()).value();
  merkle::MemoryTree tree;
  for (int i = 0; i < 10; ++i) tree.Append(i == 6 ? env_json : "other " + std::to_string(i));
  auto checkpoint = [&](std::uint64_t size) {
    return *SignCheckpoint({"t.example/log", size, *merkle::RootHash(size, tree.Reader()), {}},
                           log);
  };
  const Receipt receipt{6, 10, merkle::LeafHash(env_json),
                        *merkle::InclusionProof(6, 10, tree.Reader()), checkpoint(10)};

  const std::string vkey = Write("log.vkey", log.verifier().ToText() + "\n");
  const std::string rfile = Write("receipt.json", ReceiptToJson(receipt));
  const std::string efile = Write("statement.json", env_json);
  const std::string pub = Write("artist.pub", PublicKeyToText(artist.public_key()) + "\n");

  CliRun ok = Signet("verify receipt --key " + vkey + " " + rfile + " --statement " + efile);
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("leaf 6"), std::string::npos) << ok.output;
  // The key may be given inline, and a trailing newline in the saved
  // statement is tolerated.
  const std::string efile_nl = Write("statement_nl.json", env_json + "\n");
  EXPECT_EQ(Signet("verify receipt --key '" + log.verifier().ToText() + "' " + rfile +
                   " --statement " + efile_nl)
                .status,
            0);

  const std::string other_env =
      Write("other.json", dsse::ToJson(dsse::Sign("application/vnd.signet.statement+json",
                                                  R"({"type":"other"})", artist)));
  CliRun wrong = Signet("verify receipt --key " + vkey + " " + rfile + " --statement " + other_env);
  EXPECT_EQ(wrong.status, 1) << wrong.output;
  EXPECT_NE(wrong.output.find("FAILED"), std::string::npos);

  Receipt bad = receipt;
  bad.inclusion_proof[0][0] ^= 1;
  EXPECT_EQ(
      Signet("verify receipt --key " + vkey + " " + Write("bad.json", ReceiptToJson(bad))).status,
      1);
  note::Signer impostor =
      note::Signer::Create("t.example/log", SecretKey::Generate().value()).value();
  const std::string other_vkey = Write("other.vkey", impostor.verifier().ToText());
  EXPECT_EQ(Signet("verify receipt --key " + other_vkey + " " + rfile).status, 1);
  EXPECT_EQ(Signet("verify receipt --key " + vkey + " " + Write("junk.json", "{}")).status, 1);

  // Statement signatures.
  EXPECT_EQ(Signet("verify statement " + efile + " --public-key " + pub).status, 0);
  EXPECT_EQ(
      Signet("verify statement " + efile + " --public-key " + PublicKeyToText(artist.public_key()))
          .status,
      0);
  SecretKey stranger = SecretKey::Generate().value();
  CliRun forged = Signet("verify statement " + efile + " --public-key " +
                         PublicKeyToText(stranger.public_key()));
  EXPECT_EQ(forged.status, 1) << forged.output;
  dsse::Envelope tampered = env;
  tampered.payload = R"({"type":"TERMS"})";
  EXPECT_EQ(
      Signet("verify statement " + Write("t.json", dsse::ToJson(tampered)) + " --public-key " + pub)
          .status,
      1);

  // Consistency between a checkpoint saved at size 4 and the current one.
  const std::string old_cp = Write("old.cp", checkpoint(4));
  const std::string new_cp = Write("new.cp", checkpoint(10));
  const std::string proof =
      Write("proof.json",
            ConsistencyProofToJson({4, 10, *merkle::ConsistencyProof(4, 10, tree.Reader())}));
  CliRun cons = Signet("verify consistency --key " + vkey + " --old " + old_cp + " --new " +
                       new_cp + " --proof " + proof);
  EXPECT_EQ(cons.status, 0) << cons.output;
  EXPECT_EQ(Signet("verify consistency --key " + vkey + " --old " + new_cp + " --new " + old_cp +
                   " --proof " + proof)
                .status,
            1);
  ConsistencyProofDoc broken{4, 10, *merkle::ConsistencyProof(4, 10, tree.Reader())};
  broken.proof.back()[3] ^= 0x10;
  EXPECT_EQ(Signet("verify consistency --key " + vkey + " --old " + old_cp + " --new " + new_cp +
                   " --proof " + Write("broken.json", ConsistencyProofToJson(broken)))
                .status,
            1);
  EXPECT_EQ(Signet("verify consistency --key " + vkey + " --old " + old_cp + " --new " +
                   (dir_ / "missing").string() + " --proof " + proof)
                .status,
            1);
}

}  // namespace
}  // namespace signet::crypto

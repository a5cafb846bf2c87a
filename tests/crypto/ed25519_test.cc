#include "crypto/ed25519.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "crypto/sha256.h"

namespace signet::crypto {
namespace {

Bytes Hex(std::string_view h) {
  Result<Bytes> b = HexDecode(h);
  EXPECT_TRUE(b.ok()) << h;
  return b.ok() ? *b : Bytes{};
}

struct Rfc8032Vector {
  const char* name;
  const char* secret;
  const char* public_key;
  std::string message_hex;
  const char* signature;
};

// RFC 8032 section 7.1 (Ed25519).
const char kTest1024Message[] =
#include "tests/crypto/rfc8032_test1024_message.inc"

    std::vector<Rfc8032Vector> Vectors() {
  return {
      {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
       "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
       "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
      {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
       "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
       "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
       "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
      {"TEST 1024", "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
       "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e", kTest1024Message,
       "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
       "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"},
      {"TEST SHA(abc)", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
       "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
       "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
       "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
       "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
  };
}

TEST(Ed25519, Rfc8032Vectors) {
  for (const Rfc8032Vector& v : Vectors()) {
    SCOPED_TRACE(v.name);
    Result<SecretKey> key = SecretKey::FromSeed(Hex(v.secret));
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(HexEncode(key->public_key()), v.public_key);
    const Bytes msg = Hex(v.message_hex);
    const Signature sig = key->Sign(msg);
    EXPECT_EQ(HexEncode(sig), v.signature);
    EXPECT_TRUE(VerifySignature(key->public_key(), msg, sig).ok());
  }
  EXPECT_EQ(Hex(kTest1024Message).size(), 1023u) << "TEST 1024's message is 1023 bytes";
}

TEST(Ed25519, VerifyRejectsTamperingWrongKeyAndTruncation) {
  Result<SecretKey> a = SecretKey::Generate();
  Result<SecretKey> b = SecretKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->public_key(), b->public_key());
  const std::string msg = "opt out of ai_generative_training";
  Signature sig = a->Sign(msg);
  EXPECT_TRUE(VerifySignature(a->public_key(), msg, sig).ok());
  EXPECT_EQ(VerifySignature(b->public_key(), msg, sig).code(), Status::Code::kUnauthenticated);
  EXPECT_FALSE(VerifySignature(a->public_key(), "opt in to ai_generative_training", sig).ok());
  EXPECT_FALSE(VerifySignature(a->public_key(), msg, ByteView(sig.data(), 63)).ok());
  Bytes longer(sig.begin(), sig.end());
  longer.push_back(0);
  EXPECT_FALSE(VerifySignature(a->public_key(), msg, longer).ok());
  for (std::size_t bit = 0; bit < 512; bit += 37) {
    Signature flipped = sig;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(VerifySignature(a->public_key(), msg, flipped).ok()) << "bit " << bit;
  }
}

TEST(Ed25519, SecretKeyMoveWipesSource) {
  Result<SecretKey> a = SecretKey::Generate();
  ASSERT_TRUE(a.ok());
  const Bytes seed(a->seed().begin(), a->seed().end());
  SecretKey moved = std::move(*a);
  EXPECT_EQ(Bytes(moved.seed().begin(), moved.seed().end()), seed);
  // The moved-from object's seed bytes are zero: no second copy of the secret.
  const ByteView old = a->seed();  // NOLINT(bugprone-use-after-move): checking the wipe
  EXPECT_EQ(Bytes(old.begin(), old.end()), Bytes(32, 0));
  static_assert(!std::is_copy_constructible_v<SecretKey>);
  static_assert(!std::is_copy_assignable_v<SecretKey>);
}

TEST(Ed25519, ConcurrentFirstUseIsSafe) {
  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&ok, i] {
      Result<SecretKey> k = SecretKey::Generate();
      ok[i] = k.ok() && VerifySignature(k->public_key(), "x", k->Sign("x")).ok();
    });
  }
  for (auto& t : threads) t.join();
  for (int v : ok) EXPECT_EQ(v, 1);
}

TEST(Ed25519, PublicKeyTextRoundTrip) {
  Result<SecretKey> k = SecretKey::FromSeed(Hex(Vectors()[0].secret));
  ASSERT_TRUE(k.ok());
  const std::string text = PublicKeyToText(k->public_key());
  EXPECT_EQ(text, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  EXPECT_EQ(*ParsePublicKey(text + "\n"), k->public_key());
  EXPECT_FALSE(ParsePublicKey("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUR==").ok());
  EXPECT_FALSE(ParsePublicKey(Base64Encode(std::string_view("short"))).ok());
}

TEST(Ed25519, KeyIdsAndArtistId) {
  Result<SecretKey> k = SecretKey::FromSeed(Hex(Vectors()[0].secret));
  ASSERT_TRUE(k.ok());
  const PublicKey& pk = k->public_key();
  const Digest d = Sha256(ByteView(pk));
  EXPECT_EQ(DsseKeyId(pk), HexEncode(ByteView(d.data(), 8)));
  const std::string id = ArtistId(pk);
  EXPECT_TRUE(IsWellFormedArtistId(id)) << id;
  EXPECT_EQ(id.size(), 3u + 24u);
  EXPECT_EQ(id.substr(0, 3), "ar_");
  const Digest expect = Sha256(std::string("signet artist id v1\n") + std::string(AsChars(pk)));
  EXPECT_EQ(id, "ar_" + Base32LowerEncode(ByteView(expect.data(), 15)));
  Result<SecretKey> other = SecretKey::FromSeed(Hex(Vectors()[1].secret));
  EXPECT_NE(ArtistId(other->public_key()), id);
  EXPECT_FALSE(IsWellFormedArtistId("ar_" + std::string(24, '1')));
  EXPECT_FALSE(IsWellFormedArtistId("xx_" + id.substr(3)));
  EXPECT_FALSE(IsWellFormedArtistId(id + "a"));
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("signet-keyfile-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void WriteRaw(const std::filesystem::path& p, const std::string& content, mode_t mode) {
    std::ofstream(p, std::ios::binary) << content;
    ::chmod(p.c_str(), mode);
  }
  std::filesystem::path dir_;
};

TEST_F(KeyFileTest, WritesMode0600AndReadsBack) {
  Result<SecretKey> k = SecretKey::Generate();
  ASSERT_TRUE(k.ok());
  const auto path = dir_ / "artist.key";
  ::umask(022);
  ASSERT_TRUE(WriteSecretKeyFile(path, *k).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result<SecretKey> back = ReadSecretKeyFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->public_key(), k->public_key());
  EXPECT_EQ(HexEncode(back->seed()), HexEncode(k->seed()));
  // No temporary files left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1);
}

TEST_F(KeyFileTest, RefusesToOverwrite) {
  Result<SecretKey> k = SecretKey::Generate();
  const auto path = dir_ / "artist.key";
  ASSERT_TRUE(WriteSecretKeyFile(path, *k).ok());
  Result<SecretKey> k2 = SecretKey::Generate();
  Status s = WriteSecretKeyFile(path, *k2);
  EXPECT_EQ(s.code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(ReadSecretKeyFile(path)->public_key(), k->public_key()) << "original key kept";
}

TEST_F(KeyFileTest, MissingFileSaysHowToCreateOne) {
  Result<SecretKey> r = ReadSecretKeyFile(dir_ / "nope.key");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_NE(r.status().message().find("signet keygen --out"), std::string::npos)
      << r.status().message();
}

TEST_F(KeyFileTest, TooOpenPermissionsSayHowToFix) {
  Result<SecretKey> k = SecretKey::Generate();
  const auto path = dir_ / "artist.key";
  ASSERT_TRUE(WriteSecretKeyFile(path, *k).ok());
  for (mode_t mode : {0640, 0604, 0644, 0660}) {
    ::chmod(path.c_str(), mode);
    Result<SecretKey> r = ReadSecretKeyFile(path);
    ASSERT_FALSE(r.ok()) << std::oct << mode;
    EXPECT_EQ(r.status().code(), Status::Code::kPermissionDenied);
    EXPECT_NE(r.status().message().find("chmod 600 " + path.string()), std::string::npos)
        << r.status().message();
  }
  ::chmod(path.c_str(), 0400);
  EXPECT_TRUE(ReadSecretKeyFile(path).ok()) << "owner-only read is fine";
}

TEST_F(KeyFileTest, MalformedFilesRejected) {
  Result<SecretKey> k = SecretKey::Generate();
  const std::string seed = Base64Encode(k->seed());
  const std::string pub = PublicKeyToText(k->public_key());
  Result<SecretKey> other = SecretKey::Generate();
  const std::string cases[] = {
      "",
      "garbage\n",
      "signet-ed25519-secret-key-v1\nseed " + seed + "\npublic " + pub,  // no final newline
      "signet-ed25519-secret-key-v2\nseed " + seed + "\npublic " + pub + "\n",
      "signet-ed25519-secret-key-v1\nseed " + seed + "\n",
      "signet-ed25519-secret-key-v1\nseed " + seed.substr(4) + "\npublic " + pub + "\n",
      "signet-ed25519-secret-key-v1\nseed " + seed + "x\npublic " + pub + "\n",
      "signet-ed25519-secret-key-v1\nseed " + seed + "\npublic " +
          PublicKeyToText(other->public_key()) + "\n",  // mismatched public key
      "signet-ed25519-secret-key-v1\nseed " + seed + "\npublic " + pub + "\nextra\n",
      std::string(5000, 'a'),
  };
  int i = 0;
  for (const std::string& c : cases) {
    const auto path = dir_ / ("bad" + std::to_string(i++) + ".key");
    WriteRaw(path, c, 0600);
    Result<SecretKey> r = ReadSecretKeyFile(path);
    EXPECT_FALSE(r.ok()) << "accepted case " << i - 1;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << i - 1;
    }
  }
  // The well-formed variant of the same content is accepted.
  const auto good = dir_ / "good.key";
  WriteRaw(good, "signet-ed25519-secret-key-v1\nseed " + seed + "\npublic " + pub + "\n", 0600);
  EXPECT_TRUE(ReadSecretKeyFile(good).ok());
}

TEST_F(KeyFileTest, PublicKeyFile) {
  Result<SecretKey> k = SecretKey::Generate();
  const auto path = dir_ / "artist.key.pub";
  ASSERT_TRUE(WritePublicKeyFile(path, k->public_key()).ok());
  EXPECT_EQ(*ReadPublicKeyFile(path), k->public_key());
  EXPECT_EQ(WritePublicKeyFile(path, k->public_key()).code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(ReadPublicKeyFile(dir_ / "missing.pub").status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace signet::crypto

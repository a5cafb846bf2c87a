// The compressed-fingerprint codec against fpcalc's output, against
// libchromaprint's own encoder (oracle), and against every truncation and many
// mutations of valid strings (run under ASan in CI: no out-of-bounds reads).
#include "fingerprint/codec.h"

#include <chromaprint.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <sstream>

#include "tests/fingerprint/audio_test_util.h"

namespace signet::fp {
namespace {

using testing::CorpusDir;

struct ChromaprintFree {
  void operator()(void* p) const { chromaprint_dealloc(p); }
};

// libchromaprint's encoder, as an oracle.
std::string ChromaprintEncode(const RawFingerprint& fp) {
  char* out = nullptr;
  int size = 0;
  EXPECT_EQ(1, chromaprint_encode_fingerprint(fp.values.data(), static_cast<int>(fp.values.size()),
                                              fp.algorithm, &out, &size, 1));
  std::unique_ptr<void, ChromaprintFree> owned(out);
  return std::string(out, static_cast<std::size_t>(size));
}

// libchromaprint's decoder. Only ever given strings our encoder produced
// (Debian 1.5.1's decoder overflows on malformed input).
RawFingerprint ChromaprintDecodeTrusted(const std::string& s) {
  std::uint32_t* values = nullptr;
  int size = 0;
  int algorithm = -1;
  EXPECT_EQ(1, chromaprint_decode_fingerprint(s.data(), static_cast<int>(s.size()), &values, &size,
                                              &algorithm, 1));
  std::unique_ptr<void, ChromaprintFree> owned(values);
  RawFingerprint fp;
  fp.algorithm = algorithm;
  if (values != nullptr) fp.values.assign(values, values + size);
  return fp;
}

// Fingerprints shaped like real ones (few bits change between neighbours) and
// adversarial ones (random, top bits only, all ones) so that every code path,
// exceptional codes up to the longest gap (31 bits) included, is exercised.
RawFingerprint RandomFingerprint(std::mt19937& rng, std::size_t n, int shape) {
  RawFingerprint fp;
  std::uint32_t v = rng();
  for (std::size_t i = 0; i < n; ++i) {
    switch (shape) {
      case 0:
        v ^= (1u << (rng() % 32)) | (1u << (rng() % 32));
        break;
      case 1:
        v = rng();
        break;
      case 2:
        v = (rng() % 2 == 0) ? 0x80000000u : 0x80000001u;
        break;
      case 3:
        v = rng() % 3 == 0 ? 0xffffffffu : 0u;
        break;
      default:
        v = static_cast<std::uint32_t>(rng() & rng() & rng());
        break;
    }
    fp.values.push_back(v);
  }
  return fp;
}

TEST(FingerprintCodec, EncoderMatchesChromaprintAndRoundTrips) {
  std::mt19937 rng(20261123);
  for (int shape = 0; shape < 5; ++shape) {
    for (std::size_t n : {0, 1, 2, 3, 7, 8, 9, 100, 1000}) {
      RawFingerprint fp = RandomFingerprint(rng, n, shape);
      const std::string ours = EncodeFingerprint(fp);
      EXPECT_EQ(ours, ChromaprintEncode(fp)) << "shape " << shape << " n " << n;
      auto back = DecodeFingerprint(ours);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_EQ(*back, fp);
      if (n > 0) {
        EXPECT_EQ(ChromaprintDecodeTrusted(ours), fp);
      }
    }
  }
}

TEST(FingerprintCodec, AllAlgorithmsRoundTrip) {
  std::mt19937 rng(7);
  for (int algorithm = 0; algorithm <= kMaxFingerprintAlgorithm; ++algorithm) {
    RawFingerprint fp = RandomFingerprint(rng, 50, 0);
    fp.algorithm = algorithm;
    auto back = DecodeFingerprint(EncodeFingerprint(fp));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->algorithm, algorithm);
  }
}

// fpcalc's compressed string decodes to fpcalc's raw values, and encoding those
// values gives fpcalc's string back.
TEST(FingerprintCodec, MatchesFpcalcOnCorpus) {
  SIGNET_REQUIRE_CORPUS_AND("fpcalc");
  for (const char* name : {"defeat.ogg", "silence.ogg", "battle.ogg", "sad.ogg"}) {
    SCOPED_TRACE(name);
    auto text = testing::Fpcalc(CorpusDir() / name);
    auto raw = testing::Fpcalc(CorpusDir() / name, "-raw");
    ASSERT_TRUE(text && raw);
    const std::string encoded = text->substr(text->find("FINGERPRINT=") + 12);
    const std::string compressed = encoded.substr(0, encoded.find('\n'));
    std::string list = raw->substr(raw->find("FINGERPRINT=") + 12);
    std::replace(list.begin(), list.end(), ',', ' ');
    RawFingerprint expected;
    std::istringstream in(list);
    for (std::uint32_t v; in >> v;) expected.values.push_back(v);
    ASSERT_GT(expected.values.size(), 10u);

    auto decoded = DecodeFingerprint(compressed);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->algorithm, 1);
    EXPECT_EQ(decoded->values, expected.values);
    EXPECT_EQ(EncodeFingerprint(expected), compressed);
  }
}

// A proper prefix never carries all the bytes its header promises, so every
// truncation must be rejected (and ASan checks nothing is read past the end).
TEST(FingerprintCodec, EveryTruncationIsRejected) {
  std::mt19937 rng(99);
  std::vector<std::string> valid;
  for (int shape = 0; shape < 5; ++shape)
    valid.push_back(EncodeFingerprint(RandomFingerprint(rng, 40, shape)));
  if (testing::HaveCorpus() && testing::HaveTool("fpcalc")) {
    auto text = testing::Fpcalc(CorpusDir() / "defeat.ogg");
    ASSERT_TRUE(text);
    std::string s = text->substr(text->find("FINGERPRINT=") + 12);
    valid.push_back(s.substr(0, s.find('\n')));
  }
  for (const std::string& s : valid) {
    ASSERT_TRUE(DecodeFingerprint(s).ok());
    for (std::size_t len = 0; len < s.size(); ++len) {
      // A copy of exactly `len` bytes, so ASan sees a read past the prefix.
      const std::unique_ptr<char[]> copy(new char[len + 1]);
      std::copy_n(s.data(), len, copy.get());
      auto r = DecodeFingerprint(std::string_view(copy.get(), len));
      EXPECT_FALSE(r.ok()) << "prefix of length " << len << " of " << s.size() << " accepted";
      if (!r.ok()) {
        EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
      }
    }
  }
}

// Any accepted string is the canonical encoding of what it decodes to.
void ExpectRejectedOrCanonical(const std::string& s) {
  const std::unique_ptr<char[]> copy(new char[s.size() + 1]);
  std::copy_n(s.data(), s.size(), copy.get());
  auto r = DecodeFingerprint(std::string_view(copy.get(), s.size()));
  if (!r.ok()) {
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_FALSE(r.status().message().empty());
    return;
  }
  EXPECT_LE(r->values.size(), kMaxFingerprintValues);
  const std::string again = EncodeFingerprint(*r);
  ASSERT_EQ(again, s) << "accepted a non-canonical string";
  if (!r->values.empty()) {
    EXPECT_EQ(ChromaprintDecodeTrusted(again), *r);
  }
}

TEST(FingerprintCodec, RandomMutationsAreRejectedOrDecodedExactly) {
  std::mt19937 rng(424242);
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=\n ";
  int accepted = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string s = EncodeFingerprint(RandomFingerprint(rng, 1 + rng() % 60, round % 5));
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const std::size_t pos = rng() % s.size();
      switch (rng() % 4) {
        case 0:
          s[pos] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          s.erase(pos, 1);
          break;
        case 2:
          s.insert(pos, 1, alphabet[rng() % alphabet.size()]);
          break;
        default:
          s[pos] = static_cast<char>(rng() % 256);
          break;
      }
    }
    ExpectRejectedOrCanonical(s);
    accepted += DecodeFingerprint(s).ok() ? 1 : 0;
  }
  // Single-character changes inside the normal section often give another valid
  // fingerprint; if none were accepted the oracle above would be idle.
  EXPECT_GT(accepted, 0);
}

TEST(FingerprintCodec, RejectsMalformedInputWithMessages) {
  RawFingerprint fp;
  fp.values = {0x12345678u, 0x12345679u, 0xffffffffu};
  const std::string good = EncodeFingerprint(fp);
  ASSERT_TRUE(DecodeFingerprint(good).ok());

  struct Case {
    std::string input;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"", "shorter than the 4-byte header"},
      {"AQAA", "shorter than the 4-byte header"},
      {"AQAAA", "cannot be complete"},
      {good + "AAAA", "trailing"},
      {std::string(good).replace(good.size() - 1, 1, 1, '='), "not base64url"},
      {std::string(good).replace(0, 1, 1, '+'), "not base64url"},
      {good.substr(0, 5) + "\n" + good.substr(6), "not base64url"},
      // algorithm byte 5
      {EncodeFingerprint(RawFingerprint{5, fp.values}), "unknown algorithm"},
      // count 0xffffff with no data
      {"Af___w", "more than the limit"},
      // count 60,001: above the cap even with plenty of bytes
      {"AQDqYQ" + std::string(40000, 'A'), "more than the limit"},
      // count 1000 with 3 bytes of data
      {"AQAD6AAAAA", "has only"},
  };
  for (const auto& c : cases) {
    auto r = DecodeFingerprint(c.input);
    ASSERT_FALSE(r.ok()) << c.input.substr(0, 40);
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.message_part), std::string::npos) << r.status().message();
  }
}

TEST(FingerprintCodec, RejectsNonCanonicalBits) {
  // One value 0: header 01 000001, normal codes "0" -> byte 0x00.
  EXPECT_TRUE(DecodeFingerprint("AQAAAQA").ok());
  // Same but the unused high bits of the normal byte set (0x08 = second code 1).
  EXPECT_FALSE(DecodeFingerprint("AQAAAQg").ok());
  // Non-zero unused bits in the last base64 character ("AQAAAQA" -> "AQAAAQB").
  EXPECT_FALSE(DecodeFingerprint("AQAAAQB").ok());
  // A value whose codes climb past bit 32: five codes of 7 with exceptional
  // values 0 reach bit 35. Normal bits: 7,7,7,7,7,0 packed LSB-first.
  RawFingerprint high;
  high.values = {0x80000000u};
  const std::string ok = EncodeFingerprint(high);
  auto d = DecodeFingerprint(ok);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->values, high.values);
  // Bit 32 is coded as 7 + exceptional 25; exceptional 26 would be bit 33.
  // Bytes: 01 000001 | normal: code 7, code 0 -> 0x07 | exceptional 26 -> 0x1a.
  EXPECT_EQ(ok, "AQAAAQcZ");
  auto bad = DecodeFingerprint("AQAAAQca");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("beyond 32"), std::string::npos);
}

TEST(FingerprintCodec, EmptyFingerprintIsValidAtCodecLevel) {
  RawFingerprint empty;
  EXPECT_EQ(EncodeFingerprint(empty), ChromaprintEncode(empty));
  auto r = DecodeFingerprint(EncodeFingerprint(empty));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->values.empty());
}

TEST(FingerprintCodec, LargestAllowedCountRoundTrips) {
  std::mt19937 rng(1);
  RawFingerprint fp = RandomFingerprint(rng, kMaxFingerprintValues, 1);
  auto r = DecodeFingerprint(EncodeFingerprint(fp));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->values.size(), kMaxFingerprintValues);
}

}  // namespace
}  // namespace signet::fp

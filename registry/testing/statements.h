// Test support (not for production code): artists with deterministic keys
// that build and sign statement envelopes exactly as a client would, so that
// registry and API tests exercise the real verification path.
//
// Usage:
//   TestArtist alice = TestArtist::FromSeedByte(1, "Alice");
//   auto acc = registry->Submit(alice.Register());
//   auto work = alice.RegisterWork({.title = "Song", .values = RandomFingerprint(1, 200)});
//   registry->Submit(work);
//
// Thread safety: a TestArtist is not thread-safe (it counts seq).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"
#include "registry/statement.h"

namespace signet::registry::testing {

// A fixed instant used as "now" by tests with a fake clock: 2026-01-02T03:04:05Z.
inline constexpr Micros kTestNow = 1767323045LL * 1000000;

// Deterministic pseudo-random sub-fingerprints; different seeds do not match.
std::vector<std::uint32_t> RandomFingerprint(std::uint64_t seed, std::size_t count);
// The compressed (fpcalc) form of raw values.
std::string CompressFingerprint(const std::vector<std::uint32_t>& values);

// A secret key from a 32-byte seed whose bytes are all `seed_byte`.
crypto::SecretKey KeyFromSeedByte(std::uint8_t seed_byte);

// Signs `payload` as a statement envelope (DSSE JSON) with `key`.
std::string SignEnvelope(std::string_view payload, const crypto::SecretKey& key);

// A statement payload: the common fields followed by `body_fields`, which is
// the inside of a JSON object without braces (may be empty), e.g.
// R"("work":"wk_...","reason":"x")".
std::string Payload(std::string_view type, std::string_view artist, std::uint64_t seq,
                    std::string_view issued_at, std::string_view body_fields);

struct WorkSpec {
  std::string title = "Test recording";
  std::vector<std::uint32_t> values;  // raw sub-fingerprints; compressed for the statement
  double duration = 0;                // 0: derived from values (8.08 per second)
  std::string credits_json = R"([{"name":"Test Composer","role":"composer"}])";
  std::optional<std::string> sha256, isrc, iswc;
  // The "landmark" field verbatim (fingerprint/landmark_codec.h), when set.
  std::optional<std::string> landmark;
  // The "musicbrainz_recording_ids" array verbatim (JSON), when set.
  std::optional<std::string> musicbrainz_recording_ids_json;
};

class TestArtist {
 public:
  static TestArtist FromSeedByte(std::uint8_t seed_byte, std::string display_name);

  TestArtist(TestArtist&&) = default;
  TestArtist& operator=(TestArtist&&) = default;

  const std::string& id() const { return id_; }
  const crypto::SecretKey& key() const { return key_; }
  std::uint64_t last_seq() const { return seq_; }
  // Sets the seq the NEXT statement gets minus one (for replay tests).
  void set_last_seq(std::uint64_t s) { seq_ = s; }
  // issued_at of the next statements (default kTestNow).
  void set_issued_at(Micros t) { issued_at_ = t; }

  // Each builder takes the next seq and signs with the current key.
  std::string Register(std::string_view extra_fields = "");
  // Signs the rotation with the current key, then signs with the new one.
  std::string RotateKey(crypto::SecretKey new_key);
  std::string RegisterWork(const WorkSpec& spec);
  std::string SetWorkTerms(std::string_view work_id, std::string_view terms_json);
  std::string SetDefaultTerms(std::string_view terms_json);
  std::string Withdraw(std::string_view work_id);
  std::string OpenDispute(std::string_view my_work, std::string_view other_work,
                          std::string_view reason);
  std::string ResolveDispute(std::string_view dispute_id, std::string_view resolution);
  // Any statement: type + body fields, next seq, signed with the current key.
  std::string Sign(std::string_view type, std::string_view body_fields);

 private:
  TestArtist(crypto::SecretKey key, std::string display_name);

  crypto::SecretKey key_;
  std::string id_;
  std::string display_name_;
  std::uint64_t seq_ = 0;
  Micros issued_at_ = kTestNow;
};

}  // namespace signet::registry::testing

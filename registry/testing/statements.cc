#include "registry/testing/statements.h"

#include <array>
#include <cstdio>
#include <utility>

#include "fingerprint/codec.h"
#include "protocol/statement_payload.h"

namespace signet::registry::testing {

namespace {

std::uint64_t SplitMix64(std::uint64_t& x) {
  x += 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = x;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

std::vector<std::uint32_t> RandomFingerprint(std::uint64_t seed, std::size_t count) {
  // Start each stream at a hashed position: consecutive seeds must not give
  // overlapping (shifted) streams, which would match each other.
  std::uint64_t s = seed;
  std::uint64_t x = SplitMix64(s);
  std::vector<std::uint32_t> out(count);
  for (auto& v : out) v = static_cast<std::uint32_t>(SplitMix64(x) >> 16);
  return out;
}

std::string CompressFingerprint(const std::vector<std::uint32_t>& values) {
  fp::RawFingerprint raw;
  raw.values = values;
  return fp::EncodeFingerprint(raw);
}

crypto::SecretKey KeyFromSeedByte(std::uint8_t seed_byte) {
  std::array<std::uint8_t, 32> seed;
  seed.fill(seed_byte);
  return std::move(crypto::SecretKey::FromSeed(seed).value());
}

std::string SignEnvelope(std::string_view payload, const crypto::SecretKey& key) {
  return protocol::SignStatement(key, payload);
}

std::string Payload(std::string_view type, std::string_view artist, std::uint64_t seq,
                    std::string_view issued_at, std::string_view body_fields) {
  std::string p = R"({"type":")";
  p.append(type).append(R"(","artist":")").append(artist).append(R"(","seq":)");
  p.append(std::to_string(seq)).append(R"(,"issued_at":")").append(issued_at).append("\"");
  if (!body_fields.empty()) p.append(",").append(body_fields);
  p.append("}");
  return p;
}

TestArtist::TestArtist(crypto::SecretKey key, std::string display_name)
    : key_(std::move(key)),
      id_(crypto::ArtistId(key_.public_key())),
      display_name_(std::move(display_name)) {}

TestArtist TestArtist::FromSeedByte(std::uint8_t seed_byte, std::string display_name) {
  return TestArtist(KeyFromSeedByte(seed_byte), std::move(display_name));
}

std::string TestArtist::Sign(std::string_view type, std::string_view body_fields) {
  const std::string payload = Payload(type, id_, ++seq_, FormatRfc3339Utc(issued_at_), body_fields);
  return SignEnvelope(payload, key_);
}

std::string TestArtist::Register(std::string_view extra_fields) {
  std::string body = R"("public_key":")" + crypto::PublicKeyToText(key_.public_key()) +
                     R"(","display_name":")" + display_name_ + "\"";
  if (!extra_fields.empty()) body.append(",").append(extra_fields);
  return Sign("artist.register", body);
}

std::string TestArtist::RotateKey(crypto::SecretKey new_key) {
  std::string env =
      Sign("artist.rotate_key",
           R"("new_public_key":")" + crypto::PublicKeyToText(new_key.public_key()) + "\"");
  key_ = std::move(new_key);
  return env;
}

std::string TestArtist::RegisterWork(const WorkSpec& spec) {
  const double duration =
      spec.duration > 0 ? spec.duration : static_cast<double>(spec.values.size()) / 8.08 + 1;
  char dur[32];
  std::snprintf(dur, sizeof dur, "%.3f", duration);
  std::string body = R"("title":")" + spec.title + R"(","credits":)" + spec.credits_json +
                     R"(,"duration":)" + dur + R"(,"fingerprint":")" +
                     CompressFingerprint(spec.values) + "\"";
  if (spec.sha256) body += R"(,"sha256":")" + *spec.sha256 + "\"";
  if (spec.isrc) body += R"(,"isrc":")" + *spec.isrc + "\"";
  if (spec.iswc) body += R"(,"iswc":")" + *spec.iswc + "\"";
  if (spec.landmark) body += R"(,"landmark":")" + *spec.landmark + "\"";
  if (spec.musicbrainz_recording_ids_json) {
    body += R"(,"musicbrainz_recording_ids":)" + *spec.musicbrainz_recording_ids_json;
  }
  return Sign("work.register", body);
}

std::string TestArtist::SetWorkTerms(std::string_view work_id, std::string_view terms_json) {
  return Sign("work.terms",
              R"("work":")" + std::string(work_id) + R"(","terms":)" + std::string(terms_json));
}

std::string TestArtist::SetDefaultTerms(std::string_view terms_json) {
  return Sign("artist.default_terms", R"("terms":)" + std::string(terms_json));
}

std::string TestArtist::Withdraw(std::string_view work_id) {
  return Sign("work.withdraw", R"("work":")" + std::string(work_id) + R"(","reason":"test")");
}

std::string TestArtist::OpenDispute(std::string_view my_work, std::string_view other_work,
                                    std::string_view reason) {
  return Sign("dispute.open", R"("work":")" + std::string(my_work) + R"(","other_work":")" +
                                  std::string(other_work) + R"(","reason":")" +
                                  std::string(reason) + "\"");
}

std::string TestArtist::ResolveDispute(std::string_view dispute_id, std::string_view resolution) {
  return Sign("dispute.resolve", R"("dispute":")" + std::string(dispute_id) +
                                     R"(","resolution":")" + std::string(resolution) + "\"");
}

}  // namespace signet::registry::testing

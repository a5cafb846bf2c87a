#include "crypto/sha256.h"

#include <sodium.h>

#include <cstring>

namespace signet::crypto {

static_assert(sizeof(crypto_hash_sha256_state) <= 104, "Sha256Hasher::state_ is too small");
static_assert(alignof(crypto_hash_sha256_state) <= 8, "Sha256Hasher::state_ is under-aligned");

Digest Sha256(std::span<const std::uint8_t> data) {
  Digest out{};
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

Digest Sha256(std::string_view data) {
  return Sha256(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

namespace {
crypto_hash_sha256_state* AsState(std::array<std::uint8_t, 104>& storage) {
  return reinterpret_cast<crypto_hash_sha256_state*>(storage.data());
}
}  // namespace

Sha256Hasher::Sha256Hasher() { crypto_hash_sha256_init(AsState(state_)); }

Sha256Hasher& Sha256Hasher::Update(std::span<const std::uint8_t> data) {
  crypto_hash_sha256_update(AsState(state_), data.data(), data.size());
  return *this;
}

Sha256Hasher& Sha256Hasher::Update(std::string_view data) {
  return Update(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

Digest Sha256Hasher::Finish() {
  Digest out{};
  crypto_hash_sha256_final(AsState(state_), out.data());
  crypto_hash_sha256_init(AsState(state_));
  return out;
}

}  // namespace signet::crypto

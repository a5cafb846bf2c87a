// SHA-256 (libsodium's crypto_hash_sha256).
//
// Thread safety: the free functions are pure; a Sha256Hasher is a value owned
// by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace signet::crypto {

using Digest = std::array<std::uint8_t, 32>;

Digest Sha256(std::span<const std::uint8_t> data);
Digest Sha256(std::string_view data);

// Incremental SHA-256 for inputs assembled from several parts (domain prefixes,
// Merkle node children) without concatenating them first.
class Sha256Hasher {
 public:
  Sha256Hasher();
  Sha256Hasher& Update(std::span<const std::uint8_t> data);
  Sha256Hasher& Update(std::string_view data);
  // The hasher is reset afterwards and may be reused.
  Digest Finish();

 private:
  // Storage for libsodium's crypto_hash_sha256_state, kept opaque so that this
  // header does not pull in <sodium.h>; its size is checked in sha256.cc.
  alignas(8) std::array<std::uint8_t, 104> state_;
};

}  // namespace signet::crypto

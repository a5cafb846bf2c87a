#include "crypto/sha256.h"

#include <sodium.h>

namespace signet::crypto {

Digest Sha256(std::span<const std::uint8_t> data) {
  Digest out{};
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

Digest Sha256(std::string_view data) {
  return Sha256(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

}  // namespace signet::crypto

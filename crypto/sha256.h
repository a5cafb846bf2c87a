// SHA-256 (libsodium's crypto_hash_sha256). Thread-safe: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace signet::crypto {

using Digest = std::array<std::uint8_t, 32>;

Digest Sha256(std::span<const std::uint8_t> data);
Digest Sha256(std::string_view data);

}  // namespace signet::crypto

// Ed25519 keys (RFC 8032, via libsodium), key identifiers, and secret key files.
//
// Ownership: a SecretKey owns its key material, cannot be copied, and wipes it
// with sodium_memzero when destroyed or moved from. PublicKey and Signature are
// plain values.
//
// Key identifiers (all derived from the 32-byte public key; see crypto/FORMATS.md):
//   DsseKeyId(pk)  hex of the first 8 bytes of SHA-256(pk): the `keyid` hint in
//                  DSSE envelopes. Not used by C2SP signed notes, whose key id
//                  also covers the key name (see crypto/note.h NoteKeyId).
//   ArtistId(pk)   "ar_" + base32 of a hash of the artist's FIRST public key.
//                  It never changes when the artist rotates keys; the registry
//                  keeps the id -> current key mapping.
//
// Thread safety: every function may be called from several threads at once;
// EnsureSodiumInitialized runs sodium_init exactly once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/encoding.h"

namespace signet::crypto {

inline constexpr std::size_t kEd25519PublicKeySize = 32;
inline constexpr std::size_t kEd25519SeedSize = 32;
inline constexpr std::size_t kEd25519SignatureSize = 64;

using PublicKey = std::array<std::uint8_t, kEd25519PublicKeySize>;
using Signature = std::array<std::uint8_t, kEd25519SignatureSize>;

// Calls sodium_init() once per process (safe from any thread). Every function
// in crypto/ that needs libsodium calls it; callers need not.
Status EnsureSodiumInitialized();

class SecretKey {
 public:
  // A fresh key pair from the operating system's CSPRNG.
  static Result<SecretKey> Generate();
  // The key pair for a 32-byte RFC 8032 seed (the "secret key" of the RFC).
  static Result<SecretKey> FromSeed(ByteView seed);

  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  ~SecretKey();

  const PublicKey& public_key() const { return public_key_; }
  // The 32-byte seed. Only key files and signed-note signer keys need it.
  ByteView seed() const { return ByteView(expanded_.data(), kEd25519SeedSize); }

  // Deterministic RFC 8032 signature over `message`.
  Signature Sign(ByteView message) const;
  Signature Sign(std::string_view message) const;

 private:
  SecretKey() = default;
  void Wipe();

  std::array<std::uint8_t, 64> expanded_{};  // libsodium layout: seed || public key
  PublicKey public_key_{};
};

// OK iff `signature` is a valid Ed25519 signature of `message` by `public_key`.
// A signature that is not exactly 64 bytes is rejected with a message saying so.
Status VerifySignature(const PublicKey& public_key, ByteView message, ByteView signature);
Status VerifySignature(const PublicKey& public_key, std::string_view message, ByteView signature);

// Public key text form: standard base64 of the 32 bytes (44 characters).
std::string PublicKeyToText(const PublicKey& public_key);
// Accepts the text form, surrounding whitespace allowed.
Result<PublicKey> ParsePublicKey(std::string_view text);
// Reads a file holding the text form (e.g. what `signet keygen` wrote to KEYFILE.pub).
Result<PublicKey> ReadPublicKeyFile(const std::filesystem::path& path);

std::string DsseKeyId(const PublicKey& public_key);
std::string ArtistId(const PublicKey& first_public_key);
// True when `id` has the shape ArtistId produces (does not say who owns it).
bool IsWellFormedArtistId(std::string_view id);

// Writes `key` in the secret key file format (crypto/FORMATS.md) with mode 0600.
// Never overwrites: an existing file is an AlreadyExists error. The file is
// written to a temporary name in the same directory and linked into place, so
// a crash never leaves a half-written key at `path`.
Status WriteSecretKeyFile(const std::filesystem::path& path, const SecretKey& key);
// Reads a secret key file. Errors say what to do: missing file (run
// `signet keygen --out PATH`), group/other permission bits set (run
// `chmod 600 PATH`), malformed content, or a public key line that does not
// match the seed.
Result<SecretKey> ReadSecretKeyFile(const std::filesystem::path& path);

// Writes the public key text form plus a newline, mode 0644; never overwrites.
Status WritePublicKeyFile(const std::filesystem::path& path, const PublicKey& public_key);

}  // namespace signet::crypto

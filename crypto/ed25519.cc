#include "crypto/ed25519.h"

#include <sodium.h>

#include <algorithm>
#include <vector>

#include "crypto/internal/files.h"
#include "crypto/sha256.h"

namespace signet::crypto {
namespace {

constexpr std::string_view kKeyFileMagic = "signet-ed25519-secret-key-v1";
constexpr std::string_view kArtistIdPrefix = "ar_";
constexpr std::string_view kArtistIdDomain = "signet artist id v1\n";
constexpr std::size_t kArtistIdHashBytes = 15;  // 120 bits -> 24 base32 characters

}  // namespace

Status EnsureSodiumInitialized() {
  // A function-local static is initialised exactly once even under concurrent
  // first calls (C++11 "magic statics"); sodium_init itself is idempotent.
  static const int rc = sodium_init();
  if (rc < 0) return Status::Internal("libsodium failed to initialise (sodium_init)");
  return Status::Ok();
}

// ---- SecretKey ---------------------------------------------------------------

Result<SecretKey> SecretKey::Generate() {
  SIGNET_RETURN_IF_ERROR(EnsureSodiumInitialized());
  SecretKey key;
  crypto_sign_keypair(key.public_key_.data(), key.expanded_.data());
  return key;
}

Result<SecretKey> SecretKey::FromSeed(ByteView seed) {
  if (seed.size() != kEd25519SeedSize) {
    return Status::InvalidArgument("Ed25519 seed must be 32 bytes, got " +
                                   std::to_string(seed.size()));
  }
  SIGNET_RETURN_IF_ERROR(EnsureSodiumInitialized());
  SecretKey key;
  crypto_sign_seed_keypair(key.public_key_.data(), key.expanded_.data(), seed.data());
  return key;
}

SecretKey::SecretKey(SecretKey&& other) noexcept
    : expanded_(other.expanded_), public_key_(other.public_key_) {
  other.Wipe();
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    expanded_ = other.expanded_;
    public_key_ = other.public_key_;
    other.Wipe();
  }
  return *this;
}

SecretKey::~SecretKey() { Wipe(); }

void SecretKey::Wipe() { sodium_memzero(expanded_.data(), expanded_.size()); }

Signature SecretKey::Sign(ByteView message) const {
  Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), expanded_.data());
  return sig;
}

Signature SecretKey::Sign(std::string_view message) const { return Sign(AsBytes(message)); }

Status VerifySignature(const PublicKey& public_key, ByteView message, ByteView signature) {
  if (signature.size() != kEd25519SignatureSize) {
    return Status::Unauthenticated("Ed25519 signature must be 64 bytes, got " +
                                   std::to_string(signature.size()));
  }
  SIGNET_RETURN_IF_ERROR(EnsureSodiumInitialized());
  if (crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                  public_key.data()) != 0) {
    return Status::Unauthenticated("Ed25519 signature does not verify with this public key");
  }
  return Status::Ok();
}

Status VerifySignature(const PublicKey& public_key, std::string_view message, ByteView signature) {
  return VerifySignature(public_key, AsBytes(message), signature);
}

// ---- public key text, ids ------------------------------------------------------

std::string PublicKeyToText(const PublicKey& public_key) { return Base64Encode(public_key); }

Result<PublicKey> ParsePublicKey(std::string_view text) {
  Result<Bytes> raw = Base64Decode(internal::Trim(text));
  if (!raw.ok()) return raw.status().WithContext("public key");
  if (raw->size() != kEd25519PublicKeySize) {
    return Status::InvalidArgument("public key must be 32 bytes (44 base64 characters), got " +
                                   std::to_string(raw->size()) + " bytes");
  }
  PublicKey pk{};
  std::copy(raw->begin(), raw->end(), pk.begin());
  return pk;
}

Result<PublicKey> ReadPublicKeyFile(const std::filesystem::path& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, internal::ReadSmallFile(path, "public key file", ""));
  Result<PublicKey> pk = ParsePublicKey(text);
  if (!pk.ok()) return pk.status().WithContext(path.string());
  return pk;
}

std::string DsseKeyId(const PublicKey& public_key) {
  const Digest d = Sha256(ByteView(public_key));
  return HexEncode(ByteView(d.data(), 8));
}

std::string ArtistId(const PublicKey& first_public_key) {
  const Digest d = Sha256Hasher().Update(kArtistIdDomain).Update(first_public_key).Finish();
  return std::string(kArtistIdPrefix) + Base32LowerEncode(ByteView(d.data(), kArtistIdHashBytes));
}

bool IsWellFormedArtistId(std::string_view id) {
  constexpr std::size_t kChars = (kArtistIdHashBytes * 8 + 4) / 5;
  if (id.size() != kArtistIdPrefix.size() + kChars || !id.starts_with(kArtistIdPrefix)) {
    return false;
  }
  for (char c : id.substr(kArtistIdPrefix.size())) {
    if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) return false;
  }
  return true;
}

// ---- key files -------------------------------------------------------------------

Status WriteSecretKeyFile(const std::filesystem::path& path, const SecretKey& key) {
  std::string content;
  content.append(kKeyFileMagic).append("\n");
  content.append("seed ").append(Base64Encode(key.seed())).append("\n");
  content.append("public ").append(PublicKeyToText(key.public_key())).append("\n");
  Status s = internal::WriteNewFile(path, content, 0600);
  sodium_memzero(content.data(), content.size());
  return s;
}

Result<SecretKey> ReadSecretKeyFile(const std::filesystem::path& path) {
  const std::string p = path.string();
  SIGNET_RETURN_IF_ERROR(internal::CheckOwnerOnly(path, "secret key file"));
  SIGNET_ASSIGN_OR_RETURN(
      std::string content,
      internal::ReadSmallFile(path, "secret key file",
                              "; create one with `signet keygen --out " + p + "`"));
  struct Wiper {
    std::string& s;
    ~Wiper() { sodium_memzero(s.data(), s.size()); }
  } wiper{content};

  const std::string malformed = "secret key file " + p + " is malformed: ";
  std::vector<std::string_view> lines;
  std::string_view rest = content;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      return Status::InvalidArgument(malformed + "last line does not end with a newline");
    }
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() != 3 || lines[0] != kKeyFileMagic) {
    return Status::InvalidArgument(malformed + "expected 3 lines starting with '" +
                                   std::string(kKeyFileMagic) + "'");
  }
  if (!lines[1].starts_with("seed ") || !lines[2].starts_with("public ")) {
    return Status::InvalidArgument(malformed + "expected 'seed <base64>' and 'public <base64>'");
  }
  Result<Bytes> seed = Base64Decode(lines[1].substr(5));
  if (!seed.ok() || seed->size() != kEd25519SeedSize) {
    if (seed.ok()) sodium_memzero(seed->data(), seed->size());
    return Status::InvalidArgument(malformed + "seed is not 32 bytes of base64");
  }
  Result<SecretKey> key = SecretKey::FromSeed(*seed);
  sodium_memzero(seed->data(), seed->size());
  if (!key.ok()) return key.status();
  Result<PublicKey> pk = ParsePublicKey(lines[2].substr(7));
  if (!pk.ok()) return Status::InvalidArgument(malformed + pk.status().message());
  if (*pk != key->public_key()) {
    return Status::InvalidArgument(malformed +
                                   "public key line does not match the seed (file corrupted?)");
  }
  return key;
}

Status WritePublicKeyFile(const std::filesystem::path& path, const PublicKey& public_key) {
  return internal::WriteNewFile(path, PublicKeyToText(public_key) + "\n", 0644);
}

}  // namespace signet::crypto

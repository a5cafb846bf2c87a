// C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, the
// format Go's golang.org/x/mod/sumdb/note implements and that transparency log
// checkpoints are carried in:
//
//   <text, ending in "\n">
//   <blank line>
//   — <key name> <base64(key id (4 bytes, big-endian) || 64-byte signature)>
//   ...
//
// The signature line prefix is U+2014 EM DASH and a space. Key id =
// first 4 bytes of SHA-256(name || "\n" || 0x01 || public key), 0x01 being
// the Ed25519 algorithm byte. Key text forms:
//   verifier key  <name>+<hex8 key id>+<base64(0x01 || public key)>
//   signer key    PRIVATE+KEY+<name>+<hex8 key id>+<base64(0x01 || seed)>
//
// Parsing reads untrusted input: sizes are bounded (NoteLimits) and anything
// Go's note.Open would call malformed is rejected here too.
//
// Ownership: a Signer owns its SecretKey (non-copyable, wiped on destruction).
// Thread safety: Signer and Verifier are immutable after construction and may
// be shared between threads; the free functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"

namespace signet::crypto::note {

inline constexpr std::uint8_t kAlgEd25519 = 0x01;

// Non-empty valid UTF-8 without Unicode spaces or '+' (Go's isValidName).
bool IsValidKeyName(std::string_view name);

// C2SP key id for an Ed25519 key with this name.
std::uint32_t KeyId(std::string_view name, const PublicKey& public_key);
// The same for another signature type byte of an Ed25519 key (signed-note's
// registry: 0x01 note signatures, 0x04 tlog-cosignature/v1).
std::uint32_t KeyId(std::string_view name, std::uint8_t alg, const PublicKey& public_key);
// 8 lowercase hex digits.
std::string KeyIdHex(std::uint32_t key_id);

// A verifier key text "<name>+<hex8 key id>+<base64(alg || 32-byte key)>"
// for an Ed25519 key of type `alg`: parsed, with its key id checked.
struct VerifierKeyParts {
  std::string name;
  PublicKey public_key{};
};
Result<VerifierKeyParts> ParseVerifierKeyText(std::string_view text, std::uint8_t alg);
std::string FormatVerifierKeyText(std::string_view name, std::uint8_t alg,
                                  const PublicKey& public_key);

class Verifier {
 public:
  // REQUIRES nothing: an invalid name is an InvalidArgument error.
  static Result<Verifier> Create(std::string_view name, const PublicKey& public_key);
  // Parses "<name>+<hex8>+<base64(0x01||pk)>", checking the key id.
  static Result<Verifier> Parse(std::string_view verifier_key_text);

  const std::string& name() const { return name_; }
  std::uint32_t key_id() const { return key_id_; }
  const PublicKey& public_key() const { return public_key_; }
  std::string ToText() const;

 private:
  friend class Signer;
  Verifier(std::string name, const PublicKey& pk);
  std::string name_;
  std::uint32_t key_id_ = 0;
  PublicKey public_key_{};
};

class Signer {
 public:
  static Result<Signer> Create(std::string_view name, SecretKey key);
  // Parses "PRIVATE+KEY+<name>+<hex8>+<base64(0x01||seed)>", checking the key id.
  static Result<Signer> Parse(std::string_view signer_key_text);

  const std::string& name() const { return name_; }
  std::uint32_t key_id() const { return key_id_; }
  const PublicKey& public_key() const { return key_.public_key(); }
  Verifier verifier() const;
  // SECRET: the caller keeps it like a private key (WriteSignerKeyFile does).
  std::string SignerKeyText() const;

  // The signed note for `text`. `text` must end in "\n" and be valid UTF-8
  // without control characters other than "\n" (InvalidArgument otherwise).
  Result<std::string> Sign(std::string_view text) const;

 private:
  Signer(std::string name, SecretKey key);
  std::string name_;
  std::uint32_t key_id_ = 0;
  SecretKey key_;
};

// The signer key file: the signer key text and "\n", mode 0600, never
// overwritten; reading refuses group/other-readable files (see ed25519.h).
Status WriteSignerKeyFile(const std::filesystem::path& path, const Signer& signer);
Result<Signer> ReadSignerKeyFile(const std::filesystem::path& path);
// A file holding a verifier key text line.
Result<Verifier> ReadVerifierKeyFile(const std::filesystem::path& path);

struct NoteSignature {
  std::string name;
  std::uint32_t key_id = 0;
  Bytes signature;  // without the 4-byte key id
};

struct Note {
  std::string text;  // ends in "\n"
  std::vector<NoteSignature> signatures;
};

struct NoteLimits {
  std::size_t max_note_bytes = 64 * 1024;
  std::size_t max_signatures = 100;  // as Go's note.Open
};

// Syntax only: splits text and signature lines. Verifies nothing.
Result<Note> Parse(std::string_view signed_note, const NoteLimits& limits = {});

// Returns the note's text iff it carries a valid signature by `verifier`
// (matching name and key id). A signature with the verifier's name and key id
// that does not verify is an error even if another one does; signatures by
// other keys are ignored. Unauthenticated when no signature is by `verifier`.
Result<std::string> Open(std::string_view signed_note, const Verifier& verifier,
                         const NoteLimits& limits = {});

}  // namespace signet::crypto::note

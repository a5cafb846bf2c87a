// Witness cosignatures on checkpoints (https://c2sp.org/tlog-cosignature,
// the Ed25519 "cosignature/v1" type) and the witness policy a verifier
// applies: the log's own signature plus k of n named witnesses.
//
// A cosignature is one more signed-note signature line on the checkpoint:
//
//   — <witness name> base64(key id || 8-byte big-endian timestamp || 64-byte Ed25519 sig)
//
// key id = SHA-256(name || "\n" || 0x04 || public key)[0:4]; the signature is
// over "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint body.
// Witness verifier keys are vkeys of signature type 0x04:
// "<name>+<hex8 key id>+<base64(0x04 || public key)>". ML-DSA-44 cosignatures
// (type 0x06, which tlog-cosignature now recommends) are not supported:
// neither libsodium nor Debian 12's OpenSSL 3.0 implements ML-DSA. Their
// lines are ignored like any unknown key's.
//
// Ownership: a Cosigner owns its SecretKey. Thread safety: CosignatureVerifier
// and Cosigner are immutable after construction; the free functions are pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/checkpoint.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"

namespace signet::crypto::cosig {

inline constexpr std::uint8_t kAlgCosignatureV1 = 0x04;

class CosignatureVerifier {
 public:
  static Result<CosignatureVerifier> Create(std::string_view name, const PublicKey& public_key);
  // "<name>+<hex8>+<base64(0x04||pk)>", checking the key id.
  static Result<CosignatureVerifier> Parse(std::string_view vkey_text);

  const std::string& name() const { return name_; }
  std::uint32_t key_id() const { return key_id_; }
  const PublicKey& public_key() const { return public_key_; }
  std::string ToText() const;

 private:
  CosignatureVerifier(std::string name, const PublicKey& pk);
  std::string name_;
  std::uint32_t key_id_ = 0;
  PublicKey public_key_{};
};

class Cosigner {
 public:
  static Result<Cosigner> Create(std::string_view name, SecretKey key);
  CosignatureVerifier verifier() const;
  // The signature line ("— name base64\n") cosigning the checkpoint `body`
  // (the note text, ending in "\n") at `timestamp` (POSIX seconds).
  Result<std::string> Cosign(std::string_view body, std::uint64_t timestamp) const;

 private:
  Cosigner(std::string name, SecretKey key);
  std::string name_;
  std::uint32_t key_id_ = 0;
  SecretKey key_;
};

// "cosignature/v1\ntime <timestamp>\n" + body: what a witness signs.
std::string CosignedMessage(std::string_view body, std::uint64_t timestamp);

struct Cosignature {
  std::string witness;  // the verifier's name
  std::uint64_t timestamp = 0;
};

// The cosignatures by `witnesses` on a parsed note, in witness order. A line
// with a witness's name and key id that is malformed or does not verify is
// an Unauthenticated error (signed-note: such a note is malformed); lines of
// other keys are ignored.
Result<std::vector<Cosignature>> VerifyCosignatures(const note::Note& note,
                                                    std::span<const CosignatureVerifier> witnesses);

// What a verifier requires of a checkpoint: at least `required` of
// `witnesses` cosigned it (0: the log's signature alone suffices).
struct WitnessPolicy {
  std::vector<CosignatureVerifier> witnesses;
  std::size_t required = 0;
};

struct WitnessedCheckpoint {
  Checkpoint checkpoint;
  std::vector<Cosignature> cosignatures;
};

// Verifies the log's signature (note::Open rules), parses the checkpoint
// (origin checked when `expected_origin` is non-empty), and applies the
// policy: fewer valid cosignatures than required is Unauthenticated with a
// message naming who cosigned and who did not.
Result<WitnessedCheckpoint> OpenWitnessedCheckpoint(std::string_view signed_note,
                                                    const note::Verifier& log,
                                                    const WitnessPolicy& policy,
                                                    std::string_view expected_origin = {});

// The signed note with `signature_lines` ("— ..." lines, each ending in
// "\n", e.g. a witness's add-checkpoint answer) appended, skipping lines the
// note already has. Syntax is checked (note::Parse of the result), nothing
// is verified.
Result<std::string> AppendSignatureLines(std::string_view signed_note,
                                         std::string_view signature_lines);

// ---- the tlog-witness add-checkpoint exchange (https://c2sp.org/tlog-witness)

// The request body: "old <old_size>\n", one base64 line per proof hash, an
// empty line, the signed checkpoint. REQUIRES: proof.size() <= 63.
std::string AddCheckpointRequest(std::uint64_t old_size, std::span<const Digest> proof,
                                 std::string_view signed_checkpoint);
// A 409 answer's body ("<size>\n", Content-Type text/x.tlog.size): the size
// of the latest checkpoint the witness cosigned.
Result<std::uint64_t> ParseTlogSize(std::string_view body);

}  // namespace signet::crypto::cosig

// LogSigner: the registry's side of the transparency log's checkpoints. It
// formats and signs C2SP tlog-checkpoints (crypto/checkpoint.h, crypto/note.h)
// with the server key, publishes the verifier key, reads back the checkpoints
// it wrote, and leaves receipts to the caller (crypto/receipt.h).
//
// Thread safety: immutable after construction; all methods are const and
// thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "crypto/sha256.h"

namespace signet::registry {

class LogSigner {
 public:
  // Errors: an invalid key name (crypto/note.h IsValidKeyName).
  static Result<LogSigner> Create(std::string origin, std::string_view key_name,
                                  const crypto::SecretKey& key);

  // The signed note text of the checkpoint (origin, size, root).
  Result<std::string> SignCheckpoint(std::uint64_t size, const crypto::Digest& root) const;

  // name+hex(keyid)+base64(0x01||pk)
  std::string VerifierKey() const;

  struct Parsed {
    std::uint64_t size = 0;
    crypto::Digest root{};
  };
  // Verifies `note` with our own key and parses its checkpoint body; an error
  // when it is not a checkpoint of this origin signed by this key.
  Result<Parsed> OpenCheckpoint(std::string_view note) const;

  const std::string& origin() const { return origin_; }

 private:
  LogSigner(std::string origin, crypto::note::Signer signer);
  std::string origin_;
  crypto::note::Signer signer_;
  crypto::note::Verifier verifier_;
};

}  // namespace signet::registry

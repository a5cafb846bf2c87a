#include "registry/log_signer.h"

#include <utility>

#include "crypto/checkpoint.h"

namespace signet::registry {

LogSigner::LogSigner(std::string origin, crypto::note::Signer signer)
    : origin_(std::move(origin)), signer_(std::move(signer)), verifier_(signer_.verifier()) {}

Result<LogSigner> LogSigner::Create(std::string origin, std::string_view key_name,
                                    const crypto::SecretKey& key) {
  // The Signer owns its own copy of the key (it wipes it on destruction).
  SIGNET_ASSIGN_OR_RETURN(crypto::SecretKey copy, crypto::SecretKey::FromSeed(key.seed()));
  auto signer = crypto::note::Signer::Create(key_name, std::move(copy));
  if (!signer.ok()) return signer.status().WithContext("log key name");
  return LogSigner(std::move(origin), std::move(*signer));
}

Result<std::string> LogSigner::SignCheckpoint(std::uint64_t size,
                                              const crypto::Digest& root) const {
  crypto::Checkpoint cp;
  cp.origin = origin_;
  cp.size = size;
  cp.root = root;
  return crypto::SignCheckpoint(cp, signer_);
}

std::string LogSigner::VerifierKey() const { return verifier_.ToText(); }

Result<LogSigner::Parsed> LogSigner::OpenCheckpoint(std::string_view note) const {
  SIGNET_ASSIGN_OR_RETURN(crypto::Checkpoint cp, crypto::OpenCheckpoint(note, verifier_, origin_));
  return Parsed{cp.size, cp.root};
}

}  // namespace signet::registry

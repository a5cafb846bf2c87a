// Transparency log checkpoints (https://c2sp.org/tlog-checkpoint): the body
//
//   <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n]...
//
// carried in a C2SP signed note (crypto/note.h). The origin string (for
// example the log's host and path) is chosen by whoever runs the log and is
// passed in, never assumed here; by convention the signing key's name equals it.
//
// Thread safety: pure functions over values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/note.h"
#include "crypto/sha256.h"

namespace signet::crypto {

struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  Digest root{};
  std::vector<std::string> extensions;  // non-empty lines, without "\n"
  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// The body text. REQUIRES: a valid checkpoint (see ParseCheckpointBody); an
// invalid one is an InvalidArgument error, never a malformed body.
Result<std::string> FormatCheckpointBody(const Checkpoint& checkpoint);

// Strict: non-empty origin, size without sign or leading zeros, root exactly
// 32 bytes of canonical base64, non-empty extension lines, final "\n".
Result<Checkpoint> ParseCheckpointBody(std::string_view body);

// Formats and signs: the signed note text.
Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, const note::Signer& signer);

// Verifies the note with `verifier` and parses its body. When `expected_origin`
// is non-empty, the checkpoint's origin must equal it.
Result<Checkpoint> OpenCheckpoint(std::string_view signed_note, const note::Verifier& verifier,
                                  std::string_view expected_origin = {});

}  // namespace signet::crypto

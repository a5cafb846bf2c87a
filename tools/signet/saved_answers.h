// What `signet verify answers` checks: the files the CLI itself writes, and
// the log state they were answered against.
//
//   - `signet check --csv OUT` writes OUT.answers.ndjson: the registry's answer
//     byte for byte, whose last line is the summary with a receipt, a C2SP
//     signed note by the log's key over the SHA-256 of every line before it,
//     the purpose, the item count, a checkpoint (size, root) and the time
//     (api/routes_check.cc). VerifyCheckAnswers recomputes the hash, opens the
//     note with the log key and checks every field against the file.
//   - `signet register --json OUT` and the statement commands' --json print the
//     registry's answers to accepted statements, one JSON object per line, each
//     with a receipt (crypto/receipt.h). VerifyAcceptedAnswers checks each
//     receipt's inclusion proof against its signed checkpoint.
//
// Online (`--server`), the log is asked for its current signed checkpoint and
// a consistency proof from every checkpoint the files name, and from the last
// checkpoint this machine saw of that log (CheckpointMemory, kept in the CLI's
// state dir), to it: a log that shrank (rollback) or whose history differs
// (fork) is reported with what was seen when. Statements are also fetched from
// the log and compared with the answers' statement ids.
//
// Thread safety: functions of their arguments; a CheckpointMemory is used by
// one process at a time (not locked; a lost update only re-proves less).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/checkpoint.h"
#include "crypto/note.h"

namespace signet::cli {

// A tree state a file commits to.
struct LoggedState {
  std::string origin;
  std::uint64_t size = 0;
  crypto::Digest root{};
};

struct VerifiedCheckAnswers {
  std::string purpose;
  std::uint64_t items = 0;
  std::string time;  // RFC 3339, as signed
  LoggedState checkpoint;
};

// REQUIRES: nothing; `file` is untrusted. Errors name the line or field that
// does not verify ("the answer was changed after it was signed: ...").
Result<VerifiedCheckAnswers> VerifyCheckAnswers(std::string_view file,
                                                const crypto::note::Verifier& log_key);

struct VerifiedAcceptance {
  std::string statement_id;  // hex SHA-256 of the envelope, as the answer says
  std::string type;          // "work.register", ...
  std::uint64_t leaf_index = 0;
  crypto::Digest leaf_hash{};
  LoggedState checkpoint;  // the receipt's
};

// Every non-empty line must be an accepted-statement answer with a receipt
// that verifies. Errors name the line.
Result<std::vector<VerifiedAcceptance>> VerifyAcceptedAnswers(
    std::string_view file, const crypto::note::Verifier& log_key);

// True when the file is a check answer (its last line is a summary).
bool LooksLikeCheckAnswers(std::string_view file);

// GET of a registry path ("/v1/log/checkpoint"); NotFound for a 404.
using RegistryGet = std::function<Result<std::string>(const std::string& path_and_query)>;

// Proves `older` a prefix of `current` with the registry's consistency proof.
// FailedPrecondition "ROLLBACK: ..." when current is smaller, "FORK: ..." when
// the proof does not verify or equal sizes have different roots.
Status ProveExtends(const LoggedState& older, const crypto::Checkpoint& current,
                    const RegistryGet& get, std::string_view older_what);

// The last checkpoint this machine verified of each log, one signed note per
// origin under DIR/checkpoints/. DIR: --state-dir, else $SIGNET_STATE_DIR,
// else $XDG_STATE_HOME/signet, else ~/.local/state/signet.
class CheckpointMemory {
 public:
  static std::filesystem::path DefaultDir();
  explicit CheckpointMemory(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // The saved note of `origin` (verified again with `log_key`), or nullopt.
  Result<std::optional<crypto::Checkpoint>> Load(std::string_view origin,
                                                 const crypto::note::Verifier& log_key) const;
  // Replaces the saved note (write, fsync, rename).
  Status Save(std::string_view origin, std::string_view signed_note) const;
  std::filesystem::path PathFor(std::string_view origin) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace signet::cli

// A verified local copy of a Signet log, made through its C2SP tlog-tiles API
// (`signet mirror`, crypto/LOG.md "Mirroring").
//
// Each update fetches the log's checkpoint, verifies its signature (and the
// witness policy, if any), then fetches the entry bundles past the mirrored
// size and, for every new entry:
//   - checks its DSSE signature against the artist's key as the log itself
//     establishes it (StatementAuditor);
//   - recomputes its leaf hash and appends it to the mirror's own tree, built
//     on the previously verified tree.
// The recomputed root must equal the checkpoint's root: since the tree is the
// old verified tree plus the new leaves, that also proves the new checkpoint
// consistent with the previous mirrored one (checked once more with a
// consistency proof computed from the mirror's tree). Every hash tile the log
// serves for the new range must equal the tile recomputed from the entries,
// and entries the mirror already holds must be served unchanged. Any
// difference is an error naming the entry or tile: nothing is committed.
//
// Directory layout (servable as a static tlog-tiles log):
//   log.vkey                   the log's verifier key, pinned on the first update
//   checkpoint                 the last verified checkpoint, as served (with cosignatures)
//   tile/<L>/<N>[.p/<W>]       hash tiles
//   tile/entries/<N>[.p/<W>]   entry bundles
//   artist-keys                StatementAuditor state at the checkpoint's size
//   .staging/                  an update in progress (discarded by the next one)
// Files are staged, verified, moved into place, and the checkpoint replaced
// last (write, fsync, rename), so an interrupted update leaves the previous
// mirror intact and the next update resumes from it.
//
// Thread safety: one update per directory at a time (not locked).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/cosignature.h"
#include "crypto/note.h"

namespace signet::cli {

// GETs `path` ("checkpoint", "tile/0/000", ...) below the log's tlog-tiles
// prefix. NotFound for a 404.
using LogFetcher = std::function<Result<std::string>(std::string_view path)>;

struct MirrorOptions {
  std::filesystem::path dir;
  // Required on the first update; later it must equal the pinned log.vkey.
  std::optional<crypto::note::Verifier> log_key;
  crypto::cosig::WitnessPolicy witnesses;            // required of every checkpoint mirrored
  std::function<void(const std::string&)> progress;  // optional
};

struct MirrorResult {
  std::uint64_t old_size = 0;
  std::uint64_t new_size = 0;
  std::uint64_t entries_verified = 0;
  std::uint64_t tiles_verified = 0;
  std::size_t artists = 0;
  std::size_t cosignatures = 0;  // valid cosignatures of the policy's witnesses
  std::string origin;
  std::string root;  // base64
};

Result<MirrorResult> UpdateMirror(const MirrorOptions& options, const LogFetcher& fetch);

}  // namespace signet::cli

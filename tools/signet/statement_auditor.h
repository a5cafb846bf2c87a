// StatementAuditor: replays the log's statements to check that every entry is
// signed the way the registry's rules demand (registry/STATEMENTS.md), with
// the artists' keys as the log itself establishes them:
//
//  - artist.register is self-signed by its `public_key`, and `artist` is
//    ArtistId(public_key); an artist registers once;
//  - every other statement is by a registered artist and signed by that
//    artist's key current at its log position; artist.rotate_key (signed by
//    the current key) makes `new_public_key` current, never a key used before;
//  - `seq` strictly increases per artist.
//
// It reads only the DSSE envelope and the payload's `type`, `artist`, `seq`
// and key fields (strict JSON, duplicate keys refused); it does not re-run the
// registry's full validation. Used by `signet mirror` (tools/signet/mirror.h).
//
// State text (the mirror's `artist-keys` file), one artist per line after a
// header naming the log size it reflects:
//   signet-mirror-artist-keys v1 <size>
//   <artist id> <last seq> <current key base64> [<earlier key base64>...]
//
// Thread safety: one owner.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/ed25519.h"

namespace signet::cli {

class StatementAuditor {
 public:
  // Checks entry `index` and applies it. Unauthenticated / FailedPrecondition
  // / InvalidArgument name the entry and what is wrong with it.
  Status Apply(std::uint64_t index, std::string_view envelope);

  std::size_t artists() const { return artists_.size(); }
  std::string Serialize(std::uint64_t size) const;
  // REQUIRES nothing; `size` receives the header's log size.
  static Result<StatementAuditor> Parse(std::string_view text, std::uint64_t& size);

 private:
  struct Keys {
    crypto::PublicKey current{};
    std::vector<crypto::PublicKey> previous;
    std::uint64_t last_seq = 0;
  };
  std::map<std::string, Keys, std::less<>> artists_;
};

}  // namespace signet::cli

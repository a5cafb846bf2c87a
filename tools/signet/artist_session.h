// Acting as an artist: the key file on this machine, the artist id, and
// submitting statements signed here (protocol/statement_payload.h builds and
// signs them; registry/STATEMENTS.md is the schema). Only the signed envelope
// leaves the machine.
//
// seq: the server keeps the artist's last accepted seq (GET /v1/artists/{id}
// `last_seq`), so a session asks for it once and counts up; no local seq file
// is needed, and two machines sharing a key cannot corrupt it (a stale seq is
// answered 409 with the problem member field "seq", and retried once with a
// fresh one).
//
// The artist id is derived from the artist's FIRST public key. After a key
// rotation the key file holds the new key, so the id is remembered in
// KEYFILE.artist (written by `signet artist register`), or given as --artist.
//
// Thread safety: an ArtistSession is used by one thread.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/status.h"
#include "crypto/ed25519.h"
#include "protocol/answers.h"
#include "protocol/statement_payload.h"
#include "tools/signet/client/http_client.h"
#include "tools/signet/server_option.h"

namespace signet::cli {

// A statement the registry accepted.
struct Submitted {
  protocol::Accepted accepted;
  std::string body;  // the server's answer as sent (for --json)
};

class ArtistSession {
 public:
  // Loads the key (errors say how to make one) and the artist id (from
  // `artist_override`, else KEYFILE.artist, else derived from the key).
  static Result<ArtistSession> Open(client::HttpClient& http, const std::filesystem::path& key_file,
                                    std::optional<std::string> artist_override = std::nullopt);

  const std::string& artist_id() const { return artist_id_; }
  const crypto::SecretKey& key() const { return key_; }
  const std::filesystem::path& key_file() const { return key_file_; }

  // GET /v1/artists/{id}. NotFound says to run `signet artist register`.
  Result<protocol::Artist> FetchArtist();

  // Signs a statement of `type` with `body`'s fields and the next seq, and
  // POSTs it to /v1/statements. The first call learns last_seq from the
  // server (or uses 0 for artist.register). A stale seq is retried once.
  Result<Submitted> Submit(protocol::StatementType type, const boost::json::object& body);

 private:
  ArtistSession(client::HttpClient& http, crypto::SecretKey key, std::filesystem::path key_file,
                std::string artist_id);

  client::HttpClient* http_;
  crypto::SecretKey key_;
  std::filesystem::path key_file_;
  std::string artist_id_;
  std::optional<std::uint64_t> last_seq_;
};

// The one-statement commands (works withdraw, disputes open|resolve): a client
// for `server`, a session for `key_file` (and `artist_override`), one Submit.
Result<Submitted> SubmitOne(const ServerOption& server, const std::filesystem::path& key_file,
                            std::optional<std::string> artist_override,
                            protocol::StatementType type, const boost::json::object& body);

// KEYFILE.artist: where the artist id is remembered.
std::filesystem::path ArtistIdFile(const std::filesystem::path& key_file);

}  // namespace signet::cli

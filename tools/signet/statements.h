// Building and signing statements on the artist's machine, and submitting
// them as the artist (registry/STATEMENTS.md is the schema; this file follows
// it and never links the registry).
//
// A statement payload is one JSON object: the common fields
//   {"type": "...", "artist": "ar_...", "seq": N, "issued_at": "RFC 3339 UTC"}
// followed by the type's own fields at the top level. It is signed locally
// as a DSSE envelope of kStatementPayloadType; only the envelope leaves.
//
// seq: the server keeps the artist's last accepted seq (GET /v1/artists/{id}
// `last_seq`), so an ArtistSession asks for it once and counts up; no local
// seq file is needed, and two machines sharing a key cannot corrupt it
// (a stale seq is answered 409 and retried once with a fresh one).
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
#include <string_view>

#include "common/status.h"
#include "crypto/ed25519.h"
#include "tools/signet/client/http_client.h"

namespace signet::cli {

inline constexpr std::string_view kStatementPayloadType = "application/vnd.signet.statement+json";

// "2026-11-23T12:00:00Z" for now (second precision).
std::string NowRfc3339Utc();

// The payload: common fields first, then `body`'s fields.
std::string StatementPayload(std::string_view type, std::string_view artist, std::uint64_t seq,
                             std::string_view issued_at, const boost::json::object& body);

// The DSSE envelope JSON of `payload` signed by `key`.
std::string SignStatement(const crypto::SecretKey& key, std::string_view payload);

// The answer to a submitted statement.
struct Submitted {
  int http_status = 0;
  boost::json::object body;  // the server's JSON answer
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
  Result<boost::json::object> FetchArtist();

  // Signs a statement of `type` with the next seq and POSTs it to
  // /v1/statements. The first call learns last_seq from the server (or uses 0
  // for artist.register). A 409 about seq is retried once with a fresh seq.
  Result<Submitted> Submit(std::string_view type, const boost::json::object& body);

 private:
  ArtistSession(client::HttpClient& http, crypto::SecretKey key, std::filesystem::path key_file,
                std::string artist_id);

  client::HttpClient* http_;
  crypto::SecretKey key_;
  std::filesystem::path key_file_;
  std::string artist_id_;
  std::optional<std::uint64_t> last_seq_;
};

// KEYFILE.artist: where the artist id is remembered.
std::filesystem::path ArtistIdFile(const std::filesystem::path& key_file);

// Parses a JSON answer that must be an object.
Result<boost::json::object> ParseJsonObject(std::string_view text, std::string_view what);

// Small accessors for answers: "" / 0 / nullptr when absent or of another type.
std::string JsonString(const boost::json::object& o, std::string_view key);
double JsonNumber(const boost::json::object& o, std::string_view key);
const boost::json::object* JsonObject(const boost::json::object& o, std::string_view key);
const boost::json::array* JsonArray(const boost::json::object& o, std::string_view key);

}  // namespace signet::cli

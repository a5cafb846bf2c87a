#include "tools/signet/artist_session.h"

#include <fstream>

#include "crypto/tiles.h"
#include "protocol/time.h"
#include "tools/signet/server_answer.h"
#include "tools/signet/server_option.h"

namespace signet::cli {
namespace fs = std::filesystem;
namespace json = boost::json;

Result<Submitted> SubmitOne(const ServerOption& server, const fs::path& key_file,
                            std::optional<std::string> artist_override,
                            protocol::StatementType type, const json::object& body) {
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<client::HttpClient> http, MakeClient(server));
  SIGNET_ASSIGN_OR_RETURN(ArtistSession session,
                          ArtistSession::Open(*http, key_file, std::move(artist_override)));
  return session.Submit(type, body);
}

fs::path ArtistIdFile(const fs::path& key_file) {
  fs::path p = key_file;
  p += ".artist";
  return p;
}

ArtistSession::ArtistSession(client::HttpClient& http, crypto::SecretKey key, fs::path key_file,
                             std::string artist_id)
    : http_(&http),
      key_(std::move(key)),
      key_file_(std::move(key_file)),
      artist_id_(std::move(artist_id)) {}

Result<ArtistSession> ArtistSession::Open(client::HttpClient& http, const fs::path& key_file,
                                          std::optional<std::string> artist_override) {
  SIGNET_ASSIGN_OR_RETURN(crypto::SecretKey key, crypto::ReadSecretKeyFile(key_file));
  std::string id;
  if (artist_override && !artist_override->empty()) {
    id = *artist_override;
  } else if (std::ifstream in(ArtistIdFile(key_file)); in) {
    std::getline(in, id);
  }
  if (id.empty()) id = crypto::ArtistId(key.public_key());
  if (!crypto::IsWellFormedArtistId(id)) {
    return Status::InvalidArgument("'" + id +
                                   "' is not an artist id (ar_ followed by 24 letters "
                                   "and digits); check --artist or " +
                                   ArtistIdFile(key_file).string());
  }
  return ArtistSession(http, std::move(key), key_file, std::move(id));
}

Result<protocol::Artist> ArtistSession::FetchArtist() {
  auto body = http_->Get("/v1/artists/" + artist_id_);
  if (!body.ok()) {
    if (body.status().code() == Status::Code::kNotFound) {
      return Status::NotFound("artist " + artist_id_ + " is not registered at " +
                              http_->server().ToString() +
                              "; run `signet artist register --server URL --key " +
                              key_file_.string() + " --name NAME` first");
    }
    return body.status();
  }
  return DecodeAnswer(*body, "GET /v1/artists", protocol::ArtistFromJson);
}

namespace {

// Refused here, before the registry refuses it, with what it means for the artist.
Status StatementTooLarge(protocol::StatementType type, const std::string& envelope,
                         const json::object& body) {
  std::string what = "the signed " + std::string(protocol::StatementTypeName(type)) +
                     " statement is " + std::to_string(envelope.size()) +
                     " bytes; the registry's log holds statements of at most 65535 bytes (C2SP "
                     "tlog-tiles entry bundles prefix each entry with a 16-bit length)";
  if (type == protocol::StatementType::kWorkRegister) {
    const json::value* d = body.if_contains("duration");
    const double seconds = d && d->is_number() ? d->to_number<double>() : 0;
    what +=
        ". A registration carries the whole recording's fingerprint, about 40 bytes per "
        "second, which bounds recordings to about 25 minutes";
    if (seconds > 0) {
      what += "; this one is " + std::to_string(static_cast<int>(seconds / 60)) + " min " +
              std::to_string(static_cast<int>(seconds) % 60) + " s";
    }
    what +=
        ". Register a longer recording as parts of at most 20 minutes "
        "(ffmpeg -nostdin -ss START -t 1200 -i IN -c copy PART.ogg)";
  }
  return Status::ResourceExhausted(what);
}

}  // namespace

Result<Submitted> ArtistSession::Submit(protocol::StatementType type, const json::object& body) {
  const bool registers = type == protocol::StatementType::kArtistRegister;
  for (int attempt = 0;; ++attempt) {
    if (!last_seq_) {
      if (registers) {
        last_seq_ = 0;
      } else {
        SIGNET_ASSIGN_OR_RETURN(protocol::Artist artist, FetchArtist());
        last_seq_ = artist.last_seq;
      }
    }
    const std::uint64_t seq = *last_seq_ + 1;
    // Whole seconds: the registry keeps microseconds, but nothing here needs them.
    const std::string issued_at =
        protocol::FormatRfc3339Utc(protocol::SystemNowMicros(), protocol::TimeFraction::kNone);
    const std::string envelope = protocol::SignStatement(
        key_, protocol::StatementPayload(type, artist_id_, seq, issued_at, body));
    if (envelope.size() > crypto::tiles::kMaxEntryBytes)
      return StatementTooLarge(type, envelope, body);
    SIGNET_ASSIGN_OR_RETURN(client::Response r,
                            http_->Request("POST", "/v1/statements", "application/json", envelope));
    Status st = client::StatusFromResponse(r);
    if (st.ok()) {
      last_seq_ = seq;
      Submitted out;
      SIGNET_ASSIGN_OR_RETURN(
          out.accepted, DecodeAnswer(r.body, "POST /v1/statements", protocol::AcceptedFromJson));
      out.body = std::move(r.body);
      return out;
    }
    // Someone else (another machine with this key, an interrupted run) used
    // the seq we planned: learn the current one and try once more.
    if (r.status == 409 && st.field() == "seq" && attempt == 0 && !registers) {
      last_seq_.reset();
      continue;
    }
    return st;
  }
}

}  // namespace signet::cli

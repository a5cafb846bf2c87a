#include "tools/signet/statements.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <fstream>
#include <sstream>

#include "crypto/dsse.h"
#include "crypto/tiles.h"

namespace signet::cli {
namespace fs = std::filesystem;
namespace json = boost::json;

std::string NowRfc3339Utc() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto day = std::chrono::floor<std::chrono::days>(now);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{now - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()));
  return buf;
}

std::string StatementPayload(std::string_view type, std::string_view artist, std::uint64_t seq,
                             std::string_view issued_at, const json::object& body) {
  json::object o;
  o["type"] = type;
  o["artist"] = artist;
  o["seq"] = seq;
  o["issued_at"] = issued_at;
  for (const auto& kv : body) o[kv.key()] = kv.value();
  return json::serialize(o);
}

std::string SignStatement(const crypto::SecretKey& key, std::string_view payload) {
  return crypto::dsse::ToJson(crypto::dsse::Sign(kStatementPayloadType, payload, key));
}

fs::path ArtistIdFile(const fs::path& key_file) {
  fs::path p = key_file;
  p += ".artist";
  return p;
}

Result<json::object> ParseJsonObject(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return Status::Internal(std::string(what) + ": the server's answer is not a JSON object: " +
                            std::string(text.substr(0, 200)));
  }
  return std::move(v.as_object());
}

std::string JsonString(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

double JsonNumber(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  return 0;
}

const json::object* JsonObject(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

const json::array* JsonArray(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_array() ? &v->get_array() : nullptr;
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

Result<json::object> ArtistSession::FetchArtist() {
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
  return ParseJsonObject(*body, "GET /v1/artists");
}

namespace {

// Refused here, before the registry refuses it, with what it means for the artist.
Status StatementTooLarge(std::string_view type, const std::string& envelope,
                         const json::object& body) {
  std::string what = "the signed " + std::string(type) + " statement is " +
                     std::to_string(envelope.size()) +
                     " bytes; the registry's log holds statements of at most 65535 bytes (C2SP "
                     "tlog-tiles entry bundles prefix each entry with a 16-bit length)";
  if (type == "work.register") {
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
        "(ffmpeg -ss START -t 1200 -i IN -c copy PART.ogg)";
  }
  return Status::ResourceExhausted(what);
}

}  // namespace

Result<Submitted> ArtistSession::Submit(std::string_view type, const json::object& body) {
  for (int attempt = 0;; ++attempt) {
    if (!last_seq_) {
      if (type == "artist.register") {
        last_seq_ = 0;
      } else {
        SIGNET_ASSIGN_OR_RETURN(json::object artist, FetchArtist());
        last_seq_ = static_cast<std::uint64_t>(JsonNumber(artist, "last_seq"));
      }
    }
    const std::uint64_t seq = *last_seq_ + 1;
    const std::string envelope =
        SignStatement(key_, StatementPayload(type, artist_id_, seq, NowRfc3339Utc(), body));
    if (envelope.size() > crypto::tiles::kMaxEntryBytes)
      return StatementTooLarge(type, envelope, body);
    SIGNET_ASSIGN_OR_RETURN(client::Response r,
                            http_->Request("POST", "/v1/statements", "application/json", envelope));
    Status st = client::StatusFromResponse(r);
    if (st.ok()) {
      last_seq_ = seq;
      Submitted out;
      out.http_status = r.status;
      SIGNET_ASSIGN_OR_RETURN(out.body, ParseJsonObject(r.body, "POST /v1/statements"));
      return out;
    }
    // Someone else (another machine with this key, an interrupted run) used
    // the seq we planned: learn the current one and try once more.
    const bool seq_problem = r.status == 409 && st.message().find("seq") != std::string::npos;
    if (seq_problem && attempt == 0 && type != "artist.register") {
      last_seq_.reset();
      continue;
    }
    return st;
  }
}

}  // namespace signet::cli

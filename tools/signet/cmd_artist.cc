// signet artist register | show | rotate-key: the artist's identity in the
// registry. The key stays on this machine; only signed statements are sent
// (artist.register: public key, name, identifiers; artist.rotate_key: the new
// public key, signed by the current key).
#include <boost/json/object.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <system_error>

#include "protocol/time.h"
#include "tools/signet/artist_session.h"
#include "tools/signet/commands.h"
#include "tools/signet/server_option.h"

namespace signet::cli {
namespace {
namespace json = boost::json;

struct ArtistArgs {
  ServerOption server;
  std::string key;
  std::string artist;
  std::string name;
  std::string isni;
  std::string ipi;
  std::vector<std::string> links;
  bool json = false;
};

int RunArtistRegister(const ArtistArgs& a) {
  auto http = MakeClient(a.server);
  if (!http.ok()) return ReportError("artist register", http.status());
  auto session = ArtistSession::Open(**http, a.key);
  if (!session.ok()) return ReportError("artist register", session.status());
  json::object body;
  body["public_key"] = crypto::PublicKeyToText(session->key().public_key());
  body["display_name"] = a.name;
  if (!a.isni.empty()) body["isni"] = a.isni;
  if (!a.ipi.empty()) body["ipi"] = a.ipi;
  if (!a.links.empty()) {
    json::array links;
    for (const auto& l : a.links) links.emplace_back(l);
    body["links"] = std::move(links);
  }
  auto submitted = session->Submit(protocol::StatementType::kArtistRegister, body);
  bool already = false;
  if (!submitted.ok()) {
    if (submitted.status().code() != Status::Code::kAlreadyExists) {
      return ReportError("artist register", submitted.status());
    }
    already = true;
  }
  // Remember the id next to the key: after a key rotation it can no longer
  // be derived from the key file.
  const auto id_file = ArtistIdFile(session->key_file());
  std::ofstream(id_file) << session->artist_id() << "\n";
  if (a.json && !already) {
    std::printf("%s\n", submitted->body.c_str());
    return kExitOk;
  }
  if (already) {
    std::printf("artist %s is already registered at %s (nothing changed)\n",
                session->artist_id().c_str(), (*http)->server().ToString().c_str());
  } else {
    std::printf("registered artist %s (\"%s\")\n", session->artist_id().c_str(), a.name.c_str());
    std::printf(
        "log index %llu (print the receipt with --json; check it with `signet "
        "verify`)\n",
        static_cast<unsigned long long>(submitted->accepted.log_index));
  }
  std::printf("artist id saved in %s\n", id_file.string().c_str());
  return kExitOk;
}

int RunArtistShow(const ArtistArgs& a) {
  auto http = MakeClient(a.server);
  if (!http.ok()) return ReportError("artist show", http.status());
  std::string id = a.artist;
  if (id.empty()) {
    auto session = ArtistSession::Open(**http, a.key);
    if (!session.ok()) return ReportError("artist show", session.status());
    id = session->artist_id();
  }
  auto body = (*http)->Get("/v1/artists/" + client::EncodeComponent(id));
  if (!body.ok()) return ReportError("artist show", body.status());
  std::printf("%s\n", body->c_str());
  return kExitOk;
}

// KEYFILE.next: the new key of a rotation, written before the statement is
// sent, so that an interrupted rotation is finished by running it again.
std::filesystem::path NextKeyFile(const std::filesystem::path& key_file) {
  std::filesystem::path p = key_file;
  p += ".next";
  return p;
}

// Puts the new key in place after the registry accepted it: KEYFILE becomes
// KEYFILE.retired-<time>, KEYFILE.next becomes KEYFILE, KEYFILE.pub is rewritten.
Result<std::filesystem::path> InstallNextKey(const std::filesystem::path& key_file,
                                             const crypto::PublicKey& next_public) {
  namespace fs = std::filesystem;
  std::string stamp =
      protocol::FormatRfc3339Utc(protocol::SystemNowMicros(), protocol::TimeFraction::kNone);
  std::erase(stamp, ':');
  fs::path retired = key_file;
  retired += ".retired-" + stamp;
  std::error_code ec;
  fs::rename(key_file, retired, ec);
  if (!ec) fs::rename(NextKeyFile(key_file), key_file, ec);
  if (ec) {
    return Status::Internal("the registry accepted the new key, but moving " +
                            NextKeyFile(key_file).string() + " to " + key_file.string() +
                            " failed (" + ec.message() + "); move it by hand");
  }
  fs::path pub = key_file;
  pub += ".pub";
  fs::remove(pub, ec);
  if (Status s = crypto::WritePublicKeyFile(pub, next_public); !s.ok()) {
    std::fprintf(stderr, "signet artist rotate-key: warning: %s\n", s.message().c_str());
  }
  return retired;
}

int RunArtistRotateKey(const ArtistArgs& a) {
  constexpr std::string_view kCmd = "artist rotate-key";
  auto http = MakeClient(a.server);
  if (!http.ok()) return ReportError(kCmd, http.status());
  auto session = ArtistSession::Open(**http, a.key, a.artist);
  if (!session.ok()) return ReportError(kCmd, session.status());
  auto artist = session->FetchArtist();
  if (!artist.ok()) return ReportError(kCmd, artist.status());
  // After a rotation the id cannot be derived from the key file any more.
  std::ofstream(ArtistIdFile(session->key_file())) << session->artist_id() << "\n";

  const std::filesystem::path next_file = NextKeyFile(session->key_file());
  Result<crypto::SecretKey> next = std::filesystem::exists(next_file)
                                       ? crypto::ReadSecretKeyFile(next_file)
                                       : crypto::SecretKey::Generate();
  if (!next.ok()) return ReportError(kCmd, next.status());
  const std::string next_text = crypto::PublicKeyToText(next->public_key());
  const std::string current_text = crypto::PublicKeyToText(session->key().public_key());
  std::uint64_t log_index = 0;
  if (artist->public_key == next_text) {
    std::printf("the registry already holds the key in %s (an earlier run was interrupted)\n",
                next_file.string().c_str());
  } else if (artist->public_key != current_text) {
    return ReportError(
        kCmd, Status::PermissionDenied("the registry's current key of " + session->artist_id() +
                                       " is not the one in " + session->key_file().string() +
                                       " (was it rotated from another machine?)"));
  } else {
    if (!std::filesystem::exists(next_file)) {
      if (Status s = crypto::WriteSecretKeyFile(next_file, *next); !s.ok()) {
        return ReportError(kCmd, s);
      }
    }
    json::object body;
    body["new_public_key"] = next_text;
    auto submitted = session->Submit(protocol::StatementType::kArtistRotateKey, body);
    if (!submitted.ok()) return ReportError(kCmd, submitted.status());
    log_index = submitted->accepted.log_index;
    if (a.json) std::printf("%s\n", submitted->body.c_str());
  }
  auto retired = InstallNextKey(session->key_file(), next->public_key());
  if (!retired.ok()) return ReportError(kCmd, retired.status());
  if (a.json) return kExitOk;
  std::printf("rotated the key of %s (log index %llu): %s now holds the new key %s\n",
              session->artist_id().c_str(), static_cast<unsigned long long>(log_index),
              session->key_file().string().c_str(), next_text.c_str());
  std::printf("the old key is in %s; the registry refuses statements signed with it from now on\n",
              retired->string().c_str());
  return kExitOk;
}

}  // namespace

void AddArtistCommand(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<ArtistArgs>();
  CLI::App* artist = app.add_subcommand("artist", "Register or show an artist identity");
  artist->require_subcommand(1);

  CLI::App* reg = artist->add_subcommand(
      "register", "Register the artist who owns KEYFILE (signs locally; the key never leaves)");
  AddServerOption(*reg, args->server);
  reg->add_option("--key", args->key, "Secret key file made by `signet keygen`")->required();
  reg->add_option("--name", args->name, "Display name, e.g. the band or the composer")->required();
  reg->add_option("--isni", args->isni, "ISNI of the artist, e.g. 0000000121032683");
  reg->add_option("--ipi", args->ipi, "IPI name number of the artist");
  reg->add_option("--link", args->links, "A web page of the artist (repeatable)");
  reg->add_flag("--json", args->json, "Print the server's JSON answer (with the log receipt)");
  reg->footer(
      "Re-running it for an artist that is already registered changes nothing.\n"
      "The artist id is written to KEYFILE.artist; other commands read it from there.\n\n"
      "Examples:\n"
      "  signet keygen --out ada.key\n"
      "  signet artist register --server http://127.0.0.1:8080 --key ada.key --name 'Ada "
      "Lovelace'\n"
      "  signet artist register --key ada.key --name 'Ada' --isni 0000000121032683 \\\n"
      "      --link https://ada.example");
  commands.Add(reg, [args] { return RunArtistRegister(*args); });

  CLI::App* show = artist->add_subcommand("show", "Show an artist as the registry knows it (JSON)");
  AddServerOption(*show, args->server);
  auto* key = show->add_option("--key", args->key, "Show the artist who owns this key file");
  auto* id = show->add_option("--artist", args->artist, "Show this artist id (ar_...)");
  key->excludes(id);
  show->footer(
      "Examples:\n"
      "  signet artist show --key ada.key\n"
      "  signet artist show --artist ar_abcdefghijklmnopqrstuvwx");
  CLI::App* rotate = artist->add_subcommand(
      "rotate-key", "Replace the artist's key (signed by the current key; the id stays)");
  AddServerOption(*rotate, args->server);
  rotate->add_option("--key", args->key, "The current secret key file; it gets the new key")
      ->required();
  rotate->add_option("--artist", args->artist,
                     "The artist id, if KEYFILE.artist is missing (ar_...)");
  rotate->add_flag("--json", args->json, "Print the server's JSON answer (with the log receipt)");
  rotate->footer(
      "Makes a new key on this machine (first in KEYFILE.next, so an interrupted rotation\n"
      "is finished by running the command again), sends artist.rotate_key signed by the\n"
      "current key, then moves the old key to KEYFILE.retired-<time> and the new one to\n"
      "KEYFILE. Rotate when a key may have leaked: the old key signs nothing any more.\n"
      "Exit status: 0 rotated, 1 error (KEYFILE is unchanged), 2 usage.\n\n"
      "Example:\n"
      "  signet artist rotate-key --key ada.key");
  commands.Add(rotate, [args] { return RunArtistRotateKey(*args); });

  commands.Add(show, [args] {
    if (args->key.empty() && args->artist.empty()) {
      return ReportError("artist show", Status::InvalidArgument("give --key or --artist"));
    }
    return RunArtistShow(*args);
  });
}

}  // namespace signet::cli

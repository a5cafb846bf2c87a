// signet artist register | show: the artist's identity in the registry.
// The key stays on this machine; only the signed artist.register statement
// (public key, name, identifiers) is sent.
#include <boost/json/object.hpp>
#include <cstdio>
#include <fstream>
#include <memory>

#include "tools/signet/artist_session.h"
#include "tools/signet/commands.h"
#include "tools/signet/server_option.h"

namespace signet::cli {
namespace {
namespace json = boost::json;

struct ArtistArgs {
  std::string server;
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
  commands.Add(show, [args] {
    if (args->key.empty() && args->artist.empty()) {
      return ReportError("artist show", Status::InvalidArgument("give --key or --artist"));
    }
    return RunArtistShow(*args);
  });
}

}  // namespace signet::cli

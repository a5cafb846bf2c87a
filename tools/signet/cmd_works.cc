// signet works list | withdraw: an artist's works as the registry holds them,
// and taking one out of matching (work.withdraw, registry/STATEMENTS.md).
// Withdrawing keeps the record, its statements and its terms history; the
// work stops matching and its open disputes are resolved.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <memory>

#include "protocol/time.h"
#include "tools/signet/artist_session.h"
#include "tools/signet/commands.h"
#include "tools/signet/server_answer.h"
#include "tools/signet/server_option.h"
#include "tools/signet/terms_format.h"

namespace signet::cli {
namespace {
namespace json = boost::json;

struct WorksArgs {
  ServerOption server;
  std::string key;
  std::string artist;
  std::string work;
  std::string reason;
  bool withdrawn = false;
  bool json = false;
};

int RunWorksList(const WorksArgs& a) {
  auto http = MakeClient(a.server);
  if (!http.ok()) return ReportError("works list", http.status());
  std::string id = a.artist;
  if (id.empty()) {
    auto session = ArtistSession::Open(**http, a.key);
    if (!session.ok()) return ReportError("works list", session.status());
    id = session->artist_id();
  }
  auto works = GetAllPages(**http, "/v1/artists/" + client::EncodeComponent(id) + "/works",
                           "GET /v1/artists/{id}/works", protocol::WorkFromJson);
  if (!works.ok()) return ReportError("works list", works.status());
  std::size_t live = 0, shown = 0;
  json::array items;
  for (const protocol::Work& w : *works) {
    if (!w.withdrawn) ++live;
    if (w.withdrawn && !a.withdrawn) continue;
    ++shown;
    if (a.json) {
      items.emplace_back(protocol::ToJson(w));
      continue;
    }
    std::printf("%s  %-9s %6s  %s", w.id.c_str(), w.withdrawn ? "withdrawn" : "live",
                FormatClock(w.duration_seconds).c_str(), w.title.c_str());
    if (!w.musicbrainz_recording_ids.empty()) {
      std::printf("  MusicBrainz:");
      for (const std::string& m : w.musicbrainz_recording_ids) std::printf(" %s", m.c_str());
    }
    if (!w.open_disputes.empty()) {
      std::printf("  DISPUTED:");
      for (const std::string& d : w.open_disputes) std::printf(" %s", d.c_str());
    }
    std::printf("\n");
  }
  if (a.json) {
    std::printf("%s\n", json::serialize(items).c_str());
    return kExitOk;
  }
  std::printf("%zu works of %s: %zu live, %zu withdrawn%s\n", works->size(), id.c_str(), live,
              works->size() - live,
              !a.withdrawn && shown < works->size() ? " (list them with --withdrawn)" : "");
  return kExitOk;
}

int RunWorksWithdraw(const WorksArgs& a) {
  json::object body;
  body["work"] = a.work;
  if (!a.reason.empty()) body["reason"] = a.reason;
  auto submitted =
      SubmitOne(a.server, a.key, a.artist, protocol::StatementType::kWorkWithdraw, body);
  if (!submitted.ok()) return ReportError("works withdraw", submitted.status());
  if (a.json) {
    std::printf("%s\n", submitted->body.c_str());
    return kExitOk;
  }
  std::printf(
      "withdrew %s (log index %llu, %s): it no longer matches; its record and terms "
      "history stay\n",
      a.work.c_str(), static_cast<unsigned long long>(submitted->accepted.log_index),
      protocol::FormatRfc3339Utc(submitted->accepted.accepted_at).c_str());
  return kExitOk;
}

}  // namespace

void AddWorksCommand(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<WorksArgs>();
  CLI::App* works = app.add_subcommand("works", "List an artist's works or withdraw one");
  works->require_subcommand(1);

  CLI::App* list = works->add_subcommand("list", "List the works of an artist");
  AddServerOption(*list, args->server);
  auto* key = list->add_option("--key", args->key, "List the works of the artist of this key");
  auto* artist = list->add_option("--artist", args->artist, "List the works of this artist id");
  key->excludes(artist);
  list->add_flag("--withdrawn", args->withdrawn, "Also list withdrawn works");
  list->add_flag("--json", args->json, "Print the works as a JSON array (the registry's objects)");
  list->footer(
      "One line per work: id, live or withdrawn, duration, title, MusicBrainz recording\n"
      "ids, open disputes.\n"
      "Exit status: 0 listed, 1 error (e.g. unknown artist), 2 usage.\n\n"
      "Examples:\n"
      "  signet works list --key ada.key\n"
      "  signet works list --artist ar_abcdefghijklmnopqrstuvwx --withdrawn --json");
  commands.Add(list, [args] {
    if (args->key.empty() && args->artist.empty()) {
      return ReportError("works list", Status::InvalidArgument("give --key or --artist"));
    }
    return RunWorksList(*args);
  });

  CLI::App* withdraw = works->add_subcommand(
      "withdraw", "Withdraw one of your works: it stops matching, its history stays");
  AddServerOption(*withdraw, args->server);
  withdraw->add_option("--key", args->key, "Secret key file of the work's artist")->required();
  withdraw->add_option("--work", args->work, "The work id (wk_...)")->required();
  withdraw->add_option("--artist", args->artist,
                       "The artist id, if KEYFILE.artist is missing (ar_...)");
  withdraw->add_option("--reason", args->reason, "Why, free text (kept in the signed statement)");
  withdraw->add_flag("--json", args->json, "Print the server's JSON answer (with the log receipt)");
  withdraw->footer(
      "Its open disputes are resolved (\"withdrawn by its artist\"). Registering the same\n"
      "recording again makes it live again.\n"
      "Exit status: 0 withdrawn, 1 error (not your work, already withdrawn, unknown), 2 usage.\n\n"
      "Examples:\n"
      "  signet works withdraw --key ada.key --work wk_0123... --reason 'registered by mistake'");
  commands.Add(withdraw, [args] { return RunWorksWithdraw(*args); });
}

}  // namespace signet::cli

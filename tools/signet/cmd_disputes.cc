// signet disputes list | show | open | resolve: contested registrations
// (registry/STATEMENTS.md "dispute.open", "dispute.resolve"). The registry
// opens a dispute itself when two artists register overlapping recordings;
// an artist can open one on another artist's work, and either artist of a
// dispute can resolve it, saying what was agreed. The registry does not
// adjudicate: it records who said what, signed, in the log.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <memory>

#include "protocol/ids.h"
#include "protocol/time.h"
#include "tools/signet/artist_session.h"
#include "tools/signet/commands.h"
#include "tools/signet/server_answer.h"
#include "tools/signet/server_option.h"

namespace signet::cli {
namespace {
namespace json = boost::json;

struct DisputesArgs {
  ServerOption server;
  std::string key;
  std::string artist;
  std::string work;
  std::string other_work;
  std::string dispute;
  std::string state;
  std::string text;  // --reason (open) or --resolution (resolve)
  bool json = false;
};

// "dp_...  open      wk_a (ar_a) / wk_b (ar_b)  opened by registry"
void PrintDisputeLine(const protocol::Dispute& d) {
  std::printf("%s  %-8s %s (%s) / %s (%s)  opened by %s\n", d.id.c_str(), d.state.c_str(),
              d.work_a.c_str(), d.artist_a.c_str(), d.work_b.c_str(), d.artist_b.c_str(),
              d.opened_by.c_str());
}

// "  work_a  wk_...  "Title" by Name (ar_...)", or just the ids when the work cannot be read.
std::string DescribeWork(client::HttpClient& http, const std::string& work,
                         const std::string& artist) {
  std::string out = work;
  if (auto body = http.Get("/v1/works/" + client::EncodeComponent(work)); body.ok()) {
    if (auto w = DecodeAnswer(*body, "GET /v1/works", protocol::WorkFromJson); w.ok()) {
      out += "  \"" + w->title + "\"";
      if (w->withdrawn) out += " (withdrawn)";
    }
  }
  out += " by ";
  if (auto body = http.Get("/v1/artists/" + client::EncodeComponent(artist)); body.ok()) {
    if (auto a = DecodeAnswer(*body, "GET /v1/artists", protocol::ArtistFromJson); a.ok()) {
      out += a->display_name + " ";
    }
  }
  return out + "(" + artist + ")";
}

int RunDisputesList(const DisputesArgs& a) {
  auto http = MakeClient(a.server);
  if (!http.ok()) return ReportError("disputes list", http.status());
  std::string artist = a.artist;
  if (!a.key.empty()) {
    auto session = ArtistSession::Open(**http, a.key);
    if (!session.ok()) return ReportError("disputes list", session.status());
    artist = session->artist_id();
  }
  std::string query;
  auto add = [&query](const char* name, const std::string& value) {
    if (value.empty()) return;
    query += (query.empty() ? "?" : "&") + std::string(name) + "=" + client::EncodeComponent(value);
  };
  add("state", a.state);
  add("artist", artist);
  add("work", a.work);
  auto disputes =
      GetAllPages(**http, "/v1/disputes" + query, "GET /v1/disputes", protocol::DisputeFromJson);
  if (!disputes.ok()) return ReportError("disputes list", disputes.status());
  if (a.json) {
    json::array items;
    for (const protocol::Dispute& d : *disputes) items.emplace_back(protocol::ToJson(d));
    std::printf("%s\n", json::serialize(items).c_str());
    return kExitOk;
  }
  std::size_t open = 0;
  for (const protocol::Dispute& d : *disputes) {
    PrintDisputeLine(d);
    if (d.state == "open") ++open;
  }
  std::printf("%zu dispute%s: %zu open, %zu resolved\n", disputes->size(),
              disputes->size() == 1 ? "" : "s", open, disputes->size() - open);
  return kExitOk;
}

int RunDisputesShow(const DisputesArgs& a) {
  auto http = MakeClient(a.server);
  if (!http.ok()) return ReportError("disputes show", http.status());
  auto body = (*http)->Get("/v1/disputes/" + client::EncodeComponent(a.dispute));
  if (!body.ok()) return ReportError("disputes show", body.status());
  if (a.json) {
    std::printf("%s\n", body->c_str());
    return kExitOk;
  }
  auto d = DecodeAnswer(*body, "GET /v1/disputes", protocol::DisputeFromJson);
  if (!d.ok()) return ReportError("disputes show", d.status());
  std::printf("dispute %s: %s\n", d->id.c_str(), d->state.c_str());
  std::printf("  first registered  %s\n", DescribeWork(**http, d->work_a, d->artist_a).c_str());
  std::printf("  then              %s\n", DescribeWork(**http, d->work_b, d->artist_b).c_str());
  std::printf("  opened by %s at %s (log index %llu)", d->opened_by.c_str(),
              protocol::FormatRfc3339Utc(d->opened_at).c_str(),
              static_cast<unsigned long long>(d->open_log_index));
  if (d->opened_by == "registry") std::printf(", match score %.3f", d->match_score);
  std::printf("\n");
  if (!d->reason.empty()) std::printf("  reason: %s\n", d->reason.c_str());
  if (d->resolved) {
    std::printf("  resolved by %s at %s (log index %llu): %s\n", d->resolved->resolved_by.c_str(),
                protocol::FormatRfc3339Utc(d->resolved->resolved_at).c_str(),
                static_cast<unsigned long long>(d->resolved->resolve_log_index),
                d->resolved->resolution.c_str());
  }
  return kExitOk;
}

int RunDisputesOpen(const DisputesArgs& a) {
  json::object body;
  body["work"] = a.work;
  body["other_work"] = a.other_work;
  body["reason"] = a.text;
  auto submitted =
      SubmitOne(a.server, a.key, std::nullopt, protocol::StatementType::kDisputeOpen, body);
  if (!submitted.ok()) return ReportError("disputes open", submitted.status());
  if (a.json) {
    std::printf("%s\n", submitted->body.c_str());
    return kExitOk;
  }
  const std::string id =
      submitted->accepted.dispute_id.value_or(protocol::DisputeIdFor(a.work, a.other_work));
  std::printf("opened dispute %s between %s and %s (log index %llu)\n", id.c_str(), a.work.c_str(),
              a.other_work.c_str(), static_cast<unsigned long long>(submitted->accepted.log_index));
  return kExitOk;
}

int RunDisputesResolve(const DisputesArgs& a) {
  json::object body;
  body["dispute"] = a.dispute;
  body["resolution"] = a.text;
  auto submitted =
      SubmitOne(a.server, a.key, std::nullopt, protocol::StatementType::kDisputeResolve, body);
  if (!submitted.ok()) return ReportError("disputes resolve", submitted.status());
  if (a.json) {
    std::printf("%s\n", submitted->body.c_str());
    return kExitOk;
  }
  std::printf("resolved dispute %s (log index %llu): %s\n", a.dispute.c_str(),
              static_cast<unsigned long long>(submitted->accepted.log_index), a.text.c_str());
  return kExitOk;
}

}  // namespace

void AddDisputesCommand(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<DisputesArgs>();
  CLI::App* disputes =
      app.add_subcommand("disputes", "List, show, open or resolve disputes between artists");
  disputes->require_subcommand(1);
  const std::string exit_status = "Exit status: 0 done, 1 error, 2 usage.\n\n";

  CLI::App* list = disputes->add_subcommand("list", "List disputes (all, or filtered)");
  AddServerOption(*list, args->server);
  list->add_option("--state", args->state, "Only disputes in this state")
      ->check(CLI::IsMember({"open", "resolved"}));
  auto* key = list->add_option("--key", args->key, "Only disputes of the artist of this key");
  auto* artist = list->add_option("--artist", args->artist, "Only disputes of this artist id");
  key->excludes(artist);
  list->add_option("--work", args->work, "Only disputes on this work id");
  list->add_flag("--json", args->json, "Print the disputes as a JSON array");
  list->footer(exit_status +
               "Examples:\n"
               "  signet disputes list --state open\n"
               "  signet disputes list --key ada.key --json");
  commands.Add(list, [args] { return RunDisputesList(*args); });

  CLI::App* show = disputes->add_subcommand("show", "Show one dispute: the works, who, why");
  AddServerOption(*show, args->server);
  show->add_option("--dispute", args->dispute, "The dispute id (dp_...)")->required();
  show->add_flag("--json", args->json, "Print the server's JSON answer");
  show->footer(exit_status + "Example:\n  signet disputes show --dispute dp_0123...");
  commands.Add(show, [args] { return RunDisputesShow(*args); });

  CLI::App* open = disputes->add_subcommand(
      "open", "Dispute another artist's registration of a recording you registered");
  AddServerOption(*open, args->server);
  open->add_option("--key", args->key, "Your secret key file")->required();
  open->add_option("--work", args->work, "Your work id (wk_...)")->required();
  open->add_option("--other-work", args->other_work, "The other artist's work id (wk_...)")
      ->required();
  open->add_option("--reason", args->text, "Why, free text (kept in the signed statement)")
      ->required();
  open->add_flag("--json", args->json, "Print the server's JSON answer (with the log receipt)");
  open->footer(
      "A pair of works has one dispute id; a resolved one is reopened.\n" + exit_status +
      "Example:\n"
      "  signet disputes open --key ada.key --work wk_mine... --other-work wk_theirs... \\\n"
      "      --reason 'this is my recording, released 2019'");
  commands.Add(open, [args] { return RunDisputesOpen(*args); });

  CLI::App* resolve = disputes->add_subcommand(
      "resolve", "Declare a dispute you are party to settled, saying what was agreed");
  AddServerOption(*resolve, args->server);
  resolve->add_option("--key", args->key, "Your secret key file (one of the two artists)")
      ->required();
  resolve->add_option("--dispute", args->dispute, "The dispute id (dp_...)")->required();
  resolve->add_option("--resolution", args->text, "What was agreed, free text")->required();
  resolve->add_flag("--json", args->json, "Print the server's JSON answer (with the log receipt)");
  resolve->footer("Either artist of the dispute may resolve it; the registry records who did.\n" +
                  exit_status +
                  "Example:\n"
                  "  signet disputes resolve --key bo.key --dispute dp_0123... \\\n"
                  "      --resolution 'my upload was a mistake; withdrawn'");
  commands.Add(resolve, [args] { return RunDisputesResolve(*args); });
}

}  // namespace signet::cli

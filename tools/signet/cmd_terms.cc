// signet terms set | show: training-consent terms of a work or of the
// artist's whole catalogue (the default every work inherits).
#include <boost/json/object.hpp>
#include <cstdio>
#include <memory>

#include "protocol/terms.h"
#include "tools/signet/artist_session.h"
#include "tools/signet/commands.h"
#include "tools/signet/server_answer.h"
#include "tools/signet/server_option.h"
#include "tools/signet/terms_format.h"
#include "tools/signet/terms_input.h"

namespace signet::cli {
namespace {
namespace json = boost::json;

std::vector<std::string> ExportFormatNames() {
  std::vector<std::string> names;
  for (protocol::ExportFormat f : protocol::kAllExportFormats) {
    names.emplace_back(protocol::ExportFormatName(f));
  }
  return names;
}

struct TermsArgs {
  ServerOption server;
  std::string key;
  std::string work;
  bool catalogue_default = false;
  std::vector<std::string> assignments;
  std::vector<std::string> licences;
  std::string contact;
  std::string conditions;
  std::string at;
  std::string format;
  std::string location;  // tdmrep: the path pattern on the artist's own server
  bool json = false;
};

int RunTermsSet(const TermsArgs& a) {
  auto terms = TermsFromAssignments(a.assignments, a.licences, a.contact, a.conditions);
  if (!terms.ok()) return ReportError("terms set", terms.status());
  auto http = MakeClient(a.server);
  if (!http.ok()) return ReportError("terms set", http.status());
  auto session = ArtistSession::Open(**http, a.key);
  if (!session.ok()) return ReportError("terms set", session.status());
  json::object body;
  protocol::StatementType type = protocol::StatementType::kArtistDefaultTerms;
  if (!a.work.empty()) {
    type = protocol::StatementType::kWorkTerms;
    body["work"] = a.work;
  }
  body["terms"] = std::move(*terms);
  auto submitted = session->Submit(type, body);
  if (!submitted.ok()) return ReportError("terms set", submitted.status());
  if (a.json) {
    std::printf("%s\n", submitted->body.c_str());
    return kExitOk;
  }
  std::printf("terms of %s are now:", a.work.empty() ? "the catalogue default" : a.work.c_str());
  for (const std::string& s : a.assignments) std::printf(" %s", s.c_str());
  std::printf(" (since %s)", protocol::FormatRfc3339Utc(submitted->accepted.accepted_at).c_str());
  std::printf("\n");
  return kExitOk;
}

int RunTermsShow(const TermsArgs& a) {
  auto http = MakeClient(a.server);
  if (!http.ok()) return ReportError("terms show", http.status());
  std::string path = "/v1/works/" + client::EncodeComponent(a.work) + "/terms";
  std::string query;
  if (!a.format.empty()) {
    path += "/export";
    query = "?format=" + client::EncodeComponent(a.format);
    if (!a.location.empty()) query += "&location=" + client::EncodeComponent(a.location);
  }
  if (!a.at.empty()) query = "?at=" + client::EncodeComponent(a.at);
  auto body = (*http)->Get(path + query);
  if (!body.ok()) return ReportError("terms show", body.status());
  if (!a.format.empty() || a.json) {
    std::fputs(body->c_str(), stdout);
    if (body->empty() || body->back() != '\n') std::fputs("\n", stdout);
    return kExitOk;
  }
  auto answer = DecodeAnswer(*body, "GET terms", protocol::TermsAnswerFromJson);
  if (!answer.ok()) return ReportError("terms show", answer.status());
  std::fputs(FormatTermsAnswer(*answer).c_str(), stdout);
  return kExitOk;
}

}  // namespace

void AddTermsCommand(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<TermsArgs>();
  CLI::App* terms = app.add_subcommand("terms", "Set or show training-consent terms");
  terms->require_subcommand(1);

  CLI::App* set = terms->add_subcommand(
      "set", "Set terms for one work (--work) or for the whole catalogue (--default)");
  AddServerOption(*set, args->server);
  set->add_option("--key", args->key, "Secret key file of the work's artist")->required();
  auto* work = set->add_option("--work", args->work, "The work id (wk_...)");
  auto* def = set->add_flag("--default", args->catalogue_default,
                            "Set the catalogue default that every work without its own terms "
                            "inherits");
  work->excludes(def);
  set->add_option("assignments", args->assignments,
                  "PURPOSE=VALUE items; PURPOSE: " + protocol::PurposeList(" or ") +
                      "; VALUE: allowed, notAllowed or constrained")
      ->required();
  set->add_option("--licence", args->licences,
                  "For constrained: a licence URL that grants the use (repeatable)");
  set->add_option("--contact", args->contact,
                  "For constrained: whom to ask, e.g. mailto:licensing@example.org");
  set->add_option("--conditions", args->conditions, "For constrained: conditions, free text");
  set->add_flag("--json", args->json, "Print the server's JSON answer (with the log receipt)");
  set->footer(
      "Purposes inherit: data_mining > ai_training > ai_generative_training; a work's own\n"
      "terms win over the catalogue default; notAllowed wins over allowed. Every change is\n"
      "a new signed statement: the old terms stay visible with `terms show --at`.\n\n"
      "Examples:\n"
      "  signet terms set --key ada.key --work wk_0123... ai_generative_training=notAllowed\n"
      "  signet terms set --key ada.key --default ai_training=notAllowed search=allowed\n"
      "  signet terms set --key ada.key --work wk_0123... ai_training=constrained \\\n"
      "      --licence https://ada.example/licence --contact mailto:ada@example.org");
  commands.Add(set, [args] {
    if (args->work.empty() && !args->catalogue_default) {
      return ReportError("terms set", Status::InvalidArgument("give --work ID or --default"));
    }
    return RunTermsSet(*args);
  });

  CLI::App* show = terms->add_subcommand("show", "Show the terms in force for a work");
  AddServerOption(*show, args->server);
  show->add_option("--work", args->work, "The work id (wk_...)")->required();
  auto* at = show->add_option(
      "--at", args->at, "RFC 3339 UTC time, e.g. 2026-11-23T12:00:00Z: the terms in force then");
  show->add_option("--format", args->format,
                   "Export the terms in force now for another standard instead")
      ->check(CLI::IsMember(ExportFormatNames()))
      ->excludes(at);
  show->add_option("--location", args->location,
                   "With --format tdmrep: the path pattern, on the web server that serves the "
                   "work's files, that the rule covers (e.g. /music/song.flac)");
  show->add_flag("--json", args->json, "Print the server's JSON answer");
  show->footer(
      "Formats: tdmrep (a W3C TDMRep rule for your server's /.well-known/tdmrep.json;\n"
      "needs --location), tdm-policy (the TDMRep TDM Policy the rule points at),\n"
      "cawg (CAWG training-mining assertion), plus (IPTC PLUS plus:DataMining and\n"
      "plus:OtherConstraints), aipref (the IETF AIPREF Content-Usage value,\n"
      "draft-ietf-aipref-vocab-08).\n\n"
      "Examples:\n"
      "  signet terms show --work wk_0123...\n"
      "  signet terms show --work wk_0123... --at 2026-11-23T12:00:00Z\n"
      "  signet terms show --work wk_0123... --format aipref");
  commands.Add(show, [args] { return RunTermsShow(*args); });
}

}  // namespace signet::cli

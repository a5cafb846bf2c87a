// signet match FILE: which registered works a recording contains, where, how
// confidently, whose they are, whether they are disputed, and their terms.
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "tools/signet/cli_common.h"
#include "tools/signet/commands.h"
#include "tools/signet/statements.h"
#include "tools/signet/terms_format.h"

namespace signet::cli {
namespace {
namespace json = boost::json;

struct MatchArgs {
  std::string server;
  std::string file;
  bool json = false;
  bool local = false;
};

std::string Field(const json::object& m, const json::object* work, std::string_view key) {
  std::string v = JsonString(m, key);
  if (v.empty() && work) v = JsonString(*work, key);
  return v;
}

void PrintMatch(std::size_t n, const json::object& m) {
  const json::object* work = JsonObject(m, "work");
  const std::string id =
      Field(m, work, "id").empty() ? Field(m, work, "work_id") : Field(m, work, "id");
  std::string artist_name = JsonString(m, "artist_display_name");
  if (artist_name.empty()) {
    if (const json::object* ar = JsonObject(m, "artist"))
      artist_name = JsonString(*ar, "display_name");
  }
  const std::string artist_id = work ? JsonString(*work, "artist") : JsonString(m, "artist_id");
  std::printf("%zu. \"%s\" by %s (%s)\n", n, Field(m, work, "title").c_str(), artist_name.c_str(),
              artist_id.c_str());
  std::printf("   work %s  score %.2f\n", id.c_str(), JsonNumber(m, "score"));
  if (const double speed = JsonNumber(m, "speed"); speed > 0 && speed != 1.0) {
    std::printf("   played %.0f %% %s than registered (speed %.2f); times below are this file's\n",
                std::abs(speed - 1) * 100, speed > 1 ? "faster" : "slower", speed);
  }
  if (const json::array* segs = JsonArray(m, "segments")) {
    for (const auto& s : *segs) {
      if (!s.is_object()) continue;
      const json::object& o = s.get_object();
      std::printf("   query %s-%s  =  reference %s-%s  (bit error rate %.3f)\n",
                  FormatClock(JsonNumber(o, "query_start")).c_str(),
                  FormatClock(JsonNumber(o, "query_end")).c_str(),
                  FormatClock(JsonNumber(o, "ref_start")).c_str(),
                  FormatClock(JsonNumber(o, "ref_end")).c_str(), JsonNumber(o, "bit_error_rate"));
    }
  }
  std::string ids;
  for (const char* k : {"isrc", "iswc"}) {
    if (std::string v = Field(m, work, k); !v.empty())
      ids += std::string(ids.empty() ? "" : ", ") + k + " " + v;
  }
  if (!ids.empty()) std::printf("   %s\n", ids.c_str());
  if (const json::array* credits = work ? JsonArray(*work, "credits") : nullptr) {
    std::string c;
    for (const auto& x : *credits) {
      if (!x.is_object()) continue;
      c += (c.empty() ? "" : "; ") + JsonString(x.get_object(), "name") + " (" +
           JsonString(x.get_object(), "role") + ")";
    }
    if (!c.empty()) std::printf("   credits: %s\n", c.c_str());
  }
  std::printf("   terms: %s\n", TermsSummary(m.if_contains("terms")).c_str());
  if (const json::array* disputes = JsonArray(m, "disputes"); disputes && !disputes->empty()) {
    for (const auto& d : *disputes) {
      if (!d.is_object()) continue;
      const json::object& o = d.get_object();
      std::printf("   DISPUTED: %s between %s (%s) and %s (%s)\n", JsonString(o, "id").c_str(),
                  JsonString(o, "work_a").c_str(), JsonString(o, "artist_a").c_str(),
                  JsonString(o, "work_b").c_str(), JsonString(o, "artist_b").c_str());
    }
  }
}

int RunMatch(const MatchArgs& a) {
  constexpr std::string_view kCmd = "match";
  auto http = MakeClient(a.server);
  if (!http.ok()) return ReportError(kCmd, http.status());
  auto send_fingerprint = [&]() -> Result<std::string> {
    SIGNET_ASSIGN_OR_RETURN(LocalFingerprint lf, FingerprintLocalFile(a.file));
    json::object q{{"fingerprint", lf.compressed}, {"duration", lf.duration_seconds}};
    return (*http)->Post("/v1/match", "application/json", json::serialize(q));
  };
  // signetd takes audio up to 64 MiB / 30 min by default; beyond, or when it
  // says the audio is too large, the fingerprint is computed here instead.
  constexpr std::uintmax_t kMaxAudioUpload = 64u << 20;
  std::error_code size_ec;
  const bool too_big = std::filesystem::file_size(a.file, size_ec) > kMaxAudioUpload;
  Result<std::string> answer = Status::Internal("not sent");
  if (a.local || too_big) {
    answer = send_fingerprint();
  } else {
    auto bytes = ReadWholeFile(a.file);
    if (!bytes.ok()) return ReportError(kCmd, bytes.status());
    answer = (*http)->Post("/v1/match", "application/octet-stream", std::move(*bytes));
    if (!answer.ok() && answer.status().code() == Status::Code::kResourceExhausted) {
      std::fprintf(stderr, "note: %s; sending its fingerprint instead\n",
                   answer.status().message().c_str());
      answer = send_fingerprint();
    }
  }
  if (!answer.ok()) return ReportError(kCmd, answer.status().WithContext(a.file));
  if (a.json) {
    std::printf("%s\n", answer->c_str());
    return kExitOk;
  }
  auto o = ParseJsonObject(*answer, "POST /v1/match");
  if (!o.ok()) return ReportError(kCmd, o.status());
  const json::array* matches = JsonArray(*o, "matches");
  if (!matches || matches->empty()) {
    std::printf("%s: no registered work found\n", a.file.c_str());
    return kExitOk;
  }
  std::printf("%s: %zu registered work%s found\n", a.file.c_str(), matches->size(),
              matches->size() == 1 ? "" : "s");
  std::size_t n = 0;
  for (const auto& m : *matches) {
    if (m.is_object()) PrintMatch(++n, m.get_object());
  }
  return kExitOk;
}

}  // namespace

void AddMatchCommand(CLI::App& app) {
  auto args = std::make_shared<MatchArgs>();
  CLI::App* cmd = app.add_subcommand("match", "Find the registered works in a recording");
  AddServerOption(*cmd, args->server);
  cmd->add_option("file", args->file, "Audio file (any format FFmpeg reads)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", args->json, "Print the server's JSON answer");
  cmd->add_flag("--local", args->local,
                "Fingerprint here and send only the fingerprint (private, smaller; the "
                "server then cannot find sped-up or slowed-down copies)");
  cmd->footer(
      "By default the audio itself is sent, so that the registry can also hear it up to\n"
      "6 % faster or slower and find sped-up or slowed-down copies (files over 64 MiB, or\n"
      "that the server finds too long, are fingerprinted here instead). Each match shows score, "
      "matched segments (query and\n"
      "reference time ranges), artist, credits, identifiers, disputes and terms.\n\n"
      "Examples:\n"
      "  signet match clip.mp3\n"
      "  signet match --server http://127.0.0.1:8080 --json mix.ogg\n"
      "  signet match --local private-demo.wav");
  cmd->callback([args] { ExitStatus() = RunMatch(*args); });
}

}  // namespace signet::cli

// signet match FILE: which registered works a recording contains, where, how
// confidently, whose they are, whether they are disputed, and their terms.
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <utility>

#include "fingerprint/fusion.h"
#include "tools/signet/commands.h"
#include "tools/signet/local_fingerprint.h"
#include "tools/signet/server_answer.h"
#include "tools/signet/server_option.h"
#include "tools/signet/terms_format.h"
#include "tools/signet/whole_file.h"

namespace signet::cli {
namespace {
namespace json = boost::json;

struct MatchArgs {
  ServerOption server;
  std::string file;
  bool json = false;
  bool local = false;
};

void PrintMatch(std::size_t n, const protocol::WorkMatch& m) {
  const protocol::Work& work = m.work;
  std::printf("%zu. \"%s\" by %s (%s)\n", n, work.title.c_str(), m.artist.display_name.c_str(),
              work.artist.c_str());
  // The scale: score = -log10(E), E the expected number of unrelated works
  // that would match this well over the whole registry.
  std::printf("   work %s  score %.2f (E = %.1e: unrelated works expected to match this well)\n",
              work.id.c_str(), m.score, m.e_value);
  if (const std::string factors = fp::DescribeFactors(m.tempo, m.pitch_semitones);
      !factors.empty()) {
    std::printf(
        "   %s (tempo x%.3f, pitch %+.2f semitones against the registered recording); "
        "times below are this file's\n",
        factors.c_str(), m.tempo, m.pitch_semitones);
  }
  for (const protocol::Segment& s : m.segments) {
    std::string how;
    for (const std::string& p : s.prints) how += (how.empty() ? "" : " + ") + p;
    if (s.bit_error_rate) {
      char ber[48];
      std::snprintf(ber, sizeof ber, ", bit error rate %.3f", *s.bit_error_rate);
      how += ber;
    }
    std::printf("   query %s-%s  =  reference %s-%s  (%s)\n", FormatClock(s.query_start).c_str(),
                FormatClock(s.query_end).c_str(), FormatClock(s.ref_start).c_str(),
                FormatClock(s.ref_end).c_str(), how.c_str());
  }
  std::string ids;
  for (const auto& [name, value] : {std::pair{"isrc", &work.isrc}, std::pair{"iswc", &work.iswc}}) {
    if (*value && !(*value)->empty()) {
      ids += std::string(ids.empty() ? "" : ", ") + name + " " + **value;
    }
  }
  if (!ids.empty()) std::printf("   %s\n", ids.c_str());
  std::string c;
  for (const protocol::Credit& credit : work.credits) {
    c += (c.empty() ? "" : "; ") + credit.name + " (" + credit.role + ")";
  }
  if (!c.empty()) std::printf("   credits: %s\n", c.c_str());
  std::printf("   terms: %s\n", TermsSummary(m.terms).c_str());
  for (const protocol::Dispute& d : m.disputes) {
    std::printf("   DISPUTED: %s between %s (%s) and %s (%s)\n", d.id.c_str(), d.work_a.c_str(),
                d.artist_a.c_str(), d.work_b.c_str(), d.artist_b.c_str());
  }
}

int RunMatch(const MatchArgs& a) {
  constexpr std::string_view kCmd = "match";
  auto http = MakeClient(a.server);
  if (!http.ok()) return ReportError(kCmd, http.status());
  auto send_fingerprint = [&]() -> Result<std::string> {
    SIGNET_ASSIGN_OR_RETURN(LocalFingerprint lf,
                            FingerprintLocalFile(a.file, LandmarkDensity::kQuery));
    json::object q{{"fingerprint", lf.compressed}, {"landmark", lf.landmark}};
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
  auto o = DecodeAnswer(*answer, "POST /v1/match", protocol::MatchAnswerFromJson);
  if (!o.ok()) return ReportError(kCmd, o.status());
  const std::vector<protocol::WorkMatch>& matches = o->matches;
  if (matches.empty()) {
    std::printf("%s: no registered work found\n", a.file.c_str());
    return kExitOk;
  }
  std::printf("%s: %zu registered work%s found\n", a.file.c_str(), matches.size(),
              matches.size() == 1 ? "" : "s");
  std::size_t n = 0;
  for (const auto& m : matches) PrintMatch(++n, m);
  return kExitOk;
}

}  // namespace

void AddMatchCommand(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<MatchArgs>();
  CLI::App* cmd = app.add_subcommand("match", "Find the registered works in a recording");
  AddServerOption(*cmd, args->server);
  cmd->add_option("file", args->file, "Audio file (any format FFmpeg reads)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", args->json, "Print the server's JSON answer");
  cmd->add_flag("--local", args->local,
                "Fingerprint here and send only the prints (Chromaprint and the landmark print; "
                "private, smaller)");
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
  commands.Add(cmd, [args] { return RunMatch(*args); });
}

}  // namespace signet::cli

// signet check: the AI company's dataset check. Files are fingerprinted in
// parallel and streamed as NDJSON through POST /v1/check while the verdicts
// stream back, so memory stays flat for any number of files. The report
// (CSV or JSON) is written as verdicts arrive.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

#include "protocol/answers_json.h"
#include "protocol/terms.h"
#include "protocol/time.h"
#include "tools/signet/batch_options.h"
#include "tools/signet/commands.h"
#include "tools/signet/csv.h"
#include "tools/signet/interrupt.h"
#include "tools/signet/local_fingerprint.h"
#include "tools/signet/pipeline.h"
#include "tools/signet/progress.h"
#include "tools/signet/server_option.h"

namespace signet::cli {
namespace {
namespace fs = std::filesystem;
namespace json = boost::json;

struct CheckArgs {
  ServerOption server;
  std::string purpose;
  std::vector<std::string> licences;
  std::string csv_out;
  std::string json_out;
  BatchOptions batch;
};

// Everything the report needs about one file, from the server's verdict line.
struct FileVerdict {
  std::string verdict;  // allowed, notAllowed, constrained, disputed, unregistered, error
  std::string reason;
  std::vector<std::string> work_ids, artists, titles, disputes;
  json::value raw;  // the server's line, for the JSON report
};

FileVerdict FromLine(const protocol::CheckVerdictLine& line, json::value raw) {
  FileVerdict v;
  v.verdict = protocol::VerdictName(line.verdict);
  v.reason = line.reason;
  for (const protocol::CheckWork& w : line.works) {
    v.work_ids.push_back(w.work_id);
    v.artists.push_back(w.artist_name.empty() ? w.artist : w.artist_name);
    v.titles.push_back(w.title);
    if (w.disputed) v.disputes.push_back(w.work_id);
  }
  v.raw = std::move(raw);
  return v;
}

FileVerdict FromLine(const protocol::CheckErrorLine& line, json::value raw) {
  FileVerdict v;
  v.verdict = "error";
  v.reason = line.detail.empty() ? "the registry could not check this item" : line.detail;
  v.raw = std::move(raw);
  return v;
}

// The item id this client sent: the index of the file, as a decimal string.
std::optional<std::size_t> ItemIndex(const protocol::CheckItemId& id, std::size_t files) {
  const std::string* text = std::get_if<std::string>(&id);
  if (!text || text->empty()) return std::nullopt;
  char* end = nullptr;
  const unsigned long long index = std::strtoull(text->c_str(), &end, 10);
  if (*end != '\0' || index >= files) return std::nullopt;
  return static_cast<std::size_t>(index);
}

std::string IdText(const protocol::CheckItemId& id) {
  if (const auto* s = std::get_if<std::string>(&id)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&id)) return std::to_string(*i);
  if (const auto* u = std::get_if<std::uint64_t>(&id)) return std::to_string(*u);
  return "";
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ";") + x;
  return s;
}

// Writes the report files and keeps the tallies; called from two threads
// (fingerprint failures from the main thread, verdicts from the I/O thread).
class Report {
 public:
  Report(const CheckArgs& a, const std::vector<fs::path>& files, Progress& progress)
      : args_(a), files_(files), progress_(progress), answered_(files.size(), false) {}

  Status Open() {
    if (!args_.csv_out.empty()) {
      csv_.open(args_.csv_out, std::ios::trunc);
      if (!csv_) return Status::IoError("cannot write " + args_.csv_out);
      csv_ << "path,verdict,reason,works,artists,titles,disputes\n";
    }
    if (!args_.json_out.empty()) {
      json_.open(args_.json_out, std::ios::trunc);
      if (!json_) return Status::IoError("cannot write " + args_.json_out);
      json::array lic;
      for (const auto& l : args_.licences) lic.emplace_back(l);
      json_ << "{\"purpose\":" << json::serialize(json::value(args_.purpose))
            << ",\"licences\":" << json::serialize(lic)
            << ",\"server\":" << json::serialize(json::value(args_.server.url))
            << ",\"checked_at\":"
            << json::serialize(json::value(protocol::FormatRfc3339Utc(
                   protocol::SystemNowMicros(), protocol::TimeFraction::kNone)))
            << ",\"results\":[\n";
    }
    return Status::Ok();
  }

  // The registry's last line: its own tallies and the signed receipt.
  void SetSummary(const protocol::CheckSummaryLine& line, json::value raw) {
    std::lock_guard l(mu_);
    server_summary_ = line;
    server_summary_raw_ = std::move(raw);
  }

  // A file was fingerprinted and sent; the bar shows it before the answer.
  void Fingerprinted() {
    std::lock_guard l(mu_);
    progress_.SetPrepared(++fingerprinted_, "fingerprinted");
  }

  void Add(std::size_t index, const FileVerdict& v) {
    std::lock_guard l(mu_);
    if (answered_[index]) return;  // a second answer for one item is ignored
    answered_[index] = true;
    const std::string path = files_[index].string();
    ++counts_[v.verdict];
    if (v.verdict == "notAllowed" || v.verdict == "constrained" || v.verdict == "disputed") {
      ++blocked_;
      if (blocked_lines_.size() < 50)
        blocked_lines_.push_back(path + ": " + v.verdict +
                                 (v.reason.empty() ? "" : " (" + v.reason + ")"));
    } else if (v.verdict == "error") {
      ++errors_;
      if (error_lines_.size() < 50) error_lines_.push_back(path + ": " + v.reason);
    }
    if (csv_.is_open()) {
      csv_ << CsvField(path) << ',' << CsvField(v.verdict) << ',' << CsvField(v.reason) << ','
           << CsvField(Join(v.work_ids)) << ',' << CsvField(Join(v.artists)) << ','
           << CsvField(Join(v.titles)) << ',' << CsvField(Join(v.disputes)) << '\n';
    }
    if (json_.is_open()) {
      json::object o;
      o["path"] = path;
      o["verdict"] = v.verdict;
      o["reason"] = v.reason;
      if (v.raw.is_object()) o["answer"] = v.raw;
      json_ << (first_ ? "" : ",\n") << json::serialize(o);
      first_ = false;
    }
    progress_.Tick(path, v.verdict);
  }

  Status Close(std::size_t files) {
    std::lock_guard l(mu_);
    if (json_.is_open()) {
      json::object summary;
      summary["files"] = files;
      for (const auto& [k, n] : counts_) summary[k] = n;
      json_ << "\n],\"summary\":" << json::serialize(summary);
      if (server_summary_ && server_summary_->receipt) {
        json_ << ",\"receipt\":" << json::serialize(server_summary_raw_.at("receipt"));
      }
      json_ << "}\n";
      json_.close();
      if (!json_) return Status::IoError("cannot write " + args_.json_out);
    }
    if (csv_.is_open()) {
      csv_.close();
      if (!csv_) return Status::IoError("cannot write " + args_.csv_out);
    }
    return Status::Ok();
  }

  // The tallies; when not every file was answered (the registry is down, the
  // run was interrupted, the stream broke), says so first and lists the files
  // not checked, with `why`.
  void PrintSummary(const std::string& why) {
    std::lock_guard l(mu_);
    const std::size_t files = files_.size();
    std::size_t answered = 0;
    for (bool a : answered_) answered += a ? 1 : 0;
    if (answered == files) {
      std::printf("%zu files checked for %s:", files, args_.purpose.c_str());
    } else {
      std::printf("INCOMPLETE: %zu of %zu files checked for %s:", answered, files,
                  args_.purpose.c_str());
    }
    for (const char* k : {"allowed", "unregistered", "notAllowed", "constrained", "disputed"}) {
      std::printf(" %zu %s,", counts_[k], k);
    }
    if (answered == files) {
      std::printf(" %zu errors\n", counts_["error"]);
    } else {
      // Never "0 errors" after a failure: what was not checked is the headline.
      if (counts_["error"] > 0) std::printf(" %zu errors,", counts_["error"]);
      std::printf(" %zu NOT CHECKED\n", files - answered);
    }
    if (!blocked_lines_.empty()) {
      std::printf("not allowed for %s:\n", args_.purpose.c_str());
      for (const auto& x : blocked_lines_) std::printf("  %s\n", x.c_str());
      if (blocked_ > blocked_lines_.size()) {
        std::printf("  ... and %zu more (see the --csv or --json report)\n",
                    blocked_ - blocked_lines_.size());
      }
    }
    if (!error_lines_.empty()) {
      std::printf("errors:\n");
      for (const auto& x : error_lines_) std::printf("  %s\n", x.c_str());
    }
    if (answered < files) {
      std::printf("not checked: %zu files (%s); re-run to check them:\n", files - answered,
                  why.empty() ? "no answer from the registry" : why.c_str());
      std::size_t listed = 0;
      for (std::size_t i = 0; i < files && listed < 10; ++i) {
        if (answered_[i]) continue;
        std::printf("  %s\n", files_[i].string().c_str());
        ++listed;
      }
      if (files - answered > listed) std::printf("  ... and %zu more\n", files - answered - listed);
    }
  }

  std::size_t blocked() const { return blocked_; }
  std::size_t errors() const { return errors_; }
  std::size_t answered() {
    std::lock_guard l(mu_);
    std::size_t n = 0;
    for (bool a : answered_) n += a ? 1 : 0;
    return n;
  }

 private:
  const CheckArgs& args_;
  const std::vector<fs::path>& files_;
  Progress& progress_;
  std::vector<bool> answered_;
  std::size_t fingerprinted_ = 0;
  std::mutex mu_;
  std::ofstream csv_, json_;
  bool first_ = true;
  std::map<std::string, std::size_t> counts_;
  std::optional<protocol::CheckSummaryLine> server_summary_;
  json::value server_summary_raw_;
  std::size_t blocked_ = 0, errors_ = 0;
  std::vector<std::string> blocked_lines_, error_lines_;
};

int RunCheck(const CheckArgs& a) {
  constexpr std::string_view kCmd = "check";
  // First: a Ctrl-C while the folder is walked still ends in the summary.
  InstallInterruptHandler();
  if (!protocol::ParsePurpose(a.purpose)) {
    return ReportError(kCmd, Status::InvalidArgument("unknown purpose '" + a.purpose + "'; use " +
                                                     protocol::PurposeList(" or ")));
  }
  auto http = MakeClient(a.server);
  if (!http.ok()) return ReportError(kCmd, http.status());
  auto collected = CollectFiles(a.batch);
  if (!collected.ok()) return ReportError(kCmd, collected.status());
  const std::vector<fs::path>& files = *collected;

  Progress progress("checking", files.size(), ProgressModeFor(a.batch));
  Report report(a, files, progress);
  if (Status s = report.Open(); !s.ok()) return ReportError(kCmd, s);

  // The registry's answer, verbatim: with the signed receipt on its last
  // line, it is the evidence of what the registry said (see --help).
  std::ofstream answers;
  const std::string report_path = !a.csv_out.empty() ? a.csv_out : a.json_out;
  const std::string answers_path = report_path.empty() ? "" : report_path + ".answers.ndjson";
  if (!answers_path.empty()) {
    answers.open(answers_path, std::ios::trunc | std::ios::binary);
    if (!answers) return ReportError(kCmd, Status::IoError("cannot write " + answers_path));
  }
  std::string target = "/v1/check?receipt=1&purpose=" + client::EncodeComponent(a.purpose);
  for (const auto& l : a.licences) target += "&licence=" + client::EncodeComponent(l);
  bool have_summary = false;
  std::string ended_early;  // written on the call's I/O thread, read after Finish
  auto call = (*http)->OpenNdjson(target, [&](std::string_view line) -> Status {
    if (answers.is_open()) answers << line << '\n';
    auto raw = protocol::ParseJsonText(line);
    Result<protocol::CheckLine> parsed =
        raw.ok() ? protocol::CheckLineFromJson(*raw) : Result<protocol::CheckLine>(raw.status());
    if (!parsed.ok()) {
      return Status::Internal("the server sent a line this client does not understand (" +
                              parsed.status().message() + "): " + std::string(line.substr(0, 200)));
    }
    if (const auto* summary = std::get_if<protocol::CheckSummaryLine>(&*parsed)) {
      have_summary = true;
      report.SetSummary(*summary, std::move(*raw));
      return Status::Ok();
    }
    const auto* verdict = std::get_if<protocol::CheckVerdictLine>(&*parsed);
    const auto* error = std::get_if<protocol::CheckErrorLine>(&*parsed);
    if (error && std::holds_alternative<std::monostate>(error->id)) {
      // The server ended the stream early (its progress rule or duration cap,
      // api/openapi.json): the summary follows; the files not answered are
      // reported as such.
      std::fprintf(stderr, "signet check: the registry ended the check early: %s\n",
                   error->detail.empty() ? "no detail" : error->detail.c_str());
      ended_early = "the registry ended the check early: " + error->detail;
      return Status::Ok();
    }
    const protocol::CheckItemId& id = verdict ? verdict->id : error->id;
    const std::optional<std::size_t> index = ItemIndex(id, files.size());
    if (!index) {
      return Status::Internal("the server answered for an unknown item id '" + IdText(id) + "'");
    }
    report.Add(*index,
               verdict ? FromLine(*verdict, std::move(*raw)) : FromLine(*error, std::move(*raw)));
    return Status::Ok();
  });

  Status send_status;
  std::size_t next = 0;
  const unsigned jobs = WorkerCount(a.batch);
  OrderedParallelMap<std::size_t, Result<LocalFingerprint>>(
      jobs, 2 * jobs + 2,
      [&]() -> std::optional<std::size_t> {
        if (next == files.size() || Interrupted()) return std::nullopt;
        return next++;
      },
      [&](const std::size_t& i) { return FingerprintLocalFile(files[i], LandmarkDensity::kQuery); },
      [&](std::size_t&& i, Result<LocalFingerprint>&& lf) {
        if (!lf.ok()) {
          FileVerdict v;
          v.verdict = "error";
          v.reason = lf.status().message();
          report.Add(i, v);
          return !Interrupted();
        }
        // Both prints, so that the registry also finds sped-up, slowed-down,
        // pitch-shifted and reverberated copies (signetd fuses them).
        json::object item{{"id", std::to_string(i)},
                          {"fingerprint", lf->compressed},
                          {"landmark", lf->landmark},
                          {"sha256", lf->sha256}};
        send_status = call->Send(json::serialize(item));
        if (send_status.ok()) report.Fingerprinted();
        return send_status.ok() && !Interrupted();
      });
  Status finished = call->Finish();
  progress.Finish();
  if (answers.is_open()) {
    answers.close();
    if (!answers) finished = Status::IoError("cannot write " + answers_path);
  }
  Status closed = report.Close(files.size());
  std::string why;
  if (Interrupted()) {
    why = "interrupted";
  } else if (!finished.ok()) {
    why = finished.message();
  } else if (!send_status.ok()) {
    why = send_status.message();
  } else if (!ended_early.empty()) {
    why = ended_early;
  }
  report.PrintSummary(why);
  if (!finished.ok()) return ReportError(kCmd, finished);
  if (!closed.ok()) return ReportError(kCmd, closed);
  if (Interrupted()) {
    std::fprintf(stderr, "signet check: interrupted; the report covers %zu of %zu files\n",
                 report.answered(), files.size());
    return kExitError;
  }
  if (have_summary && !answers_path.empty()) {
    std::printf("the registry's signed answer (receipt on its last line): %s\n",
                answers_path.c_str());
  }
  if (report.answered() != files.size()) {
    return ReportError(
        kCmd, Status::Internal("the server answered " + std::to_string(report.answered()) + " of " +
                               std::to_string(files.size()) + " items"));
  }
  if (report.blocked() > 0) return kExitNotAllowed;
  return report.errors() ? kExitError : kExitOk;
}

}  // namespace

void AddCheckCommand(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand(
      "check", "Check a dataset: may these files be used for PURPOSE? (streams 100k+ files)");
  AddServerOption(*cmd, args->server);
  cmd->add_option("--purpose", args->purpose, "The planned use: " + protocol::PurposeList(" or "))
      ->required();
  cmd->add_option("--licence", args->licences,
                  "A licence you hold (URL as the terms name it); unlocks constrained works "
                  "(repeatable)");
  auto* csv = cmd->add_option("--csv", args->csv_out,
                              "Write the per-file report as CSV (path, verdict, reason, works, "
                              "artists, titles, disputes)");
  auto* js = cmd->add_option("--json", args->json_out,
                             "Write the per-file report as JSON, with the server's full answers");
  csv->excludes(js);
  AddBatchOptions(*cmd, args->batch);
  cmd->footer(
      "Verdicts: allowed, unregistered (no reservation known), notAllowed, constrained\n"
      "(not allowed unless you hold one of its licences), disputed (two artists claim it).\n"
      "Only fingerprints (Chromaprint and the landmark print, which also finds sped-up,\n"
      "pitch-shifted and reverberated copies) and file hashes are sent, never the audio.\n\n"
      "Evidence: with --csv OUT or --json OUT, the registry's answer is also kept verbatim\n"
      "in OUT.answers.ndjson; its last line holds a receipt signed by the registry's log\n"
      "key over the SHA-256 of all the lines before it, the purpose, the log checkpoint\n"
      "and the time, so you can later prove what the registry said when you checked.\n\n"
      "Exit status: 0 every file may be used; 3 some file is notAllowed, constrained\n"
      "without a licence you hold, or disputed (even when other files failed); 1 errors,\n"
      "and any run that did not check every file (no audio files found, the registry down\n"
      "or ending the stream, Ctrl-C): its summary starts with INCOMPLETE and lists the\n"
      "files not checked; 2 usage.\n\n"
      "Examples:\n"
      "  signet check --purpose ai_generative_training dataset/\n"
      "  signet check --purpose ai_training --csv report.csv --licence https://ada.example/l1 "
      "data/\n"
      "  signet check --purpose ai_generative_training --json evidence.json a.mp3 b.ogg");
  commands.Add(cmd, [args] { return RunCheck(*args); });
}

}  // namespace signet::cli

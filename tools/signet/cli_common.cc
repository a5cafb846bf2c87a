#include "tools/signet/cli_common.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "fingerprint/extract.h"
#include "tools/signet/commands.h"
#include "tools/signet/file_walker.h"

namespace signet::cli {
namespace fs = std::filesystem;
namespace json = boost::json;

CLI::Option* AddServerOption(CLI::App& cmd, std::string& server) {
  const char* env = std::getenv("SIGNET_SERVER");
  server = env && *env ? env : "http://127.0.0.1:8080";
  return cmd
      .add_option("--server", server,
                  "Registry URL (default: $SIGNET_SERVER, else http://127.0.0.1:8080)")
      ->capture_default_str();
}

void AddBatchOptions(CLI::App& cmd, BatchOptions& o) {
  cmd.add_option("-j,--jobs", o.jobs, "Files fingerprinted at once (default: all cores)");
  cmd.add_flag("-q,--quiet", o.quiet, "No progress output, only the summary");
  cmd.add_flag("--lines", o.lines, "One plain line per file even on a terminal");
  cmd.add_option("paths", o.paths, "Audio files and folders (searched recursively)")->required();
}

unsigned WorkerCount(const BatchOptions& o) {
  return o.jobs ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
}

Progress::Mode ProgressModeFor(const BatchOptions& o) {
  if (o.quiet) return Progress::Mode::kQuiet;
  return o.lines ? Progress::Mode::kLines : Progress::Mode::kAuto;
}

Result<std::vector<fs::path>> CollectFiles(const BatchOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(WalkResult walk, FindAudioFiles(o.paths));
  for (const auto& w : walk.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  return std::move(walk.files);
}

Result<std::unique_ptr<client::HttpClient>> MakeClient(const std::string& server) {
  SIGNET_ASSIGN_OR_RETURN(client::ServerUrl url, client::ParseServerUrl(server));
  return std::make_unique<client::HttpClient>(std::move(url));
}

int ReportError(std::string_view command, const Status& status) {
  std::fprintf(stderr, "signet %.*s: error: %s\n", static_cast<int>(command.size()), command.data(),
               status.message().c_str());
  return kExitError;
}

Result<std::string> ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path.string());
  return std::move(ss).str();
}

Result<LocalFingerprint> FingerprintLocalFile(const fs::path& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
  LocalFingerprint out;
  const crypto::Digest d = crypto::Sha256(bytes);
  out.sha256 = crypto::HexEncode(crypto::ByteView(d.data(), d.size()));
  auto fpr = fp::FingerprintBuffer(crypto::AsBytes(bytes));
  if (!fpr.ok()) {
    // The decoder names an in-memory source "<N bytes>"; the caller names the file.
    std::string m = fpr.status().message();
    for (std::size_t at = m.find('<'); at != std::string::npos; at = m.find('<', at + 1)) {
      const std::size_t end = m.find(" bytes>", at);
      if (end == std::string::npos || m.find_first_not_of("0123456789", at + 1) != end) {
        continue;
      }
      std::size_t stop = end + 7;
      if (at == 0 && m.compare(stop, 2, ": ") == 0) {
        m.erase(0, stop + 2);
      } else {
        m.replace(at, stop - at, "it");
      }
      at = 0;
    }
    return Status(fpr.status().code(), m);
  }
  out.fingerprint = std::move(fpr->fingerprint);
  out.duration_seconds = fpr->duration_seconds;
  out.compressed = fp::EncodeFingerprint(out.fingerprint);
  return out;
}

std::string WorkIdFor(std::string_view artist, const std::vector<std::uint32_t>& fingerprint) {
  std::string data = "signet.work.v1\n";
  data.append(artist).push_back('\n');
  data.reserve(data.size() + fingerprint.size() * 4);
  for (std::uint32_t v : fingerprint) {
    for (int k = 0; k < 4; ++k) data.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
  }
  const crypto::Digest d = crypto::Sha256(data);
  return "wk_" + crypto::HexEncode(crypto::ByteView(d.data(), 16));
}

bool IsPurpose(std::string_view key) {
  return key == "ai_generative_training" || key == "ai_training" || key == "ai_inference" ||
         key == "data_mining" || key == "search";
}

namespace {

std::optional<std::string> CanonicalUse(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (v == "allowed") return "allowed";
  if (v == "notallowed" || v == "not_allowed") return "notAllowed";
  if (v == "constrained") return "constrained";
  return std::nullopt;
}

}  // namespace

Result<json::object> TermsFromAssignments(const std::vector<std::string>& items,
                                          const std::vector<std::string>& licences,
                                          const std::string& contact,
                                          const std::string& conditions) {
  json::object terms;
  bool any_constrained = false;
  for (const std::string& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument(
          "'" + item + "' is not PURPOSE=VALUE, e.g. ai_generative_training=notAllowed");
    }
    const std::string purpose = item.substr(0, eq);
    if (!IsPurpose(purpose)) {
      return Status::InvalidArgument("unknown purpose '" + purpose + "'; use " + kPurposeHelp);
    }
    auto use = CanonicalUse(item.substr(eq + 1));
    if (!use) {
      return Status::InvalidArgument("unknown value '" + item.substr(eq + 1) + "' for " + purpose +
                                     "; use allowed, notAllowed or constrained");
    }
    json::object entry;
    entry["use"] = *use;
    if (*use == "constrained") {
      any_constrained = true;
      json::object ci;
      json::array l;
      for (const auto& x : licences) l.emplace_back(x);
      if (!l.empty()) ci["licences"] = std::move(l);
      if (!contact.empty()) ci["contact"] = contact;
      if (!conditions.empty()) ci["conditions"] = conditions;
      if (licences.empty() && contact.empty()) {
        return Status::InvalidArgument(purpose +
                                       "=constrained needs --licence URL or --contact "
                                       "so that users know how to get permission");
      }
      entry["constraint_info"] = std::move(ci);
    }
    if (terms.contains(purpose)) {
      return Status::InvalidArgument("purpose " + purpose + " is given twice");
    }
    terms[purpose] = std::move(entry);
  }
  if (terms.empty()) return Status::InvalidArgument("give at least one PURPOSE=VALUE");
  if (!any_constrained && (!licences.empty() || !contact.empty() || !conditions.empty())) {
    return Status::InvalidArgument(
        "--licence/--contact/--conditions only apply to a purpose set "
        "to constrained");
  }
  return terms;
}

Result<json::object> LoadTermsFile(const fs::path& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return Status::InvalidArgument(path.string() +
                                   " is not a JSON object like "
                                   "{\"ai_generative_training\": \"notAllowed\"}");
  }
  json::object out;
  for (auto& kv : v.as_object()) {
    const std::string purpose(kv.key());
    if (!IsPurpose(purpose)) {
      return Status::InvalidArgument(path.string() + ": unknown purpose '" + purpose + "'; use " +
                                     kPurposeHelp);
    }
    if (kv.value().is_string()) {
      auto use = CanonicalUse(std::string(kv.value().get_string()));
      if (!use || *use == "constrained") {
        return Status::InvalidArgument(path.string() + ": " + purpose +
                                       " must be \"allowed\" or \"notAllowed\" in the short "
                                       "form; constrained needs {\"use\": \"constrained\", "
                                       "\"constraint_info\": {\"licences\": [URL]}}");
      }
      out[purpose] = json::object{{"use", *use}};
    } else if (kv.value().is_object()) {
      out[purpose] = kv.value();  // the registry validates the full form
    } else {
      return Status::InvalidArgument(path.string() + ": " + purpose +
                                     " must be a string or an object");
    }
  }
  if (out.empty()) return Status::InvalidArgument(path.string() + " sets no purpose");
  return out;
}

}  // namespace signet::cli

#include <csignal>

namespace signet::cli {
namespace {
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void OnInterrupt(int sig) {
  g_interrupted = 1;
  std::signal(sig, SIG_DFL);
}
}  // namespace

void InstallInterruptHandler() {
  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);
}
bool Interrupted() { return g_interrupted != 0; }

}  // namespace signet::cli

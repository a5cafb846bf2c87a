// Pieces every network subcommand of the signet CLI shares: the --server
// option, error printing, reading files, computing what a file contributes
// (fingerprint, duration, SHA-256), and the terms vocabulary of `terms set`
// and `register --terms`.
//
// Thread safety: pure functions, except LocalFingerprint which only reads the file.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "fingerprint/codec.h"
#include "tools/signet/client/http_client.h"
#include "tools/signet/progress.h"

namespace signet::cli {

// Adds --server URL (default: $SIGNET_SERVER, else http://127.0.0.1:8080).
CLI::Option* AddServerOption(CLI::App& cmd, std::string& server);

// The options of the commands that work through many files (register, check).
struct BatchOptions {
  std::vector<std::string> paths;
  unsigned jobs = 0;
  bool quiet = false;
  bool lines = false;
};
// Adds the positional PATH... and -j/--jobs, -q/--quiet, --lines.
void AddBatchOptions(CLI::App& cmd, BatchOptions& options);
unsigned WorkerCount(const BatchOptions& options);  // jobs, else the number of cores
Progress::Mode ProgressModeFor(const BatchOptions& options);
// The audio files under options.paths (file_walker.h); warnings go to stderr.
Result<std::vector<std::filesystem::path>> CollectFiles(const BatchOptions& options);

// Parses the URL and makes a client.
Result<std::unique_ptr<client::HttpClient>> MakeClient(const std::string& server);

// Prints "signet <command>: error: <message>" on stderr and returns kExitError.
int ReportError(std::string_view command, const Status& status);

Result<std::string> ReadWholeFile(const std::filesystem::path& path);

// What one audio file contributes to a statement or a check item.
struct LocalFingerprint {
  fp::RawFingerprint fingerprint;
  std::string compressed;  // what fpcalc prints
  double duration_seconds = 0;
  std::string sha256;  // lowercase hex of the file's bytes
};
Result<LocalFingerprint> FingerprintLocalFile(const std::filesystem::path& path);

// The work id the registry gives `artist`'s registration of `fingerprint`
// (registry/STATEMENTS.md "Work id"): lets `register` know, before asking,
// which work a file is, so a re-run can tell "already registered" apart.
std::string WorkIdFor(std::string_view artist, const std::vector<std::uint32_t>& fingerprint);

// Purposes: ai_generative_training, ai_training, ai_inference, data_mining, search.
bool IsPurpose(std::string_view key);
inline constexpr const char* kPurposeHelp =
    "ai_generative_training, ai_training, ai_inference, data_mining or search";

// Builds a terms object from "PURPOSE=VALUE" items, VALUE one of allowed,
// notAllowed, constrained (case-insensitive). constrained needs at least one
// of `licences` or `contact`, which go into its constraint_info.
Result<boost::json::object> TermsFromAssignments(const std::vector<std::string>& items,
                                                 const std::vector<std::string>& licences,
                                                 const std::string& contact,
                                                 const std::string& conditions);

// Reads a terms file: either the statement form
//   {"ai_generative_training": {"use": "notAllowed"}, ...}
// or the short form {"ai_generative_training": "notAllowed", ...}.
Result<boost::json::object> LoadTermsFile(const std::filesystem::path& path);

}  // namespace signet::cli

namespace signet::cli {

// Catches SIGINT/SIGTERM so that long commands stop cleanly (finish the file
// in hand, write the journal and the summary) instead of dying mid-write.
// A second Ctrl-C kills as usual.
void InstallInterruptHandler();
bool Interrupted();

}  // namespace signet::cli

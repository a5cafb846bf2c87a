// signet fingerprint FILE...: prints what `fpcalc -length 0 FILE` prints for
// each file, in the order given, fingerprinting several files at once.
//
// Differences from Debian's fpcalc 1.5.1, all deliberate: a file that fails does
// not stop the others (its error goes to stderr as "ERROR: FILE: message", and
// the exit status is 1 at the end); the exit status is 0 when every file worked
// (fpcalc 1.5.1 exits 3 even then, see shared/corpus/README.md).
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fingerprint/extract.h"
#include "tools/signet/commands.h"

namespace signet::cli {
namespace {

struct FingerprintArgs {
  std::vector<std::string> files;
  bool json = false;
  unsigned jobs = 0;
  double max_duration = 0;
};

int RunFingerprint(const FingerprintArgs& args) {
  const std::size_t n = args.files.size();
  unsigned jobs = args.jobs != 0 ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, n));

  fp::DecodeLimits limits;
  if (args.max_duration > 0) limits.max_duration_seconds = args.max_duration;

  std::vector<std::optional<Result<fp::FingerprintResult>>> results(n);
  std::mutex mu;
  std::condition_variable done_cv;
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < n; i = next++) {
      auto r = fp::FingerprintFile(args.files[i], limits);
      std::lock_guard lock(mu);
      results[i].emplace(std::move(r));
      done_cv.notify_all();
    }
  };
  std::vector<std::jthread> threads;
  for (unsigned t = 0; t < jobs; ++t) threads.emplace_back(worker);

  // Print in input order as results arrive, so long runs show progress.
  int status = kExitOk;
  for (std::size_t i = 0; i < n; ++i) {
    std::unique_lock lock(mu);
    done_cv.wait(lock, [&] { return results[i].has_value(); });
    auto r = std::move(*results[i]);
    results[i].reset();
    lock.unlock();
    if (!r.ok()) {
      std::fprintf(stderr, "ERROR: %s\n", r.status().message().c_str());
      status = kExitError;
      continue;
    }
    const std::string out = args.json ? fp::FormatFpcalcJson(*r) : fp::FormatFpcalcText(*r);
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  std::fflush(stdout);
  return status;
}

}  // namespace

void AddFingerprintCommand(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<FingerprintArgs>();
  CLI::App* cmd = app.add_subcommand(
      "fingerprint",
      "Print the Chromaprint fingerprint of audio files, exactly as `fpcalc -length 0` does");
  cmd->footer(
      "Examples:\n"
      "  signet fingerprint song.flac\n"
      "  signet fingerprint --json *.ogg > fingerprints.ndjson\n"
      "Output per file: DURATION=<seconds>\\nFINGERPRINT=<string>\\n, or with --json\n"
      "{\"duration\": <seconds>, \"fingerprint\": \"<string>\"} on one line.");
  cmd->add_option("files", args->files, "Audio files (any format FFmpeg reads)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", args->json, "One JSON object per file, as fpcalc -json");
  cmd->add_option("-j,--jobs", args->jobs, "Files fingerprinted at once (default: all cores)");
  cmd->add_option("--max-duration", args->max_duration,
                  "Refuse files longer than this many seconds (default 7200)")
      ->check(CLI::PositiveNumber);
  commands.Add(cmd, [args] { return RunFingerprint(*args); });
}

}  // namespace signet::cli

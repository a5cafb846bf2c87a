#include "tools/signet/batch_options.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "tools/signet/file_walker.h"

namespace signet::cli {

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

Result<std::vector<std::filesystem::path>> CollectFiles(const BatchOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(WalkResult walk, FindAudioFiles(o.paths));
  for (const auto& w : walk.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  if (walk.files.empty()) {
    // Nothing to do is not success: a wrong folder must not look like "0 errors".
    std::string roots;
    for (const auto& p : o.paths) roots += (roots.empty() ? "" : ", ") + p;
    return Status::InvalidArgument(
        "no audio files in " + roots +
        " (looked for audio extensions and audio file headers, recursively; hidden entries "
        "are skipped)");
  }
  return std::move(walk.files);
}

}  // namespace signet::cli

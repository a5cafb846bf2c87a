// The options of the commands that work through many files (register, check):
// the PATH... arguments, how many files are fingerprinted at once, and how
// progress is shown.
//
// Thread safety: values; CollectFiles reads the file system.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"
#include "tools/signet/progress.h"

namespace signet::cli {

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
// None at all is an InvalidArgument error naming the paths.
Result<std::vector<std::filesystem::path>> CollectFiles(const BatchOptions& options);

}  // namespace signet::cli

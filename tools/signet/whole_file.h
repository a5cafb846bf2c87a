// Reading a whole file into memory (terms files, audio sent to /v1/match,
// files fingerprinted locally), and writing one durably (the mirror, saved
// checkpoints). Errors name the file.
//
// Thread safety: reads the file system only.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace signet::cli {

// NotFound when the file cannot be opened, IoError when reading fails.
Result<std::string> ReadWholeFile(const std::filesystem::path& path);

// fsync of a file or (flags O_RDONLY | O_DIRECTORY) a directory.
Status FsyncPath(const std::filesystem::path& path, int flags);

// Writes `data` to `path` durably: a temporary file, fsync, rename, fsync of
// the directory (created when missing). A crash leaves the old or the new file.
Status WriteFileSynced(const std::filesystem::path& path, std::string_view data);

}  // namespace signet::cli

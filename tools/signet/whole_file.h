// Reading a whole file into memory (terms files, audio sent to /v1/match,
// files fingerprinted locally). Errors name the file.
//
// Thread safety: reads the file system only.
#pragma once

#include <filesystem>
#include <string>

#include "common/status.h"

namespace signet::cli {

// NotFound when the file cannot be opened, IoError when reading fails.
Result<std::string> ReadWholeFile(const std::filesystem::path& path);

}  // namespace signet::cli

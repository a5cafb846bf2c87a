// Small-file helpers for crypto/'s key files. Private to crypto/*.cc.
//
// Thread safety: functions touch only the paths they are given.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace signet::crypto::internal {

// Writes `content` to a fresh temporary file next to `path` with `mode`, then
// link()s it to `path`, which fails if `path` exists: never overwrites, never
// leaves a partial file under the final name. AlreadyExists if `path` exists.
Status WriteNewFile(const std::filesystem::path& path, std::string_view content, unsigned mode);

// Reads a regular file of at most `max_bytes`. A missing file is NotFound with
// "<what> <path> does not exist<fix>". The caller wipes the result if it is secret.
Result<std::string> ReadSmallFile(const std::filesystem::path& path, std::string_view what,
                                  std::string_view fix, std::uintmax_t max_bytes = 4096);

// PermissionDenied, saying to run `chmod 600 PATH`, when `path` exists and has
// any group or other permission bit set. OK otherwise (including missing).
Status CheckOwnerOnly(const std::filesystem::path& path, std::string_view what);

std::string_view Trim(std::string_view s);

}  // namespace signet::crypto::internal

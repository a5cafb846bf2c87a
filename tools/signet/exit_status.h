// The signet CLI's exit statuses and how a command reports an error. Every
// command returns one of these from its run function (commands.h); nothing
// else decides the process's status.
//
// Thread safety: ReportError writes one line to stderr.
#pragma once

#include <string_view>

#include "common/status.h"

namespace signet::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotAllowed = 3;  // check: some file is not allowed or disputed

// Prints "signet <command>: error: <message>" on stderr and returns kExitError.
int ReportError(std::string_view command, const Status& status);

}  // namespace signet::cli

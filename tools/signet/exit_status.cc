#include "tools/signet/exit_status.h"

#include <cstdio>

namespace signet::cli {

int ReportError(std::string_view command, const Status& status) {
  std::fprintf(stderr, "signet %.*s: error: %s\n", static_cast<int>(command.size()), command.data(),
               status.message().c_str());
  return kExitError;
}

}  // namespace signet::cli

// Ctrl-C for long commands (register, check): the first SIGINT or SIGTERM is
// only noted, so that the command finishes the file in hand, writes its
// journal and summary and exits cleanly; a second one kills as usual.
//
// Thread safety: Interrupted may be called from any thread.
#pragma once

namespace signet::cli {

void InstallInterruptHandler();
bool Interrupted();

}  // namespace signet::cli

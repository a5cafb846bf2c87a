// signet: the command-line client. Each subcommand lives in cmd_<name>.cc and
// is attached here; see commands.h.
#include <CLI/CLI.hpp>

#include "tools/signet/commands.h"

namespace signet::cli {
int& ExitStatus() {
  static int status = kExitOk;
  return status;
}
}  // namespace signet::cli

int main(int argc, char** argv) {
  CLI::App app{"signet: register, match and check recordings against a Signet registry"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "signet 0.1.0");
  // Subcommands attach here, e.g. signet::cli::AddFingerprintCommand(app);
  signet::cli::AddFingerprintCommand(app);
  signet::cli::AddArtistCommand(app);
  signet::cli::AddRegisterCommand(app);
  signet::cli::AddTermsCommand(app);
  signet::cli::AddMatchCommand(app);
  signet::cli::AddCheckCommand(app);
  signet::cli::AddKeygenCommand(app);
  signet::cli::AddVerifyCommand(app);
  signet::cli::AddMirrorCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" that exit 0; misuse exits kExitUsage.
    const int printed = app.exit(e);
    return printed == 0 ? signet::cli::kExitOk : signet::cli::kExitUsage;
  }
  return signet::cli::ExitStatus();
}

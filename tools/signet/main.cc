// signet: the command-line client. Each subcommand lives in cmd_<name>.cc and
// is attached here; see commands.h.
#include <CLI/CLI.hpp>

#include "tools/signet/commands.h"

int main(int argc, char** argv) {
  namespace cli = signet::cli;
  CLI::App app{"signet: register, match and check recordings against a Signet registry"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "signet 0.1.0");
  cli::Commands commands;
  cli::AddFingerprintCommand(app, commands);
  cli::AddArtistCommand(app, commands);
  cli::AddRegisterCommand(app, commands);
  cli::AddTermsCommand(app, commands);
  cli::AddMatchCommand(app, commands);
  cli::AddCheckCommand(app, commands);
  cli::AddKeygenCommand(app, commands);
  cli::AddVerifyCommand(app, commands);
  cli::AddMirrorCommand(app, commands);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" that exit 0; misuse exits kExitUsage.
    const int printed = app.exit(e);
    return printed == 0 ? cli::kExitOk : cli::kExitUsage;
  }
  return commands.RunChosen();
}

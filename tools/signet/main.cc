// signet: the command-line client. Each subcommand lives in cmd_<name>.cc and
// is attached here; see commands.h.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "tools/signet/commands.h"

namespace {

// CLI11 answers an unknown word where a subcommand is expected with "A
// subcommand is required"; say instead which word is unknown and which
// commands exist. Returns false (after printing) for an unknown command.
bool CommandWordsExist(CLI::App& app, int argc, char** argv) {
  CLI::App* current = &app;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') return true;
    const auto subs = current->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) return true;  // a positional argument of a leaf command
    path += path.empty() ? word : " " + word;
    CLI::App* next = nullptr;
    for (CLI::App* s : subs) {
      if (s->check_name(word)) next = s;
    }
    if (!next) {
      std::string names;
      for (CLI::App* s : subs) names += (names.empty() ? "" : ", ") + s->get_name();
      std::fprintf(stderr, "signet: unknown command '%s'; the commands%s are: %s\n", path.c_str(),
                   current == &app ? "" : (" of '" + current->get_name() + "'").c_str(),
                   names.c_str());
      std::fprintf(stderr, "run `signet%s --help` for what each does\n",
                   current == &app ? "" : (" " + current->get_name()).c_str());
      return false;
    }
    current = next;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  namespace cli = signet::cli;
  CLI::App app{"signet: register, match and check recordings against a Signet registry"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "signet " SIGNET_VERSION);
  cli::Commands commands;
  cli::AddFingerprintCommand(app, commands);
  cli::AddArtistCommand(app, commands);
  cli::AddRegisterCommand(app, commands);
  cli::AddTermsCommand(app, commands);
  cli::AddWorksCommand(app, commands);
  cli::AddDisputesCommand(app, commands);
  cli::AddMatchCommand(app, commands);
  cli::AddCheckCommand(app, commands);
  cli::AddKeygenCommand(app, commands);
  cli::AddVerifyCommand(app, commands);
  cli::AddMirrorCommand(app, commands);
  cli::AddCompletionCommand(app, commands);
  if (!CommandWordsExist(app, argc, argv)) return cli::kExitUsage;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" that exit 0; misuse exits kExitUsage.
    const int printed = app.exit(e);
    return printed == 0 ? cli::kExitOk : cli::kExitUsage;
  }
  return commands.RunChosen();
}

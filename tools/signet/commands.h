// The signet CLI's subcommands (the executable's own header: the library
// signet_cli_support never includes it). Each cmd_<name>.cc defines one
// Add*Command that attaches its subcommand (options, --help text with
// examples) to the app and registers what runs it; main.cc calls them all,
// parses, and returns the exit status (exit_status.h) of the command chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <utility>
#include <vector>

#include "tools/signet/exit_status.h"

namespace signet::cli {

// What runs each subcommand. Owned by main; commands hold no state of their
// own beyond their parsed options.
class Commands {
 public:
  using Run = std::function<int()>;

  // `run` runs when `command` is the subcommand the user chose.
  void Add(CLI::App* command, Run run) { commands_.emplace_back(command, std::move(run)); }

  // The exit status of the chosen command. REQUIRES: the app was parsed and
  // requires a subcommand, so exactly one registered command was chosen.
  int RunChosen() const {
    for (const auto& [command, run] : commands_) {
      if (command->parsed()) return run();
    }
    return kExitUsage;
  }

 private:
  std::vector<std::pair<CLI::App*, Run>> commands_;
};

// signet fingerprint FILE...: fpcalc-compatible output (cmd_fingerprint.cc).
void AddFingerprintCommand(CLI::App& app, Commands& commands);

// The registry's clients (cli owner): artist register|show|rotate-key,
// register, terms set|show, works list|withdraw, disputes
// list|show|open|resolve, match, check.
void AddArtistCommand(CLI::App& app, Commands& commands);
void AddRegisterCommand(CLI::App& app, Commands& commands);
void AddTermsCommand(CLI::App& app, Commands& commands);
void AddWorksCommand(CLI::App& app, Commands& commands);
void AddDisputesCommand(CLI::App& app, Commands& commands);
void AddMatchCommand(CLI::App& app, Commands& commands);
void AddCheckCommand(CLI::App& app, Commands& commands);

// signet keygen / signet verify (crypto owner): local keys and offline checks
// of receipts, log consistency and statement signatures.
void AddKeygenCommand(CLI::App& app, Commands& commands);
void AddVerifyCommand(CLI::App& app, Commands& commands);
// signet mirror: a verified local copy of the log through its tiles (cmd_mirror.cc).
void AddMirrorCommand(CLI::App& app, Commands& commands);

// signet completion bash: a completion script made from `app`'s command tree
// (cmd_completion.cc). REQUIRES: `app` outlives the run; call it last.
void AddCompletionCommand(CLI::App& app, Commands& commands);

}  // namespace signet::cli

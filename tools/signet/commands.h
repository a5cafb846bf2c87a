// The signet CLI's subcommands. Each cmd_<name>.cc defines one Add*Command that
// attaches its subcommand (options, --help text with examples, callback) to the
// app; main.cc calls them all. A callback's return value is the exit status.
#pragma once

#include <CLI/CLI.hpp>

namespace signet::cli {

// Exit statuses shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotAllowed = 3;  // check: some file is not allowed or disputed

// Set by a subcommand callback; main returns it.
int& ExitStatus();

// signet fingerprint FILE...: fpcalc-compatible output (cmd_fingerprint.cc).
void AddFingerprintCommand(CLI::App& app);

// The registry's clients (cli owner): artist register|show, register,
// terms set|show, match, check.
void AddArtistCommand(CLI::App& app);
void AddRegisterCommand(CLI::App& app);
void AddTermsCommand(CLI::App& app);
void AddMatchCommand(CLI::App& app);
void AddCheckCommand(CLI::App& app);

// signet keygen / signet verify (crypto owner): local keys and offline checks
// of receipts, log consistency and statement signatures.
void AddKeygenCommand(CLI::App& app);
void AddVerifyCommand(CLI::App& app);
// signet mirror: a verified local copy of the log through its tiles (cmd_mirror.cc).
void AddMirrorCommand(CLI::App& app);

}  // namespace signet::cli

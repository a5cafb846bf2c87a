// The log and witness keys a user names on the signet command line (`verify`,
// `mirror`): `--key` is the log's verifier key text or a file holding it;
// `--witness` a witness's cosignature/v1 verifier key text or file, repeated;
// `--witnesses-required K` how many of them must have cosigned (default: all
// named). crypto/cosignature.h does the checking.
//
// Thread safety: pure functions.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "common/status.h"
#include "crypto/cosignature.h"
#include "crypto/note.h"

namespace signet::cli {

Result<crypto::note::Verifier> LoadLogVerifier(const std::string& text_or_file);

struct WitnessFlags {
  std::vector<std::string> witnesses;
  int required = -1;  // -1: all of them
};
// Adds --witness and --witnesses-required to `cmd`.
void AddWitnessOptions(CLI::App& cmd, WitnessFlags& flags);
// The policy the flags name. Errors name the bad --witness or a K over their count.
Result<crypto::cosig::WitnessPolicy> WitnessPolicyFrom(const WitnessFlags& flags);

}  // namespace signet::cli

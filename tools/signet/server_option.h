// The registry a network command talks to: the --server option and the HTTP
// client made from it.
//
// Thread safety: call from the thread that builds the command line.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "common/status.h"
#include "tools/signet/client/http_client.h"

namespace signet::cli {

// Adds --server URL (default: $SIGNET_SERVER, else http://127.0.0.1:8080).
CLI::Option* AddServerOption(CLI::App& cmd, std::string& server);

// Parses the URL and makes a client; the error says what a URL looks like.
Result<std::unique_ptr<client::HttpClient>> MakeClient(const std::string& server);

}  // namespace signet::cli

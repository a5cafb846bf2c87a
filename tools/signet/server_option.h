// The registry a network command talks to: the --server and --ca-file options
// and the HTTP client made from them.
//
// Thread safety: call from the thread that builds the command line.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "common/status.h"
#include "tools/signet/client/http_client.h"

namespace signet::cli {

struct ServerOption {
  std::string url;      // http://host:port[/prefix] or https://...
  std::string ca_file;  // https: PEM CA certificates to trust instead of the system's
};

// Adds --server URL (default: $SIGNET_SERVER, else http://127.0.0.1:8080) and
// --ca-file PEM (default: $SIGNET_CA_FILE, else the system's trust store).
CLI::Option* AddServerOption(CLI::App& cmd, ServerOption& server);

// Parses the URL and makes a client; the error says what a URL looks like.
Result<std::unique_ptr<client::HttpClient>> MakeClient(const ServerOption& server);

}  // namespace signet::cli

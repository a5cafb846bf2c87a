#include "tools/signet/server_option.h"

#include <cstdlib>

namespace signet::cli {

CLI::Option* AddServerOption(CLI::App& cmd, ServerOption& server) {
  const char* env = std::getenv("SIGNET_SERVER");
  server.url = env && *env ? env : "http://127.0.0.1:8080";
  const char* ca = std::getenv("SIGNET_CA_FILE");
  server.ca_file = ca ? ca : "";
  CLI::Option* option =
      cmd.add_option("--server", server.url,
                     "Registry URL, http:// or https:// (default: $SIGNET_SERVER, else "
                     "http://127.0.0.1:8080)")
          ->capture_default_str();
  cmd.add_option("--ca-file", server.ca_file,
                 "https: trust the CA certificates in this PEM file instead of the system's "
                 "(default: $SIGNET_CA_FILE)")
      ->check(CLI::ExistingFile);
  return option;
}

Result<std::unique_ptr<client::HttpClient>> MakeClient(const ServerOption& server) {
  SIGNET_ASSIGN_OR_RETURN(client::ServerUrl url, client::ParseServerUrl(server.url));
  client::ClientOptions options;
  options.ca_file = server.ca_file;
  return std::make_unique<client::HttpClient>(std::move(url), std::move(options));
}

}  // namespace signet::cli

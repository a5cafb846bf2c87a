#include "tools/signet/server_option.h"

#include <cstdlib>

namespace signet::cli {

CLI::Option* AddServerOption(CLI::App& cmd, std::string& server) {
  const char* env = std::getenv("SIGNET_SERVER");
  server = env && *env ? env : "http://127.0.0.1:8080";
  return cmd
      .add_option("--server", server,
                  "Registry URL (default: $SIGNET_SERVER, else http://127.0.0.1:8080)")
      ->capture_default_str();
}

Result<std::unique_ptr<client::HttpClient>> MakeClient(const std::string& server) {
  SIGNET_ASSIGN_OR_RETURN(client::ServerUrl url, client::ParseServerUrl(server));
  return std::make_unique<client::HttpClient>(std::move(url));
}

}  // namespace signet::cli

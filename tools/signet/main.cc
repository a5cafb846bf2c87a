// signet: the command-line client. Each subcommand lives in cmd_<name>.cc and
// registers itself through commands.h.
#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"signet: register, match and check recordings against a Signet registry"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}

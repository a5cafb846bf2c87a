// signet completion bash: a bash completion script for every command, option
// and subcommand of this signet, generated from the command tree itself
// (CLI11 2.1 has no completion support of its own, so nothing can drift: a
// new option appears in the script the next time it is generated).
// Words: the subcommands at each level, then the options of the command
// reached; where neither fits (an option's value, a file argument) bash's
// default completion (file names) takes over (complete -o default).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "tools/signet/commands.h"

namespace signet::cli {
namespace {

// One command path (" works list") and the words completing after it.
struct Level {
  std::string path;
  std::vector<std::string> words;
};

void Collect(const CLI::App& app, const std::string& path, std::vector<Level>& out) {
  Level level{path, {}};
  const auto subs = app.get_subcommands([](const CLI::App*) { return true; });
  for (const CLI::App* s : subs) level.words.push_back(s->get_name());
  for (const CLI::Option* o : app.get_options()) {
    for (const std::string& l : o->get_lnames()) level.words.push_back("--" + l);
    for (const std::string& s : o->get_snames()) level.words.push_back("-" + s);
  }
  out.push_back(level);
  for (const CLI::App* s : subs) Collect(*s, path + " " + s->get_name(), out);
}

std::string BashScript(const CLI::App& app) {
  std::vector<Level> levels;
  Collect(app, "", levels);
  std::string paths, cases;
  for (const Level& l : levels) {
    if (!l.path.empty()) paths += (paths.empty() ? "\"" : "|\"") + l.path + "\"";
    std::string words;
    for (const std::string& w : l.words) words += (words.empty() ? "" : " ") + w;
    cases += "    \"" + l.path + "\") words=\"" + words + "\" ;;\n";
  }
  return "# bash completion for signet: source it, or save it as\n"
         "# /etc/bash_completion.d/signet (made by `signet completion bash`)\n"
         "_signet() {\n"
         "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" path=\"\" words=\"\" i\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    case \"$path ${COMP_WORDS[i]}\" in\n"
         "    " +
         paths +
         ") path=\"$path ${COMP_WORDS[i]}\" ;;\n"
         "    esac\n"
         "  done\n"
         "  case \"$path\" in\n" +
         cases +
         "  esac\n"
         "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "}\n"
         "complete -o default -F _signet signet\n";
}

}  // namespace

void AddCompletionCommand(CLI::App& app, Commands& commands) {
  CLI::App* completion = app.add_subcommand("completion", "Print a shell completion script (bash)");
  auto shell = std::make_shared<std::string>();
  completion->add_option("shell", *shell, "The shell: bash")
      ->required()
      ->check(CLI::IsMember({"bash"}));
  completion->footer(
      "Examples:\n"
      "  source <(signet completion bash)                       # this shell\n"
      "  signet completion bash > /etc/bash_completion.d/signet  # every new shell");
  // The lambda owns `shell`, which the option writes into.
  commands.Add(completion, [&app, shell] {
    if (*shell != "bash") return kExitUsage;
    std::fputs(BashScript(app).c_str(), stdout);
    return kExitOk;
  });
}

}  // namespace signet::cli

// kilnctl version / config view / completion.
#include <memory>
#include <sstream>

#include "cmd/kilnctl/commands.h"
#include "cmd/kilnctl/exit_codes.h"

namespace kiln::kilnctl {
namespace {

// Commands whose positional arguments are build names (for completion).
bool TakesBuildNames(const std::string& cmd) {
  return cmd == "get" || cmd == "describe" || cmd == "logs" ||
         cmd == "cancel" || cmd == "delete" || cmd == "wait";
}

std::string Flags(const CLI::App& app) {
  std::string out;
  for (const CLI::Option* o : app.get_options()) {
    for (const std::string& s : o->get_snames()) out += " -" + s;
    for (const std::string& l : o->get_lnames()) out += " --" + l;
  }
  return out;
}

std::string BashCompletion(const CLI::App& root) {
  std::ostringstream s;
  std::string cmds;
  for (const CLI::App* sub : root.get_subcommands({})) {
    cmds += (cmds.empty() ? "" : " ") + sub->get_name();
  }
  s << "# kilnctl bash completion: source <(kilnctl completion bash)\n"
    << "_kilnctl() {\n"
    << "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" cmd=\"${COMP_WORDS[1]}\" "
       "opts=\"\"\n"
    << "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
    << "    COMPREPLY=( $(compgen -W \"" << cmds << Flags(root)
    << "\" -- \"$cur\") )\n"
    << "    return\n"
    << "  fi\n"
    << "  case \"$cmd\" in\n";
  for (const CLI::App* sub : root.get_subcommands({})) {
    std::string words = Flags(*sub);
    for (const CLI::App* subsub : sub->get_subcommands({})) {
      words += " " + subsub->get_name();
    }
    if (sub->get_name() == "get") words += " builds nodes events";
    if (sub->get_name() == "describe" || sub->get_name() == "delete" ||
        sub->get_name() == "wait") {
      words += " build";
    }
    if (sub->get_name() == "completion") words += " bash zsh";
    s << "    " << sub->get_name() << ") opts=\"" << words << "\"";
    if (TakesBuildNames(sub->get_name())) {
      s << "\n      if [[ \"$cur\" != -* ]]; then opts=\"$opts $(kilnctl get "
           "builds -o name 2>/dev/null | sed 's|.*/||')\"; fi";
    }
    s << " ;;\n";
  }
  s << "  esac\n"
    << "  COMPREPLY=( $(compgen -W \"$opts\" -- \"$cur\") )\n"
    << "}\n"
    << "complete -o default -F _kilnctl kilnctl\n";
  return s.str();
}

}  // namespace

void AddVersionCommand(CLI::App& root, Session& session, int& exit_code,
                       const std::string& client_version) {
  auto client_only = std::make_shared<bool>(false);
  CLI::App* c =
      root.add_subcommand("version", "Print the kilnctl and kilnd versions");
  c->add_flag("--client", *client_only,
              "kilnctl's version only (no server needed)");
  c->callback([&session, &exit_code, client_only, client_version] {
    session.io().out << "Client Version: v" << client_version << "\n";
    exit_code = kExitOk;
    if (*client_only) return;
    StatusOr<nlohmann::json> v = session.Json("GET", "/version");
    if (!v.ok()) {
      exit_code = session.Fail(v.status());
      return;
    }
    session.io().out << "Server Version: " << v->value("gitVersion", "?")
                     << "\n";
  });
}

void AddConfigCommand(CLI::App& root, Session& session, int& exit_code) {
  CLI::App* config =
      root.add_subcommand("config", "Show the kubeconfig kilnctl uses");
  config->require_subcommand(1);
  auto raw = std::make_shared<bool>(false);
  auto minify = std::make_shared<bool>(false);
  CLI::App* view = config->add_subcommand(
      "view", "The merged kubeconfig (secrets hidden unless --raw)");
  view->add_flag("--raw", *raw, "Show tokens and key data");
  view->add_flag("--minify", *minify, "Only what the current context uses");
  view->callback([&session, &exit_code, raw, minify] {
    StatusOr<std::string> text =
        ViewConfig(session.flags(), session.env(), *raw, *minify);
    if (!text.ok()) {
      exit_code = session.Fail(text.status());
      return;
    }
    session.io().out << *text;
    exit_code = kExitOk;
  });
}

void AddCompletionCommand(CLI::App& root, Session& session, int& exit_code) {
  auto shell = std::make_shared<std::string>();
  CLI::App* c = root.add_subcommand(
      "completion",
      "Shell completion: source <(kilnctl completion bash); for zsh, "
      "source <(kilnctl completion zsh)");
  c->add_option("shell", *shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  c->callback([&root, &session, &exit_code, shell] {
    if (*shell == "zsh") {
      session.io().out << "#compdef kilnctl\n"
                       << "autoload -U +X bashcompinit && bashcompinit\n";
    }
    session.io().out << BashCompletion(root);
    exit_code = kExitOk;
  });
}

}  // namespace kiln::kilnctl

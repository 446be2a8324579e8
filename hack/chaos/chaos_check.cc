// chaos_check: the invariant checker of hack/chaos.sh, and the watcher's
// resume point.
//
//   chaos_check check --data-dir D --state-dir S [--namespace NS]
//                     [--settle-seconds N] [--final]
//       Runs every check (checks.h) against the kilnd serving D. Prints
//       "VIOLATION <check>: <detail>" per violation on stdout and
//       "chaos_check: N checks, M violations" on stderr. Exit 0: none;
//       1: violations; 2: the checks could not run (kilnd not answering).
//   chaos_check wait-terminal --data-dir D --state-dir S [--timeout-seconds N]
//       Waits until no Build in the namespace is non-terminal (exit 1 if
//       some still are after the timeout).
//   chaos_check resume-point --watch-dir W
//       Prints "watch RV" (resume the watch there) or "list" (list first).
//   chaos_check endpoint --data-dir D
//       Prints "URL TOKEN" from D/kubeconfig.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "hack/chaos/checks.h"
#include "hack/chaos/watch_replay.h"

namespace kiln::chaos {
namespace {

struct Flags {
  std::string data_dir;
  std::string state_dir;
  std::string watch_dir;
  std::string namespace_ = "chaos";
  int settle_seconds = 10;
  int timeout_seconds = 180;
  bool final_check = false;
};

int RunChecks(CheckContext& ctx) {
  StatusOr<TerminalRecord> terminal =
      TerminalRecord::Load(ctx.state_dir + "/terminal.json");
  if (!terminal.ok()) {
    std::cerr << terminal.status().ToString() << "\n";
    return 2;
  }
  Report report;
  ctx.report = &report;
  ctx.terminal = &*terminal;
  for (Status (*check)(const CheckContext&) :
       {CheckCreates, CheckWatch, CheckAllocation, CheckReadyEvents,
        CheckAttempts, CheckOrphans}) {
    if (Status s = check(ctx); !s.ok()) {
      report.Note("cannot check: " + s.ToString());
      return 2;
    }
  }
  if (Status s = terminal->Save(); !s.ok()) {
    report.Note(s.ToString());
    return 2;
  }
  report.Note(std::to_string(report.checks()) + " checks, " +
              std::to_string(report.violations()) + " violations");
  return report.violations() == 0 ? 0 : 1;
}

int Run(const std::string& command, Flags f) {
  // Absolute, as kilnd and the builders name it in their command lines.
  if (!f.data_dir.empty()) {
    f.data_dir = std::filesystem::absolute(f.data_dir).lexically_normal();
    if (f.data_dir.size() > 1 && f.data_dir.back() == '/')
      f.data_dir.pop_back();
  }
  if (command == "resume-point") {
    const ReplayResult r = Replay(f.watch_dir);
    std::cout << (r.need_list ? "list" : "watch " + std::to_string(r.progress))
              << "\n";
    return 0;
  }
  StatusOr<ApiEndpoint> api = EndpointFromDataDir(f.data_dir);
  if (!api.ok()) {
    std::cerr << api.status().ToString() << "\n";
    return 2;
  }
  if (command == "endpoint") {
    std::cout << api->url << " " << api->token << "\n";
    return 0;
  }
  CheckContext ctx;
  ctx.data_dir = f.data_dir;
  ctx.state_dir = f.state_dir;
  ctx.namespace_ = f.namespace_;
  ctx.api = *api;
  ctx.settle = std::chrono::seconds(f.settle_seconds);
  ctx.final_check = f.final_check;
  if (command == "wait-terminal") {
    Status s = WaitAllTerminal(ctx, std::chrono::seconds(f.timeout_seconds));
    if (!s.ok()) std::cerr << s.ToString() << "\n";
    return s.ok() ? 0 : 1;
  }
  return RunChecks(ctx);
}

}  // namespace
}  // namespace kiln::chaos

int main(int argc, char** argv) {
  kiln::chaos::Flags f;
  CLI::App app("The invariant checker of hack/chaos.sh");
  app.require_subcommand(1);
  CLI::App* check = app.add_subcommand("check", "Run every invariant check");
  CLI::App* wait =
      app.add_subcommand("wait-terminal", "Wait until every Build is terminal");
  CLI::App* resume = app.add_subcommand(
      "resume-point", "Where the recorded watch resumes: watch RV | list");
  CLI::App* endpoint =
      app.add_subcommand("endpoint", "URL and token of kilnd's kubeconfig");
  for (CLI::App* sub : {check, wait, endpoint}) {
    sub->add_option("--data-dir", f.data_dir, "kilnd's data dir")->required();
  }
  for (CLI::App* sub : {check, wait}) {
    sub->add_option("--state-dir", f.state_dir, "The chaos run's records")
        ->required();
    sub->add_option("--namespace", f.namespace_, "The load's namespace");
  }
  check->add_option("--settle-seconds", f.settle_seconds,
                    "How long GC and the watch may take to catch up");
  check->add_flag("--final", f.final_check,
                  "The load has stopped and every Build finished");
  wait->add_option("--timeout-seconds", f.timeout_seconds, "Give up after");
  resume->add_option("--watch-dir", f.watch_dir, "The recorded watch")
      ->required();
  CLI11_PARSE(app, argc, argv);
  try {  // nlohmann::json throws on an answer of an unexpected shape
    return kiln::chaos::Run(app.get_subcommands().front()->get_name(), f);
  } catch (const std::exception& e) {
    std::cerr << "chaos_check: " << e.what() << "\n";
    return 2;
  }
}

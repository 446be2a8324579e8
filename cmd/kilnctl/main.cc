// kilnctl: the command-line client of kilnd (docs/kilnctl.md).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cmd/kilnctl/api_client.h"
#include "cmd/kilnctl/commands.h"
#include "cmd/kilnctl/exit_codes.h"
#include "cmd/kilnctl/interrupts.h"
#include "cmd/kilnctl/session.h"

#ifndef KILN_VERSION
#define KILN_VERSION "0.0.0"
#endif

namespace kiln::kilnctl {
namespace {

// Parses the command line and runs the command; the exit code.
int RunKilnctl(int argc, char** argv) {
  CLI::App app{
      "kilnctl: build container images with Kiln — apply Build manifests, "
      "build a directory, follow logs, cancel, wait",
      "kilnctl"};
  app.require_subcommand(1);
  app.fallthrough();
  ConfigFlags flags;
  app.add_option("--kubeconfig", flags.kubeconfig,
                 "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)");
  app.add_option("--context", flags.context, "kubeconfig context to use");
  app.add_option("-n,--namespace", flags.namespace_,
                 "namespace (default: the context's, else default)");
  app.add_option("--server", flags.server,
                 "kilnd's URL, e.g. https://127.0.0.1:6443");
  app.add_option("--token", flags.token, "bearer token");
  app.add_option("--certificate-authority", flags.certificate_authority,
                 "CA file to trust for the server's certificate");
  app.add_flag("--insecure-skip-tls-verify", flags.insecure_skip_tls_verify,
               "do not check the server's certificate (unsafe)");

  Io io{std::cin,       std::cout,      std::cerr,
        isatty(0) == 1, isatty(1) == 1, isatty(2) == 1};
  Session session(flags, io, ConfigEnv::FromProcess());
  int exit_code = kExitOk;
  AddApplyCommand(app, session, exit_code);
  AddBuildCommand(app, session, exit_code);
  AddGetCommand(app, session, exit_code);
  AddDescribeCommand(app, session, exit_code);
  AddLogsCommand(app, session, exit_code);
  AddCancelCommand(app, session, exit_code);
  AddDeleteCommand(app, session, exit_code);
  AddWaitCommand(app, session, exit_code);
  AddVersionCommand(app, session, exit_code, KILN_VERSION);
  AddConfigCommand(app, session, exit_code);
  AddCompletionCommand(app, session, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  std::cout.flush();
  return exit_code;
}

}  // namespace
}  // namespace kiln::kilnctl

int main(int argc, char** argv) {
  using namespace kiln::kilnctl;
  // Signals are blocked first, so that every thread started later (the HTTP
  // library's too) leaves them to the interrupt thread.
  InstallInterruptThread();
  InitHttpClientRuntime();
  const int code = RunKilnctl(argc, argv);  // every client is gone after it
  FinishHttpClientRuntime();
  return code;
}

// kilnd: the Kiln server — the Kubernetes-compatible API with atomic capacity
// admission over the embedded SQLite store, the build controller that runs
// each Build in its own builder VM, and the embedded image registry.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <string>

#include "cmd/kilnd/flags.h"
#include "cmd/kilnd/logging.h"
#include "cmd/kilnd/server.h"

int main(int argc, char** argv) {
  kiln::KilndFlags flags;
  CLI::App app{
      "kilnd - the Kiln build service: Kubernetes-style API for Build "
      "resources (kubectl works with the kubeconfig it writes), atomic "
      "capacity admission, embedded SQLite store in --data-dir; each "
      "admitted Build runs at once in its own builder VM and its image is "
      "pushed to the registry (embedded by default)."};
  kiln::AddKilndFlags(app, flags);
  CLI11_PARSE(app, argc, argv);
  if (kiln::Status s =
          kiln::ConfigureLogging(flags.log_format, flags.verbosity);
      !s.ok()) {
    spdlog::error("kilnd: {}", s.ToString());
    return EXIT_FAILURE;
  }

  // SIGINT/SIGTERM are taken synchronously by the main thread (sigwait);
  // block them before any thread starts so none inherits them unblocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto server = kiln::KilndServer::Start(flags);
  if (!server.ok()) {
    spdlog::error("kilnd: {}", server.status().ToString());
    return EXIT_FAILURE;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("kilnd: received {}, shutting down", strsignal(sig));
  (*server)->Stop();
  spdlog::info("kilnd: stopped");
  return EXIT_SUCCESS;
}

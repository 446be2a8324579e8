// kilnd: the Kiln server. At this stage it opens (creating or migrating) the
// store in the data dir, reports its revision, and exits; the API server,
// admission and reconcilers arrive in later milestones.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <string>

#include "controller/store/sqlite_store.h"

int main(int argc, char** argv) {
  CLI::App app{
      "kilnd - the Kiln build service.\n"
      "Current stage: opens the store in --data-dir (creating or migrating "
      "kiln.db), prints its revision and exits cleanly. The HTTP API, "
      "admission and reconcile loop are not served yet."};
  std::string data_dir = ".kiln";
  app.add_option("--data-dir", data_dir, "Directory holding kiln.db")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  kiln::SqliteStoreOptions options;
  options.path = data_dir + "/kiln.db";
  auto store = kiln::SqliteStore::Open(options);
  if (!store.ok()) {
    spdlog::error("cannot open store {}: {}", options.path,
                  store.status().ToString());
    return EXIT_FAILURE;
  }
  spdlog::info("store {} open at revision {} (compacted {})", options.path,
               (*store)->CurrentRevision(), (*store)->CompactedRevision());
  spdlog::info("kilnd: API server not implemented at this stage; exiting");
  return EXIT_SUCCESS;
}

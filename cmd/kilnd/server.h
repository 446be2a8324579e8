// KilndServer: everything one kilnd process runs — the store, auth and TLS
// bootstrap, this host's Node, and the API server — started from flags.
#pragma once

#include <memory>

#include "api_types/status.h"
#include "cmd/kilnd/flags.h"
#include "controller/apiserver/api_server.h"
#include "controller/runtime/clock.h"
#include "controller/store/sqlite_store.h"

namespace kiln {

class KilndServer {
 public:
  // Opens the store, writes DATA_DIR/{tokens.csv,pki/,kubeconfig} as needed,
  // registers the Node and serves. Logs "kilnd ready on URL" once serving.
  // Fails fast with a clear message on misconfiguration.
  static StatusOr<std::unique_ptr<KilndServer>> Start(const KilndFlags& flags);

  // Stops serving; open watches end cleanly.
  void Stop();

 private:
  KilndServer() = default;
  RealClock clock_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<ApiServer> api_;
};

}  // namespace kiln

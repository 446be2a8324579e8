// Session: what every kilnctl command shares — the terminal streams, the
// resolved connection (loaded on first use, so `kilnctl version --client`
// and `completion` work without a kubeconfig), paths of the API, and error
// printing with exit codes.
//
// Thread-compatible, except client(): the ApiClient itself is thread-safe.
#pragma once

#include <istream>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "api_types/status.h"
#include "cmd/kilnctl/api_client.h"
#include "cmd/kilnctl/client_config.h"

namespace kiln::kilnctl {

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool in_tty = false;
  bool out_tty = false;
  bool err_tty = false;
};

inline constexpr char kGroupVersion[] = "/apis/kiln.dev/v1";
inline constexpr char kTableAccept[] =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

// Percent-encodes a query parameter value.
std::string UrlEncode(const std::string& value);

// ".../namespaces/NS/builds" ("/apis/kiln.dev/v1/builds" for ns == "").
std::string BuildsPath(const std::string& ns);
std::string BuildPath(const std::string& ns, const std::string& name);

class Session {
 public:
  Session(ConfigFlags& flags, Io io, ConfigEnv env)
      : flags_(flags), io_(io), env_(std::move(env)) {}

  Io& io() { return io_; }
  const ConfigFlags& flags() const { return flags_; }
  const ConfigEnv& env() const { return env_; }

  // The resolved config; loads it on first use.
  StatusOr<const ClientConfig*> Config();
  // The namespace commands act in (-n, else the context's, else default).
  StatusOr<std::string> Namespace();
  // The shared client; created on first use.
  StatusOr<ApiClient*> Client();
  // A separate client (its own Interrupt), e.g. for a watch beside a
  // log stream.
  StatusOr<std::unique_ptr<ApiClient>> NewClient();

  // GET/POST/... `path`; the JSON body of a 2xx response, else the error
  // (ApiError text) as a Status.
  StatusOr<nlohmann::json> Json(const std::string& method,
                                const std::string& path,
                                const std::string& body = "",
                                const std::string& content_type = "");

  // Prints "error: MESSAGE" on stderr; returns the exit code for it.
  int Fail(const Status& status);

 private:
  ConfigFlags& flags_;
  Io io_;
  const ConfigEnv env_;
  std::unique_ptr<ClientConfig> config_;
  std::unique_ptr<ApiClient> client_;
};

}  // namespace kiln::kilnctl

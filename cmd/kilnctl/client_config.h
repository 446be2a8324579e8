// Where kilnctl connects and as whom, resolved the way kubectl resolves it:
//
//   files     --kubeconfig FILE, else $KUBECONFIG (':'-separated; merged,
//             the first file to define a name or current-context wins),
//             else ~/.kube/config (missing is fine when --server is given)
//   context   --context, else current-context
//   overrides --server, --token, --certificate-authority,
//             --insecure-skip-tls-verify, -n/--namespace
//   namespace -n, else the context's namespace, else "default"
//
// Supported kubeconfig fields: clusters[].cluster.{server,
// certificate-authority, certificate-authority-data,
// insecure-skip-tls-verify}; users[].user.{token,
// tokenFile, client-certificate(-data), client-key(-data)}; contexts[].
// context.{cluster, user, namespace}. Relative file paths are relative to
// the kubeconfig that names them, as in kubectl.
//
// Pure apart from reading the files named; thread-compatible.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"

namespace kiln::kilnctl {

// The global flags that choose the connection.
struct ConfigFlags {
  std::string kubeconfig;
  std::string context;
  std::string namespace_;
  std::string server;
  std::string token;
  std::string certificate_authority;
  bool insecure_skip_tls_verify = false;
};

// Where the process looks: $KUBECONFIG and $HOME (a seam for tests).
struct ConfigEnv {
  std::string kubeconfig_env;  // the value of KUBECONFIG, "" when unset
  std::string home;
  static ConfigEnv FromProcess();
};

struct ClientConfig {
  std::string server;  // "https://127.0.0.1:6443"
  std::string ca_pem;  // trusted CA (PEM); "" = the system's
  bool insecure_skip_tls_verify = false;
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string namespace_ = "default";
  std::string context;  // the context used, "" when none
  // The kubeconfig files read (for error messages).
  std::vector<std::string> files;
};

// Resolves flags + files into a ClientConfig. InvalidArgument (saying what
// to fix) when no server is known, the context does not exist, or a file
// is not valid kubeconfig YAML; NotFound naming the path for a missing
// --kubeconfig or a missing file it refers to.
StatusOr<ClientConfig> LoadClientConfig(const ConfigFlags& flags,
                                        const ConfigEnv& env);

// `kilnctl config view`: the merged kubeconfig as YAML. Secrets (tokens,
// key and certificate data) are shown as REDACTED / DATA+OMITTED unless
// `raw`; `minify` keeps only what the current context uses.
StatusOr<std::string> ViewConfig(const ConfigFlags& flags, const ConfigEnv& env,
                                 bool raw, bool minify);

}  // namespace kiln::kilnctl

// Starts the real kilnd binary on an ephemeral port with a temporary data dir,
// and drives it with the real kubectl and curl. Thread-compatible.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/subprocess.h"
#include "tests/testing/build_paths.h"

namespace kiln::testing {

class Kilnd {
 public:
  // Starts kilnd with `args` added; waits for "kilnd ready on URL".
  // `data_dir` "" = a fresh temp dir (removed by the destructor).
  static std::unique_ptr<Kilnd> Start(const std::vector<std::string>& args = {},
                                      const std::string& data_dir = "");
  ~Kilnd();

  const std::string& url() const { return url_; }
  const std::string& data_dir() const { return data_dir_; }
  std::string kubeconfig() const { return data_dir_ + "/kubeconfig"; }
  // The admin bearer token from the generated kubeconfig.
  std::string AdminToken() const;
  // "admin:<token>": how the admin logs in to the embedded registry (skopeo
  // --creds; the registry's token service takes Kiln tokens as passwords).
  std::string RegistryLogin() const { return "admin:" + AdminToken(); }
  Child& process() { return *child_; }

  // kubectl with this server's kubeconfig and a private HOME/cache.
  CommandResult Kubectl(const std::vector<std::string>& args,
                        const std::string& input = "") const;
  // curl -sS with the CA and admin token (unless `token` is given; "-" =
  // none). Appends -w '\n%{http_code}' so Status() can read the code.
  CommandResult Curl(const std::vector<std::string>& args,
                     const std::string& token = "",
                     const std::string& input = "") const;
  // The Build `name` in namespace default as JSON (kubectl get -o json); an
  // empty object when kubectl cannot get it.
  nlohmann::json GetBuild(const std::string& name) const;
  // Polls GetBuild every 250 ms until its status.phase is `phase`; returns
  // the Build as last seen. On timeout adds a test failure with the Build,
  // kilnd's log and `context`.
  nlohmann::json WaitForPhase(const std::string& name, const std::string& phase,
                              std::chrono::seconds timeout,
                              const std::string& context = "");
  // The build log kilnd keeps for `build` (DATA_DIR/logs/UID.log); "" when
  // there is none.
  std::string BuildLog(const nlohmann::json& build) const;
  // How many VM directories are left in DATA_DIR/vms.
  size_t VmDirs() const;
  // Stops with SIGTERM (clean) or SIGKILL.
  void Stop(bool kill9 = false);

  bool failed_to_start() const { return url_.empty(); }

 private:
  Kilnd() = default;
  std::unique_ptr<Child> child_;
  std::string url_;
  std::string data_dir_;
  std::string home_;
  bool own_dir_ = false;
};

// Users beside the generated admin, as an operator adds them to
// tokens.csv: alice (kiln:users, namespace team-a) and bob (team-b).
inline constexpr char kAliceToken[] = "alice-token-0123456789abcdef";
inline constexpr char kBobToken[] = "bob-token-0123456789abcdef";

// Starts kilnd once on `data_dir` (API only) so it writes tokens.csv, then
// adds alice and bob to it. Returns false (with a test failure) when kilnd
// did not start.
bool AddTestUsers(const std::string& data_dir);

// Splits Curl() output into body and HTTP code.
struct HttpResult {
  int code = 0;
  std::string body;
};
HttpResult ParseCurl(const CommandResult& r);

// A fresh temp directory (not removed automatically), mode 0711: other
// users may pass through it, as through /var/lib, so builders in a user
// namespace reach a data dir made inside it.
std::string MakeTempDir(const std::string& prefix);

// A loopback TCP port that was free a moment ago, and the port after it too
// (for kilnd's embedded registry, which has no port-0 mode, and its token
// service on the next port).
int FreeLoopbackPort();

}  // namespace kiln::testing

// EmbeddedRegistry: the docker-registry (Debian's distribution 2.x) that
// kilnd runs and supervises when no --registry is given, so images can be
// pushed and pulled with no network.
//
// Files under DATA_DIR/registry: config.yml (written on every start),
// data/ (blobs and manifests), registry.log (the registry's output),
// registry.pid (pid of the registry kilnd spawned).
#pragma once

#include <spdlog/spdlog.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api_types/status.h"
#include "controller/base/clock.h"
#include "controller/base/mutex.h"
#include "controller/base/thread_annotations.h"
#include "controller/image_registry/registry_client.h"
#include "controller/image_registry/registry_config.h"
#include "controller/image_registry/restart_backoff.h"

namespace kiln {

struct EmbeddedRegistryOptions {
  // http.addr of the registry and the address clients use (plain HTTP, so
  // keep it on loopback).
  std::string listen = "127.0.0.1:5000";
  // The registry's own directory: config.yml, data/ (image storage),
  // registry.log, registry.pid. kilnd passes DataDirLayout::registry_dir().
  std::string dir = ".kiln/registry";
  std::string binary = "/usr/bin/docker-registry";
  // How long Start() waits for a spawned registry to answer /v2/.
  std::chrono::milliseconds start_timeout = std::chrono::seconds(20);
  // How long Stop() waits after SIGTERM (and again after SIGKILL).
  std::chrono::milliseconds stop_grace = std::chrono::seconds(5);
  // How often the supervisor checks that the registry is alive.
  std::chrono::milliseconds check_interval = std::chrono::milliseconds(200);
  // Supervisor restart delays (1s doubling to 30s by default).
  std::chrono::milliseconds restart_initial = std::chrono::seconds(1);
  std::chrono::milliseconds restart_max = std::chrono::seconds(30);
  // Token authentication (registry_config.h); unset = none. Health checks
  // stay anonymous: a 401 with the registry's header is an answer.
  std::optional<RegistryTokenAuth> token_auth;
  // Logger for starts, adoptions and restarts; null = spdlog's default.
  std::shared_ptr<spdlog::logger> logger;
};

// A running, supervised registry. Thread-safe. Destruction calls Stop().
class EmbeddedRegistry {
 public:
  // Writes the config and makes a registry answer on options.listen:
  //  - if a v2 registry already answers there (one left running by a
  //    crashed kilnd), adopts it; its pid is known, and Stop() ends it, only
  //    when registry.pid names a live docker-registry started with our
  //    config (a registry someone else runs is used but never killed). With
  //    token_auth, one of ours whose challenge names another realm (or none:
  //    started without auth) is stopped and spawned again with this config;
  //    someone else's is refused (kFailedPrecondition);
  //  - otherwise spawns `BINARY serve CONFIG` in its own process group and
  //    waits up to start_timeout for GET /v2/ to answer 200.
  // Then starts a supervisor thread that restarts the registry whenever it
  // dies (RestartBackoff delays, one log line per restart).
  // `clock` must outlive the registry; it times deadlines and uptime (the
  // waits themselves sleep on the real clock).
  // Returns kUnavailable when the port is held by something that is not a
  // registry, or the registry exits or stays silent during startup (the
  // message names registry.log); kInternal when files cannot be written or
  // the binary cannot be started.
  static StatusOr<std::unique_ptr<EmbeddedRegistry>> Start(
      const EmbeddedRegistryOptions& options, Clock& clock);

  ~EmbeddedRegistry();
  EmbeddedRegistry(const EmbeddedRegistry&) = delete;
  EmbeddedRegistry& operator=(const EmbeddedRegistry&) = delete;

  // Stops supervising and terminates the registry whose pid is known
  // (SIGTERM, stop_grace, SIGKILL), whether spawned or adopted; removes
  // registry.pid. Idempotent.
  void Stop() EXCLUDES(mu_);

  // Stops supervising but leaves the registry running and registry.pid in
  // place, as a crash of kilnd would; the next Start() adopts it. Used by
  // tests and by an in-place restart of kilnd.
  void Abandon() EXCLUDES(mu_);

  // "HOST:PORT" that clients push to and pull from.
  const std::string& address() const { return options_.listen; }
  // Path of registry.log.
  const std::string& log_path() const { return log_path_; }
  // Pid of the registry process, or -1 when it is not known (an adopted
  // registry without a matching pid file, or between restarts).
  pid_t pid() const EXCLUDES(mu_);
  // Whether the current registry was adopted rather than spawned by us.
  bool adopted() const EXCLUDES(mu_);
  // How many times the supervisor has restarted the registry.
  int restart_count() const EXCLUDES(mu_);

 private:
  EmbeddedRegistry(const EmbeddedRegistryOptions& options, Clock& clock);

  std::vector<std::string> ServeArgv() const;
  Status WriteFiles();
  // Adopts the registry answering on options_.listen or spawns one and
  // waits for it; sets pid_ and adopted_.
  Status AdoptOrSpawn() EXCLUDES(mu_);
  // The pid in registry.pid if it names a live registry using our config.
  pid_t AdoptablePid() const;
  StatusOr<pid_t> Spawn();
  Status WaitUntilReady(pid_t pid);
  // Whether the registry is alive; logs how it died otherwise.
  bool CheckAlive() EXCLUDES(mu_);
  void Supervise(std::stop_token stop) EXCLUDES(mu_);
  // Sleeps `d` unless stopping. Returns false when stopping.
  bool SleepUnlessStopping(std::chrono::milliseconds d) EXCLUDES(mu_);
  void StopSupervisor() EXCLUDES(mu_);

  // Constant after construction.
  const EmbeddedRegistryOptions options_;
  Clock& clock_;
  const std::shared_ptr<spdlog::logger> logger_;
  const std::string dir_;
  const std::string config_path_;
  const std::string log_path_;
  const std::string pid_path_;
  std::unique_ptr<RegistryClient> client_;  // set in Start, thread-safe

  mutable Mutex mu_;
  CondVar cv_{&mu_};
  pid_t pid_ GUARDED_BY(mu_) = -1;
  bool adopted_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  int restart_count_ GUARDED_BY(mu_) = 0;
  // Used only by the supervisor thread.
  RestartBackoff backoff_;
  std::chrono::steady_clock::time_point started_at_;
  int failed_pings_ = 0;

  std::jthread supervisor_;  // last: joined before the rest is destroyed
};

}  // namespace kiln

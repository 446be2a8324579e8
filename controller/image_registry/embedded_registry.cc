#include "controller/image_registry/embedded_registry.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "controller/base/files.h"
#include "controller/base/hex.h"
#include "controller/base/subprocess.h"
#include "controller/image_registry/registry_config.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Pings that must fail in a row before an adopted registry of unknown pid
// counts as dead.
constexpr int kMaxFailedPings = 3;
constexpr milliseconds kReadyPollInterval(50);
// registry.log is moved to registry.log.1 on start once it is this big.
constexpr uintmax_t kMaxLogBytes = 10 << 20;

std::string AbsoluteDir(const std::string& given) {
  std::error_code ec;
  fs::path dir = fs::absolute(fs::path(given), ec);
  if (ec) dir = fs::path(given);
  return dir.lexically_normal().string();
}

// The last line the registry wrote, to make startup errors self-contained.
std::string LastLogLine(const std::string& log_path) {
  std::ifstream in(log_path);
  std::string line;
  std::string last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  if (last.size() > 300) last = last.substr(last.size() - 300);
  return last;
}

// The NUL-separated arguments of process `pid`, or empty.
std::vector<std::string> CommandLine(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::vector<std::string> args;
  std::string arg;
  while (std::getline(in, arg, '\0')) args.push_back(arg);
  return args;
}

std::string Seconds(milliseconds d) {
  std::ostringstream out;
  out << static_cast<double>(d.count()) / 1000 << "s";
  return out.str();
}

}  // namespace

EmbeddedRegistry::EmbeddedRegistry(const EmbeddedRegistryOptions& options,
                                   Clock& clock)
    : options_(options),
      clock_(clock),
      logger_(options.logger ? options.logger : spdlog::default_logger()),
      dir_(AbsoluteDir(options.dir)),
      config_path_(dir_ + "/config.yml"),
      log_path_(dir_ + "/registry.log"),
      pid_path_(dir_ + "/registry.pid"),
      backoff_(options.restart_initial, options.restart_max) {}

EmbeddedRegistry::~EmbeddedRegistry() { Stop(); }

StatusOr<std::unique_ptr<EmbeddedRegistry>> EmbeddedRegistry::Start(
    const EmbeddedRegistryOptions& options, Clock& clock) {
  std::unique_ptr<EmbeddedRegistry> registry(
      new EmbeddedRegistry(options, clock));
  ASSIGN_OR_RETURN(registry->client_, NewRegistryClient(options.listen));
  RETURN_IF_ERROR(registry->WriteFiles());
  RETURN_IF_ERROR(registry->AdoptOrSpawn());
  registry->started_at_ = clock.SteadyNow();
  EmbeddedRegistry* self = registry.get();
  registry->supervisor_ =
      std::jthread([self](std::stop_token stop) { self->Supervise(stop); });
  return registry;
}

Status EmbeddedRegistry::AdoptOrSpawn() {
  const Status ping = client_->Ping();
  if (!ping.ok() && ping.code() != StatusCode::kUnavailable) {
    return UnavailableError("embedded registry: " + options_.listen +
                            " is taken by something that is not a docker "
                            "registry (" +
                            ping.message() + ")");
  }
  pid_t pid = AdoptablePid();
  bool adopt = ping.ok();
  if (adopt && options_.token_auth) {
    ASSIGN_OR_RETURN(const std::string realm, client_->TokenRealm());
    if (realm != options_.token_auth->realm) {
      const std::string serving =
          realm.empty() ? "without authentication"
                        : "with another token service (" + realm + ")";
      if (pid <= 0) {
        return FailedPreconditionError(
            "embedded registry: a registry that is not kilnd's answers on " +
            options_.listen + " " + serving +
            "; stop it, or use it with --registry");
      }
      logger_->warn("registry: pid {} serves {}; starting it again with {}",
                    pid, serving, options_.token_auth->realm);
      StopProcess(pid, options_.stop_grace);
      pid = -1;
      adopt = false;
    }
  }
  if (adopt) {
    logger_->info("registry: adopted the registry already answering on {} ({})",
                  options_.listen,
                  pid > 0 ? "pid " + std::to_string(pid)
                          : std::string("pid unknown: it will not be stopped"));
  } else {
    if (pid > 0) {
      // Ours from an earlier run but not answering here (hung, or started
      // for another address): two registries must not share the storage.
      logger_->warn("registry: stopping stale registry pid {}", pid);
      StopProcess(pid, options_.stop_grace);
    }
    ASSIGN_OR_RETURN(pid, Spawn());
    if (Status ready = WaitUntilReady(pid); !ready.ok()) {
      StopProcess(pid, options_.stop_grace);
      std::remove(pid_path_.c_str());
      return ready;
    }
    logger_->info("registry: serving on {} (pid {}, data {})", options_.listen,
                  pid, dir_ + "/data");
  }
  MutexLock lock(mu_);
  pid_ = pid;
  adopted_ = adopt;
  return OkStatus();
}

std::vector<std::string> EmbeddedRegistry::ServeArgv() const {
  return {options_.binary, "serve", config_path_};
}

Status EmbeddedRegistry::WriteFiles() {
  std::error_code ec;
  fs::create_directories(dir_ + "/data", ec);
  if (ec) {
    return InternalError("cannot create " + dir_ + "/data: " + ec.message());
  }
  if (fs::file_size(log_path_, ec) > kMaxLogBytes && !ec) {
    fs::rename(log_path_, log_path_ + ".1", ec);  // best effort
  }
  RegistryConfig config;
  config.listen = options_.listen;
  config.storage_root = dir_ + "/data";
  config.token_auth = options_.token_auth;
  ASSIGN_OR_RETURN(config.http_secret, RandomHex(16));
  return WriteFileAtomically(config_path_, RenderRegistryConfig(config),
                             kPublicFileMode);
}

pid_t EmbeddedRegistry::AdoptablePid() const {
  std::ifstream in(pid_path_);
  pid_t pid = -1;
  if (!(in >> pid) || pid <= 0 || !ProcessRunning(pid)) return -1;
  const std::vector<std::string> args = CommandLine(pid);
  return args == ServeArgv() ? pid : -1;
}

StatusOr<pid_t> EmbeddedRegistry::Spawn() {
  ASSIGN_OR_RETURN(pid_t pid, SpawnDaemon(ServeArgv(), log_path_));
  Status written = WriteFileAtomically(pid_path_, std::to_string(pid) + "\n",
                                       kPublicFileMode);
  if (!written.ok()) {
    StopProcess(pid, options_.stop_grace);
    return written;
  }
  return pid;
}

Status EmbeddedRegistry::WaitUntilReady(pid_t pid) {
  const auto deadline = clock_.SteadyNow() + options_.start_timeout;
  while (true) {
    int wait_status = 0;
    if (!ProcessRunning(pid, &wait_status)) {
      return UnavailableError("embedded registry " + options_.binary + " " +
                              DescribeWaitStatus(wait_status) +
                              " during startup on " + options_.listen +
                              " (see " + log_path_ +
                              "; last line: " + LastLogLine(log_path_) + ")");
    }
    if (client_->Ping().ok()) return OkStatus();
    if (clock_.SteadyNow() >= deadline) {
      return UnavailableError("embedded registry did not answer GET http://" +
                              options_.listen + "/v2/ within " +
                              Seconds(options_.start_timeout) + " (see " +
                              log_path_ + ")");
    }
    std::this_thread::sleep_for(kReadyPollInterval);
  }
}

bool EmbeddedRegistry::CheckAlive() {
  pid_t pid;
  bool adopted;
  {
    MutexLock lock(mu_);
    pid = pid_;
    adopted = adopted_;
  }
  if (pid > 0) {
    int wait_status = 0;
    if (ProcessRunning(pid, &wait_status)) return true;
    logger_->warn(
        "registry: pid {} on {} {}", pid, options_.listen,
        adopted ? std::string("is gone") : DescribeWaitStatus(wait_status));
    return false;
  }
  if (!adopted) return false;  // the last restart failed to spawn
  if (client_->Ping().ok()) {
    failed_pings_ = 0;
    return true;
  }
  if (++failed_pings_ < kMaxFailedPings) return true;
  logger_->warn("registry: adopted registry on {} stopped answering",
                options_.listen);
  return false;
}

void EmbeddedRegistry::Supervise(std::stop_token stop) {
  try {
    while (!stop.stop_requested()) {
      if (!SleepUnlessStopping(options_.check_interval)) return;
      if (CheckAlive()) continue;
      const auto uptime = std::chrono::duration_cast<milliseconds>(
          clock_.SteadyNow() - started_at_);
      const milliseconds delay = backoff_.NextDelay(uptime);
      {
        MutexLock lock(mu_);
        pid_ = -1;
        adopted_ = false;
      }
      logger_->warn("registry: restarting on {} in {} (up {})", options_.listen,
                    Seconds(delay), Seconds(uptime));
      if (!SleepUnlessStopping(delay)) return;
      StatusOr<pid_t> pid = Spawn();
      started_at_ = clock_.SteadyNow();
      if (!pid.ok()) {
        logger_->error("registry: restart failed: {}", pid.status().ToString());
        continue;
      }
      int restarts;
      {
        MutexLock lock(mu_);
        pid_ = *pid;
        restarts = ++restart_count_;
      }
      logger_->info("registry: restarted on {} (pid {}, restart #{})",
                    options_.listen, *pid, restarts);
    }
  } catch (const std::exception& e) {
    logger_->critical("registry: supervisor stopped: {}", e.what());
  }
}

bool EmbeddedRegistry::SleepUnlessStopping(milliseconds d) {
  const auto deadline = std::chrono::steady_clock::now() + d;
  MutexLock lock(mu_);
  while (!stopping_ && cv_.WaitUntil(deadline)) {
  }
  return !stopping_;
}

void EmbeddedRegistry::StopSupervisor() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    cv_.SignalAll();
  }
  if (supervisor_.joinable()) {
    supervisor_.request_stop();
    supervisor_.join();
  }
}

void EmbeddedRegistry::Stop() {
  StopSupervisor();
  pid_t pid;
  {
    MutexLock lock(mu_);
    pid = pid_;
    pid_ = -1;
  }
  if (pid <= 0) return;
  if (StopProcess(pid, options_.stop_grace)) {
    logger_->info("registry: stopped pid {} on {}", pid, options_.listen);
  } else {
    logger_->error("registry: pid {} survived SIGKILL", pid);
  }
  std::remove(pid_path_.c_str());
}

void EmbeddedRegistry::Abandon() {
  StopSupervisor();
  MutexLock lock(mu_);
  pid_ = -1;
}

pid_t EmbeddedRegistry::pid() const {
  MutexLock lock(mu_);
  return pid_;
}

bool EmbeddedRegistry::adopted() const {
  MutexLock lock(mu_);
  return adopted_;
}

int EmbeddedRegistry::restart_count() const {
  MutexLock lock(mu_);
  return restart_count_;
}

}  // namespace kiln

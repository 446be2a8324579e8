#include "controller/vm/detached_launch.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <span>

#include "controller/vm/agent_contract.h"
#include "controller/vm/fixed_text.h"
#include "controller/vm/registry_relay.h"
#include "controller/vm/user_namespace.h"

namespace kiln {
namespace {

// Everything the children need, prepared before fork: after fork they only
// read it.
struct ChildContext {
  const char* path = nullptr;
  std::vector<char*> argv;
  std::vector<char*> envp;
  const char* hostname = nullptr;
  const char* work_dir = nullptr;   // the records' directory
  const char* agent_dir = nullptr;  // the agent's cwd
  const char* output_path = nullptr;
  std::vector<const char*> procs_files;
  const SandboxNetwork* network = nullptr;
  const char* hosts_file = nullptr;
  const PrivateDevPlan* private_dev = nullptr;
  const char* scratch_device = nullptr;
  const char* scratch_mount = nullptr;
  const std::vector<BindPlan>* binds = nullptr;
  std::optional<HiddenDirPlan> hidden;
  const IdRange* user_namespace = nullptr;
  int max_fd = 1024;
  int report_fd = -1;  // write end of the caller's pipe
  // Opened by the shim before it changes its view of the file system.
  int work_dir_fd = -1;               // records are written relative to it
  int stdin_fd = -1, output_fd = -1;  // the agent's stdio
};

// A path plus a suffix, or a record.
using Buf = FixedText<PATH_MAX + 64>;

// Writes all of `data`, retrying short writes and EINTR. False (errno set)
// on an error. Async-signal-safe.
bool WriteAll(int fd, const char* data, size_t len) {
  while (len > 0) {
    const ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = EIO;
      return false;
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

// Tells the caller that `step` (+ `detail`) failed with `err`, then exits.
[[noreturn]] void Fail(const ChildContext& ctx, const char* step,
                       const char* detail, int err) {
  Buf b;
  b.Add("E");
  b.Add(step);
  b.Add(detail);
  b.Add("\t");
  b.AddInt(err);
  b.Add("\n");
  (void)WriteAll(ctx.report_fd, b.c_str(), b.size());  // nothing to do if lost
  _exit(127);
}

// The async-signal-safe twin of WriteFileAtomically (controller/base/
// files.h), for the shim, which runs after fork: writes `content` to
// "<name>.tmp.<pid>" (mode 0644) in directory `dir_fd`, fsyncs it, renames
// it over `name` and fsyncs the directory. Relative to a descriptor because
// the shim's own view of the file system may hide the directory. A write,
// fsync or close error removes the temporary file and leaves `name` as it
// was, so a full disk never puts a truncated record in place. False (errno
// set) on any error.
bool WriteFileAtomicallyAfterFork(int dir_fd, const char* name,
                                  const Buf& content) {
  if (content.truncated()) {
    errno = EOVERFLOW;
    return false;
  }
  Buf tmp;
  tmp.Add(name);
  tmp.Add(".tmp.");
  tmp.AddInt(getpid());
  if (tmp.truncated()) {
    errno = ENAMETOOLONG;
    return false;
  }
  const int fd =
      openat(dir_fd, tmp.c_str(),
             O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return false;
  bool ok = WriteAll(fd, content.c_str(), content.size()) && fsync(fd) == 0;
  int err = errno;
  if (close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && renameat(dir_fd, tmp.c_str(), dir_fd, name) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    unlinkat(dir_fd, tmp.c_str(), 0);
    errno = err;
    return false;
  }
  return fsync(dir_fd) == 0;
}

uint64_t StartTimeOf(pid_t pid) {
  Buf path;
  path.Add("/proc/");
  path.AddInt(pid);
  path.Add("/stat");
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char text[1024];
  ssize_t n = read(fd, text, sizeof(text));
  close(fd);
  ProcStat stat;
  if (n <= 0 || !ParseProcStat(text, static_cast<size_t>(n), &stat)) return 0;
  return stat.start_time;
}

// Closes every fd >= `first`.
void CloseFrom(const ChildContext& ctx, int first) {
  if (syscall(SYS_close_range, first, ~0U, 0) == 0) return;
  for (int fd = first; fd < ctx.max_fd; ++fd) close(fd);
}

void ResetSignals() {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Moves the report pipe to fd 3 (close-on-exec) and closes the rest.
void KeepOnlyStdioAndReport(ChildContext& ctx) {
  if (ctx.report_fd != 3) {
    if (dup3(ctx.report_fd, 3, O_CLOEXEC) < 0) Fail(ctx, "dup", "", errno);
    ctx.report_fd = 3;
  }
  CloseFrom(ctx, 4);
}

// Moves process `pid` (0: the caller) into the VM's cgroups.
void JoinCgroups(const ChildContext& ctx, pid_t pid) {
  FixedText<24> text;
  text.AddInt(pid);
  for (const char* file : ctx.procs_files) {
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, text.c_str(), text.size()) !=
                      static_cast<ssize_t>(text.size())) {
      Fail(ctx, "join cgroup ", file, errno);
    }
    close(fd);
  }
}

// The builder's view, made by the shim as the host's root in its own new
// mount namespace, which the agent's namespace then copies: the scratch
// disk, the binds, /etc/hosts, the private /dev and, last, the data dir
// covered but for the agent's directory. The scratch disk first: its device
// is found through the host's /dev, which the private /dev then hides.
void MountSandbox(const ChildContext& ctx) {
  if (unshare(CLONE_NEWNS) != 0)
    Fail(ctx, "unshare mount namespace", "", errno);
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    Fail(ctx, "make / private", "", errno);
  }
  if (ctx.scratch_device != nullptr) {
    if (mount(ctx.scratch_device, ctx.scratch_mount, "ext4",
              MS_NOSUID | MS_NODEV, nullptr) != 0) {
      Fail(ctx, "mount the scratch disk on ", ctx.scratch_mount, errno);
    }
    if (ctx.user_namespace != nullptr &&
        chown(ctx.scratch_mount, ctx.user_namespace->base,
              ctx.user_namespace->base) != 0) {
      Fail(ctx, "give the scratch disk to the builder's root ",
           ctx.scratch_mount, errno);
    }
  }
  const char* step = "";
  if (ctx.binds != nullptr && MountBinds(*ctx.binds, &step) != 0) {
    Fail(ctx, step, "", errno);
  }
  if (ctx.hosts_file != nullptr && MountHostsFile(ctx.hosts_file, &step) != 0) {
    Fail(ctx, step, "", errno);
  }
  if (ctx.private_dev != nullptr &&
      MountPrivateDev(*ctx.private_dev, &step) != 0) {
    Fail(ctx, step, "", errno);
  }
  if (ctx.hidden) {
    const int exposed =
        open(ctx.hidden->exposed.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (exposed < 0) Fail(ctx, "open ", ctx.hidden->exposed.c_str(), errno);
    if (MountHiddenDir(*ctx.hidden, exposed, &step) != 0) {
      Fail(ctx, step, "", errno);
    }
    close(exposed);
  }
}

// The agent: born by clone() into its new PID, mount, UTS and IPC
// namespaces (and user namespace, when set), it waits on `go` until the
// shim has written its id maps and put it in its cgroups.
[[noreturn]] void RunAgent(ChildContext& ctx, int go) {
  ResetSignals();
  char byte;
  ssize_t n;
  while ((n = read(go, &byte, 1)) < 0 && errno == EINTR) {
  }
  if (n != 1) _exit(127);  // the shim failed and reported why
  const char* step = "";
  if (ctx.user_namespace != nullptr && BecomeNamespaceRoot(&step) != 0) {
    Fail(ctx, step, "", errno);
  }
  setpgid(0, 0);
  if (sethostname(ctx.hostname, strlen(ctx.hostname)) != 0) {
    Fail(ctx, "sethostname ", ctx.hostname, errno);
  }
  if (dup2(ctx.stdin_fd, 0) < 0 || dup2(ctx.output_fd, 1) < 0 ||
      dup2(ctx.output_fd, 2) < 0) {
    Fail(ctx, "dup2 stdio", "", errno);
  }
  KeepOnlyStdioAndReport(ctx);
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
            nullptr) != 0) {
    Buf b;
    b.Add(
        "kiln-shim: warning: cannot mount /proc for the new PID namespace"
        " (errno ");
    b.AddInt(errno);
    b.Add("); the agent sees the host's /proc\n");
    (void)WriteAll(2, b.c_str(), b.size());  // a warning: best effort
  }
  // The host's short-name aliases (containers-common's shortnames.conf)
  // would send "FROM busybox" to docker.io even though the agent's own
  // registries.conf names the Kiln registry as the only search registry:
  // inside the VM that directory is empty. Best effort: absent is fine.
  mount("tmpfs", "/etc/containers/registries.conf.d", "tmpfs",
        MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4k");
  if (chdir(ctx.agent_dir) != 0) Fail(ctx, "chdir ", ctx.agent_dir, errno);
  execve(ctx.path, ctx.argv.data(), ctx.envp.data());
  Fail(ctx, "exec ", ctx.path, errno);
}

// The relay: host network namespace, the VM's cgroups, gone with the shim.
// `listeners` holds one listening socket per route of ctx.network.
[[noreturn]] void RunRelay(ChildContext& ctx, pid_t shim, int host_net,
                           const int* listeners) {
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (getppid() != shim) _exit(0);  // the shim died before prctl
  prctl(PR_SET_NAME, "kiln-relay", 0, 0, 0);
  if (setns(host_net, CLONE_NEWNET) != 0) {
    Fail(ctx, "relay: enter the host network namespace", "", errno);
  }
  close(host_net);
  JoinCgroups(ctx, 0);
  const int log =
      open(ctx.output_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  // The launch waits until every copy of the report pipe is closed.
  close(ctx.report_fd);
  // On the stack: no allocation after fork. StartNetworkSandbox checked
  // that the routes fit.
  RelayRoute routes[kMaxRelayRoutes];
  const size_t count = ctx.network->routes.size();
  for (size_t i = 0; i < count; ++i) {
    routes[i].listen_fd = listeners[i];
    routes[i].target = ctx.network->routes[i].target;
  }
  const int err = RunRegistryRelay(std::span<const RelayRoute>(routes, count),
                                   ctx.network->limits,
                                   /*stop_fd=*/-1, log);
  Buf b;
  b.Add("kiln-relay: stopped: errno ");
  b.AddInt(err);
  b.Add("\n");
  if (log >= 0) (void)WriteAll(log, b.c_str(), b.size());
  _exit(1);
}

// Moves the shim into the builder's network namespace (only `lo`,
// listeners on the registry's address: the registry's port and its token
// service's) and starts the relay beside it.
void StartNetworkSandbox(ChildContext& ctx) {
  const size_t count = ctx.network->routes.size();
  if (count == 0 || count > kMaxRelayRoutes) {
    Fail(ctx, "plan the relay's listeners", "", EINVAL);
  }
  const int host_net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (host_net < 0) Fail(ctx, "open /proc/self/ns/net", "", errno);
  if (unshare(CLONE_NEWNET) != 0) {
    Fail(ctx, "unshare network namespace", "", errno);
  }
  const char* step = "";
  int listeners[kMaxRelayRoutes];
  if (OpenSandboxListeners(*ctx.network, listeners, &step) != 0) {
    Fail(ctx, step, "", errno);
  }
  const pid_t shim = getpid();
  const pid_t relay = fork();
  if (relay < 0) Fail(ctx, "fork relay", "", errno);
  if (relay == 0) RunRelay(ctx, shim, host_net, listeners);
  for (size_t i = 0; i < count; ++i) close(listeners[i]);
  close(host_net);
}

// Clones the agent into its namespaces (the user namespace first, so it
// owns the others and the agent may mount /proc and what buildah mounts),
// writes its id maps, puts it in the VM's cgroups and lets it go. Returns
// its host pid.
pid_t StartAgent(ChildContext& ctx) {
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0) Fail(ctx, "pipe", "", errno);
  long flags =
      CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
  if (ctx.user_namespace != nullptr) flags |= CLONE_NEWUSER;
  // Like fork (no new stack): the shim is single-threaded.
  const long agent =
      syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr);
  if (agent < 0) Fail(ctx, "clone the agent into new namespaces", "", errno);
  if (agent == 0) {
    close(go[1]);
    RunAgent(ctx, go[0]);
  }
  close(go[0]);
  const char* step = "";
  if (ctx.user_namespace != nullptr &&
      WriteIdMaps(static_cast<pid_t>(agent), *ctx.user_namespace, &step) != 0) {
    const int err = errno;
    kill(static_cast<pid_t>(agent), SIGKILL);
    Fail(ctx, step, "", err);
  }
  JoinCgroups(ctx, static_cast<pid_t>(agent));  // on failure the agent sees EOF
  if (!WriteAll(go[1], "g", 1)) Fail(ctx, "start the agent", "", errno);
  close(go[1]);
  close(ctx.stdin_fd);
  close(ctx.output_fd);
  return static_cast<pid_t>(agent);
}

[[noreturn]] void RunShim(ChildContext& ctx) {
  ResetSignals();
  prctl(PR_SET_NAME, "kiln-shim", 0, 0, 0);
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) Fail(ctx, "open /dev/null", "", errno);
  dup2(null_fd, 0);
  dup2(null_fd, 1);
  dup2(null_fd, 2);
  KeepOnlyStdioAndReport(ctx);
  // Stray terminal/termination signals must not cost us the exit record.
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  if (ctx.network != nullptr) StartNetworkSandbox(ctx);
  ctx.work_dir_fd = open(ctx.work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (ctx.work_dir_fd < 0) Fail(ctx, "open ", ctx.work_dir, errno);
  ctx.stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (ctx.stdin_fd < 0) Fail(ctx, "open /dev/null", "", errno);
  ctx.output_fd =
      open(ctx.output_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (ctx.output_fd < 0) Fail(ctx, "open ", ctx.output_path, errno);
  MountSandbox(ctx);
  const pid_t agent = StartAgent(ctx);

  Buf pid_record;
  pid_record.Add("{\"agentPid\":");
  pid_record.AddInt(agent);
  pid_record.Add(",\"agentStartTime\":");
  pid_record.AddInt(static_cast<int64_t>(StartTimeOf(agent)));
  pid_record.Add(",\"shimPid\":");
  pid_record.AddInt(getpid());
  pid_record.Add(",\"shimStartTime\":");
  pid_record.AddInt(static_cast<int64_t>(StartTimeOf(getpid())));
  pid_record.Add("}\n");
  if (!WriteFileAtomicallyAfterFork(ctx.work_dir_fd, kShimPidFile,
                                    pid_record)) {
    const int err = errno;
    kill(agent, SIGKILL);
    Fail(ctx, "write ", kShimPidFile, err);
  }
  // The caller learns of a lost "P" line from pid.json's absence.
  (void)WriteAll(ctx.report_fd, "P\n", 2);
  close(ctx.report_fd);

  int status = 0;
  while (waitpid(agent, &status, 0) < 0) {
    if (errno != EINTR) _exit(1);
  }
  Buf exit_record;
  if (WIFSIGNALED(status)) {
    exit_record.Add("{\"status\":\"signaled\",\"signal\":");
    exit_record.AddInt(WTERMSIG(status));
  } else {
    exit_record.Add("{\"status\":\"exited\",\"code\":");
    exit_record.AddInt(WEXITSTATUS(status));
  }
  exit_record.Add("}\n");
  // Nobody waits for the shim (it is init's child by now): a failed write
  // shows as a missing exit.json, which readers treat as "exit unknown".
  if (!WriteFileAtomicallyAfterFork(ctx.work_dir_fd, kShimExitFile,
                                    exit_record)) {
    _exit(1);
  }
  _exit(0);
}

ChildContext Prepare(const DetachedLaunchSpec& spec) {
  ChildContext ctx;
  ctx.path = spec.argv[0].c_str();
  for (const std::string& arg : spec.argv) {
    ctx.argv.push_back(const_cast<char*>(arg.c_str()));
  }
  ctx.argv.push_back(nullptr);
  for (const std::string& var : spec.env) {
    ctx.envp.push_back(const_cast<char*>(var.c_str()));
  }
  ctx.envp.push_back(nullptr);
  ctx.hostname = spec.hostname.c_str();
  ctx.work_dir = spec.work_dir.c_str();
  ctx.agent_dir =
      spec.agent_dir.empty() ? ctx.work_dir : spec.agent_dir.c_str();
  if (!spec.binds.empty()) ctx.binds = &spec.binds;
  if (spec.user_namespace) ctx.user_namespace = &*spec.user_namespace;
  ctx.output_path = spec.output_path.c_str();
  for (const std::string& file : spec.cgroup_procs_files) {
    ctx.procs_files.push_back(file.c_str());
  }
  if (spec.network) ctx.network = &*spec.network;
  if (!spec.hosts_file.empty()) ctx.hosts_file = spec.hosts_file.c_str();
  if (spec.private_dev) ctx.private_dev = &*spec.private_dev;
  if (!spec.scratch_device.empty()) {
    ctx.scratch_device = spec.scratch_device.c_str();
    ctx.scratch_mount = spec.scratch_mount.c_str();
  }
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    ctx.max_fd = static_cast<int>(std::min<rlim_t>(lim.rlim_cur, 1 << 20));
  }
  return ctx;
}

// Reads the children's reports until every write end is closed (the agent
// exec'd or failed, the shim wrote pid.json) or the deadline passes.
// Returns the error line's text ("" when none), or Unavailable.
StatusOr<std::string> ReadReports(int fd) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string text;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return UnavailableError("agent launch did not finish within 30s");
    }
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return InternalError(std::string("poll: ") + strerror(errno));
    if (r == 0) continue;
    char buf[512];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line[0] != 'E') continue;
    const size_t tab = line.rfind('\t');
    if (tab == std::string::npos) return line.substr(1);
    return line.substr(1, tab - 1) + ": " +
           strerror(std::atoi(line.c_str() + tab + 1));
  }
  return std::string();
}

}  // namespace

StatusOr<ShimPidRecord> LaunchDetached(const DetachedLaunchSpec& spec) {
  if (spec.argv.empty()) return InvalidArgumentError("launch: empty argv");
  ChildContext ctx = Prepare(spec);
  if (!spec.hidden_dir.empty()) {
    ASSIGN_OR_RETURN(ctx.hidden, PlanHiddenDir(spec.hidden_dir, ctx.agent_dir));
  }
  if (spec.user_namespace)
    RETURN_IF_ERROR(ValidateIdRange(*spec.user_namespace));
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return InternalError(std::string("pipe: ") + strerror(errno));
  }
  ctx.report_fd = pipe_fds[1];
  pid_t intermediate = fork();
  if (intermediate < 0) {
    const int err = errno;
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return ResourcesExhaustedError(std::string("fork: ") + strerror(err));
  }
  if (intermediate == 0) {
    if (setsid() < 0) Fail(ctx, "setsid", "", errno);
    pid_t shim = fork();
    if (shim < 0) Fail(ctx, "fork shim", "", errno);
    if (shim == 0) RunShim(ctx);
    _exit(0);
  }
  close(pipe_fds[1]);
  StatusOr<std::string> error = ReadReports(pipe_fds[0]);
  close(pipe_fds[0]);
  while (waitpid(intermediate, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (!error.ok()) return error.status();
  if (!error->empty()) return InternalError("launch agent: " + *error);
  ASSIGN_OR_RETURN(nlohmann::json j,
                   ReadJsonFile(spec.work_dir + "/" + kShimPidFile));
  return ShimPidRecordFromJson(j);
}

}  // namespace kiln

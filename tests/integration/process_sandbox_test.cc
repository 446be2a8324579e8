// The process driver's builder sandbox end to end (docs/security.md
// "process driver sandbox"): the real kilnd with the process driver, the
// real kiln-agent and buildah, the embedded registry. A Dockerfile RUN step
// probes kilnd's API port, a TCP listener this test runs on the host (which
// counts the connections it accepts) and the registry: only the registry
// answers, and the image is pushed through the sandbox's registry relay. The
// same step tries to write more than its scratch disk holds.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/kilnd_fixture.h"
#include "tests/testing/build_paths.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;

// A TCP listener on every host address that accepts connections, counts
// them and closes them. Stops (and joins) on destruction.
class ConnectionCounter {
 public:
  ConnectionCounter() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || pipe2(stop_, O_CLOEXEC) != 0 ||
        bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ConnectionCounter() {
    if (thread_.joinable()) {
      (void)!write(stop_[1], "x", 1);
      thread_.join();
    }
    for (int fd : {fd_, stop_[0], stop_[1]}) {
      if (fd >= 0) close(fd);
    }
  }
  int port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  void Serve() {
    while (true) {
      pollfd p[2] = {{fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (poll(p, 2, -1) < 0 || p[1].revents != 0) return;
      const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) {
        ++accepted_;
        close(c);
      }
    }
  }

  int fd_ = -1;
  int stop_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// The first IPv4 address of this host that is not loopback, or "".
std::string HostIpv4() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* a = list; a != nullptr && found.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    const in_addr ip = reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr;
    if ((ntohl(ip.s_addr) >> 24) == 127) continue;
    char text[INET_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET, &ip, text, sizeof(text)) != nullptr) found = text;
  }
  freeifaddrs(list);
  return found;
}

// The port of a URL such as "https://127.0.0.1:6443".
std::string PortOf(const std::string& url) {
  return url.substr(url.rfind(':') + 1);
}

// A shell snippet that prints "PROBE_<label>=closed" when busybox nc cannot
// connect to HOST:PORT and "PROBE_<label>=open" when it can (a server that
// keeps the connection open is cut after 5 s). The verdict comes from a
// variable, so the log's echo of the command never matches.
std::string Probe(const std::string& host, const std::string& port,
                  const std::string& label) {
  return "e=$(timeout 5 nc " + host + " " + port +
         " </dev/null 2>&1 >/dev/null); case \"$e\" in *\"can't connect\"*) "
         "r=closed;; *) r=open;; esac; echo PROBE_" +
         label + "=$r; ";
}

// A shell snippet that prints "PROBE_<label>=<HTTP status>" for a GET of
// `url` with busybox wget (which exits non-zero on any status but 2xx and
// names it on stderr), "PROBE_<label>=200" on success, else "=error".
std::string HttpProbe(const std::string& url, const std::string& label) {
  return "s=$(timeout 5 wget -q -O /dev/null " + url +
         " 2>&1); case \"$s\" in \"\") r=200;; *\" 401 \"*) r=401;; *) "
         "r=error;; esac; echo PROBE_" +
         label + "=$r; ";
}

// A shell snippet that starts a blob upload (the first request of a push)
// to `repository` at the registry HOST:PORT without credentials and prints
// "PROBE_<label>=<HTTP status>".
std::string AnonymousPushProbe(const std::string& registry,
                               const std::string& repository,
                               const std::string& label) {
  const std::string host = registry.substr(0, registry.rfind(':'));
  const std::string port = registry.substr(registry.rfind(':') + 1);
  return "s=$(printf 'POST /v2/" + repository +
         "/blobs/uploads/ HTTP/1.0\\r\\nHost: r\\r\\n\\r\\n' | timeout 5 nc " +
         host + " " + port +
         " | head -1); case \"$s\" in *\" 202 \"*) r=202;; *\" 401 \"*) "
         "r=401;; *) r=other;; esac; echo PROBE_" +
         label + "=$r; ";
}

// A Build whose one RUN step is `run`.
std::string ProbeManifest(const std::string& name, const std::string& run) {
  return "apiVersion: kiln.dev/v1\nkind: Build\nmetadata:\n  name: " + name +
         "\n  namespace: default\nspec:\n  source:\n    inline:\n      files:\n"
         "        Dockerfile: |\n          FROM kiln/busybox:1\n"
         "          RUN " +
         run + "\n  resources:\n    cpus: 1\n    memoryMiB: 512\n";
}

class ProcessSandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"kubectl", "buildah"}) {
      if (RunCommand({"which", tool}).exit_code != 0) {
        GTEST_SKIP() << tool << " is not installed (hack/setup.sh)";
      }
    }
    dir_ = MakeTempDir("kilnd-sandbox-");
  }
  void TearDown() override {
    kilnd_.reset();
    RunCommand({"pkill", "-9", "-f", dir_});
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void Start(const std::string& registry) {
    registry_ = registry;
    kilnd_ =
        Kilnd::Start({"--driver", "process", "--embedded-registry", registry_,
                      "--capacity-cpus", "2", "--capacity-memory", "4Gi",
                      "--max-builds", "2", "--builder-scratch-mib", "160"},
                     dir_);
    ASSERT_FALSE(kilnd_->failed_to_start()) << kilnd_->process().Log();
  }

  void Apply(const std::string& manifest) {
    CommandResult r = kilnd_->Kubectl({"apply", "-f", "-"}, manifest);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  std::string dir_;
  std::string registry_;
  std::unique_ptr<Kilnd> kilnd_;
};

TEST_F(ProcessSandboxTest, RunStepReachesOnlyTheRegistry) {
  ConnectionCounter listener;
  ASSERT_GT(listener.port(), 0);
  Start("127.0.0.1:" + std::to_string(FreeLoopbackPort()));
  const std::string reg_port = PortOf(registry_);
  const std::string lport = std::to_string(listener.port());
  std::string run = Probe("127.0.0.1", PortOf(kilnd_->url()), "api") +
                    Probe("127.0.0.1", lport, "listener");
  const std::string host_ip = HostIpv4();
  if (!host_ip.empty()) run += Probe(host_ip, lport, "listener-host-ip");
  const std::string token_port = std::to_string(std::stoi(reg_port) + 1);
  // The registry and its token service answer, and ask for credentials:
  // an anonymous RUN step can neither pull nor push.
  run +=
      HttpProbe("http://127.0.0.1:" + reg_port + "/v2/", "registry") +
      HttpProbe("http://127.0.0.1:" + token_port + "/token", "token-service") +
      AnonymousPushProbe(registry_, "kiln/busybox", "push-base") +
      AnonymousPushProbe(registry_, "default/probe", "push-own") +
      "d=$(ls /dev | tr '\\n' ' '); echo PROBE_dev=$d; "
      // More than the 160 MiB scratch disk the build's storage is on.
      "if dd if=/dev/zero of=/fill bs=1M count=320 2>/dev/null; "
      "then r=fits; else r=full; fi; rm -f /fill; echo PROBE_disk=$r";
  Apply(ProbeManifest("probe", run));

  nlohmann::json b =
      kilnd_->WaitForPhase("probe", "Ready", std::chrono::seconds(240));
  const std::string log = kilnd_->BuildLog(b);
  EXPECT_THAT(log, HasSubstr("PROBE_api=closed")) << log;
  EXPECT_THAT(log, HasSubstr("PROBE_listener=closed")) << log;
  if (!host_ip.empty()) {
    EXPECT_THAT(log, HasSubstr("PROBE_listener-host-ip=closed")) << log;
  }
  EXPECT_THAT(log, HasSubstr("PROBE_registry=401")) << log;
  EXPECT_THAT(log, HasSubstr("PROBE_token-service=401")) << log;
  EXPECT_THAT(log, HasSubstr("PROBE_push-base=401")) << log;
  EXPECT_THAT(log, HasSubstr("PROBE_push-own=401")) << log;
  EXPECT_THAT(log, HasSubstr("PROBE_disk=full")) << log;
  EXPECT_EQ(listener.accepted(), 0);
  // The push went through the relay too.
  EXPECT_THAT(b.value("/status/image/digest"_json_pointer, ""),
              HasSubstr("sha256:"));
  // Only the minimal private /dev: no host disks, memory or consoles.
  // The output line, not the log's echo of the command ("PROBE_dev=$d").
  size_t at = log.find("PROBE_dev=");
  while (at != std::string::npos && log.compare(at + 10, 1, "$") == 0) {
    at = log.find("PROBE_dev=", at + 1);
  }
  ASSERT_NE(at, std::string::npos) << log;
  std::istringstream names(log.substr(at + 10, log.find('\n', at) - at - 10));
  const std::set<std::string> allowed = {"console", "core", "fd",      "full",
                                         "mqueue",  "null", "ptmx",    "pts",
                                         "random",  "shm",  "stderr",  "stdin",
                                         "stdout",  "tty",  "urandom", "zero"};
  for (std::string name; names >> name;) {
    EXPECT_TRUE(allowed.count(name) != 0) << "/dev/" << name;
  }
}

TEST_F(ProcessSandboxTest, RegistryOffLoopbackIsReachedTheSameWay) {
  const std::string host_ip = HostIpv4();
  if (host_ip.empty()) GTEST_SKIP() << "this host has no non-loopback IPv4";
  Start(host_ip + ":" + std::to_string(FreeLoopbackPort()));
  Apply(ProbeManifest("offloop",
                      HttpProbe("http://" + registry_ + "/v2/", "registry")));
  nlohmann::json b =
      kilnd_->WaitForPhase("offloop", "Ready", std::chrono::seconds(240));
  EXPECT_THAT(kilnd_->BuildLog(b), HasSubstr("PROBE_registry=401"));
  EXPECT_THAT(b.value("/status/image/ref"_json_pointer, ""),
              HasSubstr(registry_ + "/default/offloop"));
}

// The hostile case the user namespace is for: a RUN step that escapes
// buildah's chroot (a static helper doing the classic chroot/".." climb)
// reaches the agent's view of the host, and there it is an unprivileged
// user: kilnd's data dir is an empty cover, the host's root-owned files
// are read-only to it, and the host's root is not its root.
TEST_F(ProcessSandboxTest, RunStepThatEscapesTheChrootOwnsNothingOfTheHost) {
  Start("127.0.0.1:" + std::to_string(FreeLoopbackPort()));
  // A host directory only root may write to, outside the data dir.
  const std::string target = MakeTempDir("kiln-escape-target-");
  std::filesystem::permissions(target, std::filesystem::perms::owner_all |
                                           std::filesystem::perms::group_exec |
                                           std::filesystem::perms::others_exec);
  const std::string context = dir_ + "-context";
  std::filesystem::create_directories(context);
  std::filesystem::copy_file(kiln::testing::kChrootEscapePath,
                             context + "/escape");
  // Run by the host's /bin/sh once out of the chroot. Markers are only
  // printed with computed values, so the log's echo of the command never
  // matches.
  const std::string probe =
      "if [ -d " + dir_ +
      " ]; then r=yes; else r=no; fi; "
      "echo ESC_escaped=$r; "
      "echo ESC_uidmap=$(tr -s \" \" < /proc/self/uid_map); "
      "echo ESC_datadir=$(ls -A " +
      dir_ +
      " | tr \"\\n\" \" \"); "
      "if cat " +
      dir_ +
      "/kiln.db > /dev/null 2>&1; then r=read; "
      "else r=denied; fi; echo ESC_db=$r; "
      "if echo x > " +
      target +
      "/planted 2> /dev/null; then r=written; "
      "else r=denied; fi; echo ESC_write=$r";
  std::ofstream(context + "/Dockerfile")
      << "FROM kiln/busybox:1\nCOPY escape /escape\n"
      << "RUN /escape /bin/sh -c '" << probe << "'\n";
  std::ofstream(context + "/build.yaml")
      << "apiVersion: kiln.dev/v1\nkind: Build\nmetadata: {name: escape}\n"
         "spec:\n  source: {path: .}\n";
  CommandResult applied = RunCommand(
      {kiln::testing::kKilnctlPath, "apply", "-f", context + "/build.yaml"},
      {{"KUBECONFIG", kilnd_->kubeconfig()}, {"HOME", dir_}});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;

  nlohmann::json b =
      kilnd_->WaitForPhase("escape", "Ready", std::chrono::seconds(240));
  const std::string log = kilnd_->BuildLog(b);
  EXPECT_THAT(log, HasSubstr("ESC_escaped=yes")) << log;
  EXPECT_THAT(log, HasSubstr("ESC_uidmap= 0 1000000000 65536")) << log;
  // Only the mount points down to its own VM directory.
  EXPECT_THAT(log, HasSubstr("ESC_datadir=vms\n")) << log;
  EXPECT_THAT(log, HasSubstr("ESC_db=denied")) << log;
  EXPECT_THAT(log, HasSubstr("ESC_write=denied")) << log;
  EXPECT_FALSE(std::filesystem::exists(target + "/planted"));
  std::error_code ec;
  std::filesystem::remove_all(target, ec);
  std::filesystem::remove_all(context, ec);
}

// A data dir below a directory other users cannot enter is out of a
// namespaced builder's reach: =on refuses to start and says why, =auto runs
// builders as the host's root and warns.
TEST_F(ProcessSandboxTest, DataDirOutOfBuildersReachIsRefusedOrWarned) {
  std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
  const std::string data = dir_ + "/data";
  std::filesystem::create_directories(data);
  const std::vector<std::string> flags = {
      "--driver", "process", "--embedded-registry",
      "127.0.0.1:" + std::to_string(FreeLoopbackPort())};
  std::vector<std::string> on = flags;
  on.insert(on.end(), {"--builder-user-namespace", "on"});
  std::unique_ptr<Kilnd> refused = Kilnd::Start(on, data);
  EXPECT_TRUE(refused->failed_to_start());
  EXPECT_THAT(refused->process().Log(),
              HasSubstr(dir_ + " does not let other users through"));
  refused.reset();
  std::unique_ptr<Kilnd> warned = Kilnd::Start(flags, data);
  ASSERT_FALSE(warned->failed_to_start()) << warned->process().Log();
  EXPECT_THAT(warned->process().Log(),
              HasSubstr("builders run as the host's root"));
}
}  // namespace
}  // namespace kiln::testing

// Builds through kilnd with `--driver qemu`: a real QEMU microVM (TCG here)
// boots the guest image of hack/build-guest-image.sh and runs kiln-agent and
// buildah inside; the pushed image is checked with skopeo. Also a cancel
// mid-build, after which no QEMU of the test may remain. Needs root,
// qemu-system-x86_64 and skopeo; the guest image is built into
// kGuestImages when missing (cached there by content hash).
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <utility>

#include "tests/integration/kilnd_fixture.h"
#include "tests/testing/build_paths.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;

const char* kAgentPath = kKilnAgentPath;

std::string Manifest(const std::string& name, const std::string& run) {
  return "apiVersion: kiln.dev/v1\nkind: Build\nmetadata:\n  name: " + name +
         "\n  namespace: default\nspec:\n  source:\n    inline:\n      files:\n"
         "        Dockerfile: |\n          FROM kiln/busybox:1\n"
         "          RUN " +
         run +
         "\n  resources:\n    cpus: 2\n    memoryMiB: 1024\n"
         "  timeoutSeconds: 300\n";
}

// The guest image directory, built when missing ("" + `why` on failure).
std::string GuestImage(std::string* why) {
  CommandResult r =
      RunCommand({std::string(kSourceDir) + "/hack/build-guest-image.sh",
                  kGuestImages, "--agent", kAgentPath},
                 {}, "", std::chrono::seconds(600));
  std::string last;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) last = line;
  }
  if (r.exit_code != 0 || last.empty()) {
    *why = "hack/build-guest-image.sh failed (" + std::to_string(r.exit_code) +
           "):\n" + r.err;
    return "";
  }
  return last;
}

// A loopback TCP listener that answers every connection with HTTP 200 and
// counts them: a probe target the guest must not reach.
class CountingListener {
 public:
  CountingListener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 ||
        bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        ++accepted_;
        static constexpr char kReply[] =
            "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";
        (void)!write(c, kReply, sizeof(kReply) - 1);
        close(c);
      }
    });
  }
  ~CountingListener() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
  }
  int port() const { return port_; }  // 0 when the listener failed
  int accepted() const { return accepted_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

class QemuBuildsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "needs root (the guest image build uses debootstrap)";
    }
    for (const char* tool : {"qemu-system-x86_64", "skopeo", "kubectl"}) {
      if (RunCommand({"which", tool}).exit_code != 0) {
        GTEST_SKIP() << tool << " is not installed (hack/setup.sh)";
      }
    }
    std::string why;
    const auto start = std::chrono::steady_clock::now();
    image_ = GuestImage(&why);
    ASSERT_FALSE(image_.empty()) << why;
    std::cerr << "guest image " << image_ << " ready in "
              << std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::steady_clock::now() - start)
                     .count()
              << " s\n";
    registry_ = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
    dir_ = MakeTempDir("kilnd-qemu-");
    Start();
  }
  // (Re)starts kilnd on dir_ with the qemu driver.
  void Start() {
    kilnd_ = Kilnd::Start(
        {"--driver", "qemu", "--guest-image", image_, "--embedded-registry",
         registry_, "--capacity-cpus", "4", "--capacity-memory", "8Gi",
         "--max-builds", "2", "--vm-delete-grace-seconds", "10"},
        dir_);
    ASSERT_FALSE(kilnd_->failed_to_start()) << kilnd_->process().Log();
  }
  void TearDown() override {
    kilnd_.reset();
    if (!dir_.empty()) {
      RunCommand({"pkill", "-9", "-f", dir_});
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  std::string Ok(const std::vector<std::string>& args,
                 const std::string& input = "") {
    CommandResult r = kilnd_->Kubectl(args, input);
    EXPECT_EQ(r.exit_code, 0) << ::testing::PrintToString(args) << "\n"
                              << r.out << r.err;
    return r.out;
  }
  nlohmann::json WaitFor(const std::string& name, const std::string& phase,
                         int seconds) {
    return kilnd_->WaitForPhase(name, phase, std::chrono::seconds(seconds),
                                ConsoleLogs());
  }
  // The guests' consoles, for failure messages.
  std::string ConsoleLogs() {
    std::string text;
    std::error_code ec;
    for (auto it =
             std::filesystem::recursive_directory_iterator(dir_ + "/vms", ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); ++it) {
      const std::string file = it->path().filename().string();
      if (file == "console.log" || file == "ctl.log" || file == "qemu.log") {
        std::ifstream in(it->path());
        std::stringstream s;
        s << in.rdbuf();
        text += "\n--- " + it->path().string() + "\n" + s.str();
      }
    }
    return text;
  }
  std::string LogOf(const nlohmann::json& build) {
    return kilnd_->BuildLog(build);
  }
  // Pids of the QEMU processes started for this test's data dir.
  std::vector<pid_t> QemuPids() {
    CommandResult r =
        RunCommand({"pgrep", "-f", "qemu-system-x86_64 .*" + dir_ + "/vms/"});
    std::vector<pid_t> pids;
    std::istringstream in(r.out);
    for (pid_t pid; in >> pid;) pids.push_back(pid);
    return pids;
  }
  int QemuProcesses() { return static_cast<int>(QemuPids().size()); }
  // Applies Build `name` with `run` as its RUN step and waits until that
  // step runs in the build's one VM. The Build and its QEMU pid; pid 0
  // after a test failure.
  std::pair<nlohmann::json, pid_t> ApplyAndWaitForRunStep(
      const std::string& name, const std::string& run) {
    Ok({"apply", "-f", "-"}, Manifest(name, run));
    nlohmann::json build = WaitFor(name, "Building", 60);
    if (!Eventually(120, [&] {
          return LogOf(build).find("STEP 2/2") != std::string::npos;
        })) {
      ADD_FAILURE() << name << " never ran its RUN step:\n"
                    << LogOf(build) << ConsoleLogs();
      return {build, 0};
    }
    const std::vector<pid_t> pids = QemuPids();
    if (pids.size() != 1) {
      ADD_FAILURE() << pids.size() << " QEMU processes, expected 1";
      return {build, 0};
    }
    return {build, pids[0]};
  }
  bool Eventually(int seconds, const std::function<bool()>& done) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return done();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return true;
  }
  size_t VmDirs() { return kilnd_->VmDirs(); }

  std::string image_;
  std::string registry_;
  std::string dir_;
  std::unique_ptr<Kilnd> kilnd_;
};

TEST_F(QemuBuildsTest, BuildsInAMicroVmToReadyAndPushesTheImage) {
  const auto start = std::chrono::steady_clock::now();
  Ok({"apply", "-f", "-"}, Manifest("hello", "echo hi"));
  nlohmann::json b = WaitFor("hello", "Ready", 150);
  std::cerr << "Build hello Ready in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                       .count() /
                   1000.0
            << " s under qemu\n";
  EXPECT_EQ(b["status"]["vm"]["driver"], "qemu");
  const std::string ref = b.value("/status/image/ref"_json_pointer, "");
  const std::string digest = b.value("/status/image/digest"_json_pointer, "");
  EXPECT_THAT(ref, HasSubstr(registry_ + "/default/hello:"));
  ASSERT_THAT(digest, HasSubstr("sha256:"));
  CommandResult inspect =
      RunCommand({"skopeo", "inspect", "--tls-verify=false", "--creds",
                  kilnd_->RegistryLogin(), "docker://" + ref});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(nlohmann::json::parse(inspect.out)["Digest"], digest);
  EXPECT_THAT(LogOf(b), HasSubstr("STEP 2/2: RUN echo hi"));
  // The Node reports the driver and accelerator.
  CommandResult nodes =
      kilnd_->Kubectl({"get", "nodes.kiln.dev", "-o", "json"});
  ASSERT_EQ(nodes.exit_code, 0) << nodes.err;
  const nlohmann::json node = nlohmann::json::parse(nodes.out)["items"][0];
  EXPECT_EQ(node["status"]["driver"], "qemu");
  EXPECT_EQ(node["status"]["accelerator"], "tcg");
  EXPECT_TRUE(Eventually(30, [&] { return VmDirs() == 0; })) << "VMs leaked";
  EXPECT_EQ(QemuProcesses(), 0);
}

TEST_F(QemuBuildsTest, CancelStopsTheVm) {
  // Cancel inside the RUN step, so the guest's graceful path is taken
  // (kiln.cmd "cancel" -> SIGTERM to kiln-agent -> power off).
  auto [running, pid] = ApplyAndWaitForRunStep("slow", "sleep 120");
  ASSERT_NE(pid, 0);
  const auto start = std::chrono::steady_clock::now();
  Ok({"patch", "build", "slow", "--type=merge", "-p",
      R"({"spec":{"cancel":true}})"});
  nlohmann::json b = WaitFor("slow", "Cancelled", 30);
  EXPECT_EQ(b["status"]["reason"], "Cancelled");
  EXPECT_TRUE(Eventually(30, [&] { return QemuProcesses() == 0; }))
      << "QEMU still running";
  EXPECT_TRUE(Eventually(30, [&] { return VmDirs() == 0; })) << "VMs leaked";
  std::cerr << "cancel -> no QEMU and no VM dir in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                       .count() /
                   1000.0
            << " s\n";
}

// The guest reaches the registry (through the one guestfwd) and nothing
// else: not a port on the host's loopback (10.0.2.2 is the host under QEMU
// user networking), not QEMU's DNS address, not another port of the
// forwarded address. A listener on the host counts connections.
TEST_F(QemuBuildsTest, GuestReachesOnlyTheRegistry) {
  CountingListener host;
  ASSERT_NE(host.port(), 0);
  const std::string p = std::to_string(host.port());
  // busybox nc, not wget: the static busybox's wget segfaults in an image
  // without NSS files.
  const std::string run =
      "for a in " + registry_ + " 10.0.2.100:5000 10.0.2.2:" + p +
      " 10.0.2.3:" + p + " 10.0.2.100:" + p +
      "; do if nc -w 4 ${a%:*} ${a#*:} </dev/null; then echo REACHED $a; "
      "else echo BLOCKED $a; fi; done";
  Ok({"apply", "-f", "-"}, Manifest("probe", run));
  nlohmann::json b = WaitFor("probe", "Ready", 180);
  const std::string log = LogOf(b);
  EXPECT_THAT(log, HasSubstr("REACHED " + registry_ + "\n")) << log;
  EXPECT_THAT(log, HasSubstr("REACHED 10.0.2.100:5000\n"));
  for (const std::string& blocked :
       {"10.0.2.2:" + p, "10.0.2.3:" + p, "10.0.2.100:" + p}) {
    EXPECT_THAT(log, HasSubstr("BLOCKED " + blocked + "\n"));
  }
  EXPECT_EQ(host.accepted(), 0) << "the guest connected to the host port";
  // The listener is reachable at all (the probe could have failed for
  // another reason): the host itself gets through.
  CommandResult self =
      RunCommand({"curl", "-sS", "-m", "5", "http://127.0.0.1:" + p + "/"});
  EXPECT_EQ(self.out, "ok") << self.err;
  EXPECT_EQ(host.accepted(), 1);
}

// kill -9 of kilnd while a VM builds: the VM goes on (QEMU is detached),
// the next kilnd re-attaches and the build reaches Ready, run once.
TEST_F(QemuBuildsTest, KilndKill9WhileTheVmBuildsThenReady) {
  auto [running, pid] =
      ApplyAndWaitForRunStep("survivor", "sleep 10; echo done");
  ASSERT_NE(pid, 0);
  const std::vector<pid_t> before = {pid};
  kilnd_->Stop(/*kill9=*/true);
  EXPECT_EQ(QemuPids(), before) << "the VM died with kilnd";
  Start();
  nlohmann::json b = WaitFor("survivor", "Ready", 150);
  const std::string ref = b.value("/status/image/ref"_json_pointer, "");
  CommandResult inspect =
      RunCommand({"skopeo", "inspect", "--tls-verify=false", "--creds",
                  kilnd_->RegistryLogin(), "docker://" + ref});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(nlohmann::json::parse(inspect.out)["Digest"],
            b.value("/status/image/digest"_json_pointer, ""));
  const std::string log = LogOf(b);
  size_t steps = 0;
  for (size_t at = log.find("STEP 1/2"); at != std::string::npos;
       at = log.find("STEP 1/2", at + 1)) {
    ++steps;
  }
  EXPECT_EQ(steps, 1u) << "the build ran again:\n" << log;
  EXPECT_TRUE(Eventually(30, [&] { return VmDirs() == 0; })) << "VMs leaked";
  EXPECT_EQ(QemuProcesses(), 0);
}

// QEMU killed from outside mid-build: the build fails with VMLost and the
// VM's state is cleaned up.
TEST_F(QemuBuildsTest, VmKilledFromOutsideIsVmLost) {
  auto [running, pid] = ApplyAndWaitForRunStep("victim", "sleep 120");
  ASSERT_NE(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  nlohmann::json b = WaitFor("victim", "Failed", 60);
  EXPECT_EQ(b.value("/status/reason"_json_pointer, ""), "VMLost") << b.dump(2);
  EXPECT_TRUE(Eventually(30, [&] { return VmDirs() == 0; })) << "VMs leaked";
}

}  // namespace
}  // namespace kiln::testing

// End-to-end tests of the kiln-agent binary: real buildah, a real
// docker-registry on a loopback port, skopeo to check what was pushed.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "cmd/kiln-agent/containers_config.h"
#include "cmd/kiln-agent/mount_cleanup.h"
#include "cmd/kiln-agent/subprocess.h"
#include "controller/sources/sha256.h"
#include "controller/vm/agent_contract.h"
#include "tests/cmd/kiln-agent/agent_test_util.h"
#include "tests/testing/build_paths.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool Listening(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok =
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

std::string Tools() {
  for (const char* tool : {"/usr/bin/buildah", "/usr/bin/docker-registry",
                           "/usr/bin/skopeo", "/bin/busybox"}) {
    if (!fs::exists(tool)) return std::string(tool) + " is not installed";
  }
  if (geteuid() != 0) return "buildah needs root here (rootless is not set up)";
  return "";
}

// The kiln-agent binary running on a work dir; its stderr is collected.
class AgentProcess {
 public:
  explicit AgentProcess(const std::string& work_dir) {
    auto child = Subprocess::Start(
        {kiln::testing::kKilnAgentPath, "--work-dir", work_dir});
    EXPECT_THAT(child, IsOk());
    if (!child.ok()) return;
    child_ = *std::move(child);
    pump_ = std::thread([this] {
      child_->PumpLines([this](const std::string& line) {
        std::lock_guard<std::mutex> lock(mu_);
        stderr_ += line + "\n";
      });
    });
  }
  ~AgentProcess() { Wait(); }

  pid_t pid() const { return child_ ? child_->pid() : -1; }
  int Wait() {
    if (!child_) return -1;
    if (pump_.joinable()) pump_.join();
    return child_->Wait();
  }
  std::string Stderr() {
    std::lock_guard<std::mutex> lock(mu_);
    return stderr_;
  }

 private:
  std::unique_ptr<Subprocess> child_;
  std::thread pump_;
  std::mutex mu_;
  std::string stderr_;
};

struct AgentRun {
  int exit_code = -1;
  AgentResult result;
  std::string log;
  std::string agent_stderr;
  double seconds = 0;
};

class AgentEndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    skip_reason_ = Tools();
    if (!skip_reason_.empty()) return;
    suite_dir_ = new testing::TempDir;
    port_ = FreeLoopbackPort();
    registry_ = "127.0.0.1:" + std::to_string(port_);
    // A minimal config: filesystem storage, plain HTTP, no auth (the
    // packaged /etc/docker/registry/config.yml turns on htpasswd).
    testing::WriteTestFile(
        suite_dir_->Sub("registry.yml"),
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
        "    rootdirectory: " +
            suite_dir_->Sub("registry-data") + "\nhttp:\n  addr: " + registry_ +
            "\n");
    auto child =
        Subprocess::Start({"sh", "-c",
                           "exec /usr/bin/docker-registry serve " +
                               suite_dir_->Sub("registry.yml") + " >" +
                               suite_dir_->Sub("registry.log") + " 2>&1"});
    if (!child.ok()) {
      skip_reason_ =
          "cannot start docker-registry: " + child.status().ToString();
      return;
    }
    registry_process_ = child->release();
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (!Listening(port_) && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!Listening(port_)) {
      skip_reason_ = "docker-registry did not listen on " + registry_ + ": " +
                     testing::ReadTestFile(suite_dir_->Sub("registry.log"));
    }
  }

  static void TearDownTestSuite() {
    delete registry_process_;  // SIGKILLs its process group
    registry_process_ = nullptr;
    delete suite_dir_;
    suite_dir_ = nullptr;
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
  }

  void TearDown() override {
    // Whatever a failed test left: containers, then mounts, then files.
    if (!dir_.path().empty()) {
      (void)RunCommand(
          BuildahArgs(dir_.Sub("storage"), dir_.Sub("run"), {"rm", "--all"}));
      UnmountBelow({dir_.path()});
    }
  }

  static std::vector<std::string> BuildahArgs(const std::string& root,
                                              const std::string& run_root,
                                              std::vector<std::string> args) {
    std::vector<std::string> argv = {
        "buildah",
        "--root",
        root,
        "--runroot",
        run_root,
        "--storage-driver",
        ChooseStorageDriver(root, testing::ReadTestFile("/proc/filesystems"))};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  AgentJob InlineJob(std::map<std::string, std::string> files,
                     const std::string& image) const {
    AgentJob job;
    job.build_key = "default/hello";
    job.build_uid = "0b6f0a4e-6d1c-4a55-9d2d-1f0e8a3f1c11";
    job.inline_files = std::move(files);
    job.image = image;
    job.registry = registry_;
    job.log_path = dir_.Sub("logs/build.log");
    job.storage_root = dir_.Sub("storage");
    job.run_root = dir_.Sub("run");
    return job;
  }

  void WriteJob(const AgentJob& job) const {
    ASSERT_OK(
        WriteJsonFileAtomically(dir_.Sub(kAgentJobFile), AgentJobToJson(job)));
  }

  AgentRun ReadOutcome(int exit_code, AgentProcess& agent,
                       Clock::time_point start) const {
    AgentRun run;
    run.exit_code = exit_code;
    run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    run.log = testing::ReadTestFile(dir_.Sub("logs/build.log"));
    run.agent_stderr = agent.Stderr();
    auto json = ReadJsonFile(dir_.Sub(kAgentResultFile));
    EXPECT_THAT(json, IsOk()) << run.agent_stderr;
    if (json.ok()) {
      auto result = AgentResultFromJson(*json);
      EXPECT_THAT(result, IsOk());
      if (result.ok()) run.result = *result;
    }
    return run;
  }

  AgentRun Run(const AgentJob& job) const {
    WriteJob(job);
    const auto start = Clock::now();
    AgentProcess agent(dir_.path());
    const int exit_code = agent.Wait();
    return ReadOutcome(exit_code, agent, start);
  }

  // The manifest digest the registry serves for `image`.
  static std::string RegistryDigest(const std::string& image) {
    auto out = RunCommand(
        {"skopeo", "inspect", "--tls-verify=false", "docker://" + image});
    if (!out.ok() || out->exit_code != 0) return "";
    const auto json = nlohmann::json::parse(
        out->output.substr(out->output.find('{')), nullptr, false);
    return json.is_object() ? json.value("Digest", "") : "";
  }

  // Pushes REGISTRY/kiln/busybox:1 once per suite: busybox-static with sh,
  // sleep, echo and true links, built FROM scratch.
  static std::string BusyboxImage() {
    const std::string image = registry_ + "/kiln/busybox:1";
    if (busybox_pushed_) return image;
    const std::string ctx = suite_dir_->Sub("busybox-ctx");
    fs::create_directories(ctx + "/rootfs/bin");
    fs::copy_file("/bin/busybox", ctx + "/rootfs/bin/busybox",
                  fs::copy_options::overwrite_existing);
    for (const char* applet : {"sh", "sleep", "echo", "true", "false"}) {
      fs::create_symlink("busybox", ctx + "/rootfs/bin/" + applet);
    }
    testing::WriteTestFile(ctx + "/Dockerfile",
                           "FROM scratch\nCOPY rootfs/ /\n");
    const std::string root = suite_dir_->Sub("base-storage");
    const std::string run_root = suite_dir_->Sub("base-run");
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"build", "--isolation", "chroot", "-t", image, ctx},
             {"push", "--tls-verify=false", image, "docker://" + image},
             {"rm", "--all"}}) {
      auto out = RunCommand(BuildahArgs(root, run_root, args));
      EXPECT_TRUE(out.ok() && out->exit_code == 0)
          << (out.ok() ? out->output : out.status().ToString());
    }
    busybox_pushed_ = true;
    return image;
  }

  testing::TempDir dir_;

  static inline std::string skip_reason_;
  static inline testing::TempDir* suite_dir_ = nullptr;
  static inline Subprocess* registry_process_ = nullptr;
  static inline int port_ = 0;
  static inline std::string registry_;
  static inline bool busybox_pushed_ = false;
};

TEST_F(AgentEndToEndTest, FromScratchBuildsAndPushes) {
  const std::string image = registry_ + "/default/hello:abcd1234";
  const std::string dockerfile = "FROM scratch\nCOPY hello.txt /\n";
  const AgentRun run = Run(
      InlineJob({{"Dockerfile", dockerfile}, {"hello.txt", "hello\n"}}, image));
  std::cout << "FROM scratch build+push took " << run.seconds << " s\n";

  ASSERT_EQ(run.exit_code, 0) << run.agent_stderr << run.log;
  EXPECT_TRUE(run.result.succeeded);
  EXPECT_EQ(run.result.image_ref, image);
  EXPECT_THAT(run.result.image_digest, StartsWith("sha256:"));
  EXPECT_EQ(run.result.image_digest, RegistryDigest(image));
  EXPECT_EQ(run.result.dockerfile_digest, *Sha256Digest(dockerfile));
  EXPECT_THAT(run.result.source_digest, StartsWith("sha256:"));
  EXPECT_EQ(run.result.base_image_digest, "");  // FROM scratch has no base
  EXPECT_THAT(run.result.builder, StartsWith("kiln-agent "));
  EXPECT_THAT(run.result.builder, HasSubstr(" / buildah 1."));

  EXPECT_THAT(run.log, HasSubstr("\nSTEP 1/2: FROM scratch\n"));
  EXPECT_THAT(run.log, HasSubstr("\nSTEP 2/2: COPY hello.txt /\n"));
  EXPECT_THAT(run.log, HasSubstr("kiln-agent: pushing " + image + "\n"));
  ASSERT_OK_AND_ASSIGN(nlohmann::json progress,
                       ReadJsonFile(dir_.Sub(kAgentProgressFile)));
  EXPECT_EQ(progress.value("phase", ""), "Pushing");
}

TEST_F(AgentEndToEndTest, FailingRunStepIsBuildError) {
  const AgentRun run =
      Run(InlineJob({{"Dockerfile", "FROM scratch\nRUN false\n"}},
                    registry_ + "/default/fails:1"));
  EXPECT_EQ(run.exit_code, 1) << run.agent_stderr;
  EXPECT_FALSE(run.result.succeeded);
  EXPECT_EQ(run.result.reason, "BuildError") << run.result.message;
  EXPECT_EQ(run.result.step, "STEP 2/2: RUN false");
  EXPECT_FALSE(run.result.message.empty());
  EXPECT_EQ(run.result.message.find('\n'), std::string::npos);
  EXPECT_THAT(run.log, HasSubstr("STEP 2/2: RUN false"));
}

TEST_F(AgentEndToEndTest, RegistryDownIsPushError) {
  const std::string dead = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
  AgentJob job =
      InlineJob({{"Dockerfile", "FROM scratch\nCOPY a /\n"}, {"a", "a"}},
                dead + "/default/nowhere:1");
  job.registry = dead;
  const AgentRun run = Run(job);
  std::cout << "push to a dead registry failed after " << run.seconds << " s\n";
  EXPECT_EQ(run.exit_code, 1) << run.agent_stderr;
  EXPECT_EQ(run.result.reason, "PushError") << run.result.message;
  EXPECT_THAT(run.result.message, HasSubstr(dead));
  EXPECT_EQ(run.result.message.find('\n'), std::string::npos);
}

TEST_F(AgentEndToEndTest, UnsafeInlinePathIsSourceError) {
  const AgentRun run =
      Run(InlineJob({{"Dockerfile", "FROM scratch\n"}, {"../escape", "x"}},
                    registry_ + "/default/unsafe:1"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.result.reason, "SourceError");
  EXPECT_THAT(run.result.message, HasSubstr("../escape"));
  EXPECT_FALSE(fs::exists(dir_.Sub("escape")));
}

TEST_F(AgentEndToEndTest, InvalidJobIsAgentError) {
  testing::WriteTestFile(dir_.Sub(kAgentJobFile), "{\"image\": 5}");
  AgentProcess agent(dir_.path());
  EXPECT_EQ(agent.Wait(), 1);
  ASSERT_OK_AND_ASSIGN(nlohmann::json json,
                       ReadJsonFile(dir_.Sub(kAgentResultFile)));
  ASSERT_OK_AND_ASSIGN(AgentResult result, AgentResultFromJson(json));
  EXPECT_EQ(result.reason, "AgentError");
  EXPECT_THAT(result.message, HasSubstr("image"));
}

TEST_F(AgentEndToEndTest, ShortNameResolvesToJobRegistryAndBaseIsRecorded) {
  const std::string base = BusyboxImage();
  const AgentRun run = Run(InlineJob(
      {{"Dockerfile", "FROM kiln/busybox:1\nRUN echo built > /built\n"}},
      registry_ + "/default/onbusybox:1"));
  ASSERT_EQ(run.exit_code, 0) << run.agent_stderr << run.log;
  EXPECT_THAT(run.log, HasSubstr("Trying to pull " + base));
  EXPECT_EQ(run.result.base_image_digest, RegistryDigest(base));
  EXPECT_EQ(run.result.image_digest,
            RegistryDigest(registry_ + "/default/onbusybox:1"));
}

TEST_F(AgentEndToEndTest, SigtermCancelsAndLeavesNothingBehind) {
  BusyboxImage();
  WriteJob(InlineJob({{"Dockerfile", "FROM kiln/busybox:1\nRUN sleep 60\n"}},
                     registry_ + "/default/slow:1"));
  const auto start = Clock::now();
  AgentProcess agent(dir_.path());
  const std::string log_path = dir_.Sub("logs/build.log");
  const auto deadline = Clock::now() + std::chrono::seconds(90);
  while (testing::ReadTestFile(log_path).find("STEP 2/2: RUN sleep 60") ==
             std::string::npos &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_THAT(testing::ReadTestFile(log_path), HasSubstr("RUN sleep 60"));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // sleep is running
  const auto signalled = Clock::now();
  ASSERT_EQ(kill(agent.pid(), SIGTERM), 0);
  const AgentRun run = ReadOutcome(agent.Wait(), agent, start);
  std::cout << "agent exited "
            << std::chrono::duration<double>(Clock::now() - signalled).count()
            << " s after SIGTERM\n";

  EXPECT_EQ(run.exit_code, 143) << run.agent_stderr;
  EXPECT_EQ(run.result.reason, "Cancelled");
  EXPECT_THAT(run.result.message, HasSubstr("SIGTERM"));
  EXPECT_EQ(run.result.step, "STEP 2/2: RUN sleep 60");
  auto containers = RunCommand(
      BuildahArgs(dir_.Sub("storage"), dir_.Sub("run"), {"containers", "-q"}));
  ASSERT_THAT(containers, IsOk());
  EXPECT_EQ(containers->exit_code, 0) << containers->output;
  EXPECT_EQ(containers->output, "");
  const std::string mountinfo = testing::ReadTestFile("/proc/self/mountinfo");
  EXPECT_THAT(MountPointsBelow(mountinfo, {dir_.path()}), ::testing::IsEmpty())
      << mountinfo;
  // No process (the RUN step's sleep included) is left with its root or
  // working directory in the work dir.
  for (const auto& proc : fs::directory_iterator("/proc")) {
    std::error_code ec;
    for (const char* link : {"root", "cwd"}) {
      const std::string target = fs::read_symlink(proc.path() / link, ec);
      if (!ec) {
        EXPECT_THAT(target, ::testing::Not(StartsWith(dir_.path())))
            << proc.path();
      }
    }
  }
}

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

TEST_F(AgentEndToEndTest, ArchiveSourceBuilds) {
  testing::WriteTestFile(
      dir_.Sub("src.tar"),
      testing::MakeTar(
          {{"./", '5', "", ""},
           {"./Dockerfile", '0', "FROM scratch\nCOPY app/ /app/\n", ""},
           {"./app/", '5', "", ""},
           {"./app/run.sh", '0', "echo hi\n", ""},
           {"./app/link", '2', "", "run.sh"}}));
  AgentJob job = InlineJob({}, registry_ + "/default/fromtar:1");
  job.archive_path = dir_.Sub("src.tar");
  const AgentRun run = Run(job);
  ASSERT_EQ(run.exit_code, 0) << run.agent_stderr << run.log;
  EXPECT_EQ(run.result.image_digest,
            RegistryDigest(registry_ + "/default/fromtar:1"));
  EXPECT_THAT(run.result.source_digest, StartsWith("sha256:"));
}

TEST_F(AgentEndToEndTest, EscapingSymlinkInArchiveIsSourceError) {
  testing::WriteTestFile(
      dir_.Sub("src.tar"),
      testing::MakeTar({{"Dockerfile", '0', "FROM scratch\n", ""},
                        {"etc", '2', "", "../../../etc"}}));
  AgentJob job = InlineJob({}, registry_ + "/default/evil:1");
  job.archive_path = dir_.Sub("src.tar");
  const AgentRun run = Run(job);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.result.reason, "SourceError");
  EXPECT_THAT(run.result.message, HasSubstr("\"etc\""));
}

}  // namespace
}  // namespace kiln

// ProcessDriver against real processes: fake_agent (kFakeAgentPath) runs as
// the agent, detached, in its own namespaces and cgroup. Every wait polls
// for a condition with a generous deadline; nothing depends on timing.
#include "controller/vm/process_driver.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "controller/vm/shim_records.h"
#include "controller/vm/vm_record.h"
#include "tests/testing/build_paths.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr auto kDeadline = std::chrono::seconds(60);
// The driver's default builder ids.
constexpr IdRange kBuilderIds{1000000000, 65536};

// Polls `done` every 10 ms until it holds or `kDeadline` passes.
bool Eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class ProcessDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kiln-vm-test-XXXXXX";
    root_ = mkdtemp(tmpl);
    // Builders in a user namespace are "other" users: they must get
    // through the directories above the data dir (here state_dir).
    fs::permissions(root_, fs::perms::owner_all | fs::perms::group_exec |
                               fs::perms::others_exec);
    state_dir_ = root_ + "/vms";
    logs_dir_ = root_ + "/logs";
    fs::create_directories(logs_dir_);
    ASSERT_OK_AND_ASSIGN(driver_, NewDriver());
  }

  void TearDown() override {
    // Leave no processes or cgroups behind, whatever the test did.
    if (auto vms = driver_->List(); vms.ok()) {
      for (const VmInfo& vm : *vms) {
        EXPECT_OK(driver_->Delete(vm.name, std::chrono::milliseconds(0)));
      }
    }
    fs::remove_all(root_);
  }

  StatusOr<std::unique_ptr<ProcessDriver>> NewDriver(
      const std::string& agent = kiln::testing::kFakeAgentPath,
      int64_t scratch_mib = 64, int registry_token_port = 0,
      std::optional<IdRange> user_namespace = kBuilderIds) {
    ProcessDriver::Options options;
    options.user_namespace = user_namespace;
    options.state_dir = state_dir_;
    options.agent_path = agent;
    options.scratch_mib = scratch_mib;
    options.registry_token_port = registry_token_port;
    return ProcessDriver::New(options, clock_);
  }

  // A VM name unique to this test process.
  std::string Name(const std::string& suffix) {
    return "t" + std::to_string(getpid()) + "-" + suffix;
  }

  VmSpec Spec(const std::string& name,
              std::map<std::string, std::string> args) {
    VmSpec spec;
    spec.owner_key = "default/" + name;
    spec.owner_uid = "uid-" + name;
    spec.cpus = 1;
    spec.memory_mib = 256;
    spec.job.build_key = spec.owner_key;
    spec.job.build_uid = spec.owner_uid;
    spec.job.inline_files = {{"Dockerfile", "FROM scratch\n"}};
    spec.job.image = "127.0.0.1:5000/default/" + name + ":latest";
    spec.job.log_path = LogPath(name);
    spec.job.build_args = std::move(args);
    return spec;
  }

  // Args that keep the agent running until Release(name).
  std::map<std::string, std::string> UntilReleased(const std::string& name) {
    return {{"FAKE_WAIT_FOR", root_ + "/release-" + name}};
  }
  void Release(const std::string& name) {
    std::ofstream(root_ + "/release-" + name) << "go";
  }

  std::string LogPath(const std::string& name) {
    return logs_dir_ + "/" + name + ".log";
  }

  ShimPidRecord Pids(const std::string& name) {
    auto j = ReadJsonFile(driver_->WorkDir(name) + "/" + kShimPidFile);
    EXPECT_OK(j.status());
    if (!j.ok()) return {};
    auto r = ShimPidRecordFromJson(*j);
    EXPECT_OK(r.status());
    return r.ok() ? *r : ShimPidRecord{};
  }

  // Starts VM `name` (held until Release) whose fake agent, pushing to
  // `registry`, connects to each of `addresses` and reports; returns the
  // report's "connect" object (address -> reply or error).
  nlohmann::json ConnectReport(const std::string& name,
                               const std::string& registry,
                               const std::vector<std::string>& addresses) {
    auto args = UntilReleased(name);
    args["FAKE_REPORT"] = "1";
    std::string connect;
    for (const std::string& address : addresses) {
      connect += (connect.empty() ? "" : ",") + address;
    }
    args["FAKE_CONNECT"] = connect;
    VmSpec spec = Spec(name, args);
    spec.job.registry = registry;
    EXPECT_OK(driver_->Create(name, spec));
    const std::string report_path = driver_->AgentDir(name) + "/report.json";
    EXPECT_TRUE(Eventually([&] { return fs::exists(report_path); }));
    StatusOr<nlohmann::json> report = ReadJsonFile(report_path);
    EXPECT_OK(report.status());
    return report.ok() ? (*report)["connect"] : nlohmann::json();
  }

  // Starts VM `name` (held until Release) whose fake agent tries to open
  // each of `paths` for reading and appending; returns its report.
  nlohmann::json ProbeReport(ProcessDriver& driver, const std::string& name,
                             const std::vector<std::string>& paths) {
    auto args = UntilReleased(name);
    args["FAKE_REPORT"] = "1";
    for (const std::string& path : paths) {
      args["FAKE_PROBE"] += (args["FAKE_PROBE"].empty() ? "" : ",") + path;
    }
    EXPECT_OK(driver.Create(name, Spec(name, args)));
    const std::string report_path = driver.AgentDir(name) + "/report.json";
    EXPECT_TRUE(Eventually([&] { return fs::exists(report_path); }));
    StatusOr<nlohmann::json> report = ReadJsonFile(report_path);
    EXPECT_OK(report.status());
    return report.ok() ? *report : nlohmann::json();
  }

  // Writes `text` to `path` with `mode`, owned by this process (root).
  static void WriteHostFile(const std::string& path, const std::string& text,
                            fs::perms mode) {
    std::ofstream(path) << text;
    fs::permissions(path, mode);
  }

  VmRecord Record(const std::string& name) {
    auto j = ReadJsonFile(driver_->WorkDir(name) + "/vm.json");
    EXPECT_OK(j.status());
    if (!j.ok()) return {};
    auto r = VmRecordFromJson(*j);
    EXPECT_OK(r.status());
    return r.ok() ? *r : VmRecord{};
  }

  // Waits until Inspect reports kExited and returns that VmInfo.
  VmInfo WaitExited(ProcessDriver& driver, const std::string& name) {
    VmInfo info;
    EXPECT_TRUE(Eventually([&] {
      auto i = driver.Inspect(name);
      if (i.ok()) info = *i;
      return i.ok() && i->state == VmState::kExited;
    })) << name
        << " did not exit";
    return info;
  }

  RealClock clock_;
  std::string root_, state_dir_, logs_dir_;
  std::unique_ptr<ProcessDriver> driver_;
};

TEST_F(ProcessDriverTest, RunsAgentUntilItExitsWithResult) {
  const std::string name = Name("ok");
  ASSERT_OK(driver_->Create(name, Spec(name, UntilReleased(name))));
  ASSERT_OK_AND_ASSIGN(VmInfo running, driver_->Inspect(name));
  EXPECT_EQ(running.state, VmState::kRunning);
  EXPECT_EQ(running.owner_key, "default/" + name);
  EXPECT_EQ(running.owner_uid, "uid-" + name);
  EXPECT_FALSE(running.result.has_value());
  ASSERT_TRUE(Eventually([&] {
    auto i = driver_->Inspect(name);
    return i.ok() && i->progress.has_value();
  }));

  Release(name);
  const VmInfo exited = WaitExited(*driver_, name);
  ASSERT_TRUE(exited.result.has_value());
  EXPECT_TRUE(exited.result->succeeded);
  EXPECT_EQ(exited.result->image_ref,
            "127.0.0.1:5000/default/" + name + ":latest");
  EXPECT_EQ(exited.progress, (AgentProgress{"Building", "STEP 1/1: FAKE"}));
  EXPECT_THAT(exited.exit_reason, IsEmpty());
  EXPECT_FALSE(exited.oom_killed);
  EXPECT_THAT(ReadFile(LogPath(name)), HasSubstr("done"));

  const std::string dir = driver_->WorkDir(name);
  ASSERT_OK_AND_ASSIGN(nlohmann::json job, ReadJsonFile(dir + "/job.json"));
  EXPECT_THAT(AgentJobFromJson(job),
              IsOkAndHolds(Spec(name, UntilReleased(name)).job));
  // The agent's own copy names its log inside its directory.
  ASSERT_OK_AND_ASSIGN(nlohmann::json agent_job,
                       ReadJsonFile(driver_->AgentDir(name) + "/job.json"));
  AgentJob want = Spec(name, UntilReleased(name)).job;
  want.log_path = driver_->AgentDir(name) + "/build.log";
  EXPECT_THAT(AgentJobFromJson(agent_job), IsOkAndHolds(want));
  const VmRecord record = Record(name);
  EXPECT_EQ(record.driver, "process");
  EXPECT_EQ(record.owner_key, "default/" + name);
  EXPECT_EQ(record.cpus, 1);
  EXPECT_EQ(record.memory_mib, 256);
  EXPECT_FALSE(record.created.empty());
}

TEST_F(ProcessDriverTest, FailedBuildResultIsReported) {
  const std::string name = Name("fail");
  ASSERT_OK(driver_->Create(name, Spec(name, {{"FAKE_RESULT", "fail"}})));
  const VmInfo info = WaitExited(*driver_, name);
  ASSERT_TRUE(info.result.has_value());
  EXPECT_FALSE(info.result->succeeded);
  EXPECT_EQ(info.result->reason, "BuildError");
  EXPECT_THAT(info.exit_reason, IsEmpty());
}

TEST_F(ProcessDriverTest, ExitWithoutResultReportsCode) {
  const std::string name = Name("code");
  ASSERT_OK(driver_->Create(
      name, Spec(name, {{"FAKE_RESULT", "none"}, {"FAKE_EXIT_CODE", "3"}})));
  const VmInfo info = WaitExited(*driver_, name);
  EXPECT_FALSE(info.result.has_value());
  EXPECT_EQ(info.exit_reason, "exited with code 3 without a result");
  EXPECT_FALSE(info.oom_killed);
}

TEST_F(ProcessDriverTest, CreateTwiceChangesNothing) {
  const std::string name = Name("twice");
  ASSERT_OK(driver_->Create(name, Spec(name, UntilReleased(name))));
  const std::string dir = driver_->WorkDir(name);
  const std::string pids = ReadFile(dir + "/pid.json");
  const std::string vm = ReadFile(dir + "/vm.json");
  const std::string job = ReadFile(dir + "/job.json");

  VmSpec other = Spec(name, {{"FAKE_RESULT", "fail"}});
  other.owner_key = "default/someone-else";
  ASSERT_OK(driver_->Create(name, other));
  EXPECT_EQ(ReadFile(dir + "/pid.json"), pids);
  EXPECT_EQ(ReadFile(dir + "/vm.json"), vm);
  EXPECT_EQ(ReadFile(dir + "/job.json"), job);
  ASSERT_OK_AND_ASSIGN(VmInfo info, driver_->Inspect(name));
  EXPECT_EQ(info.state, VmState::kRunning);
  EXPECT_EQ(info.owner_key, "default/" + name);
}

TEST_F(ProcessDriverTest, NewDriverFindsDetachedVm) {
  const std::string name = Name("restart");
  ASSERT_OK(driver_->Create(name, Spec(name, UntilReleased(name))));
  const ShimPidRecord pids = Pids(name);
  // Detached: neither the shim nor the agent is our child, and the shim
  // is in a session of its own.
  EXPECT_THAT(ReadFile("/proc/" + std::to_string(pids.shim.pid) + "/status"),
              Not(HasSubstr("\nPPid:\t" + std::to_string(getpid()) + "\n")));
  EXPECT_NE(getsid(pids.shim.pid), getsid(0));
  EXPECT_THAT(ReadFile("/proc/" + std::to_string(pids.agent.pid) + "/status"),
              HasSubstr("\nPPid:\t" + std::to_string(pids.shim.pid) + "\n"));

  // A fresh driver (kilnd restarted) sees, inspects and deletes it.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ProcessDriver> restarted, NewDriver());
  ASSERT_OK_AND_ASSIGN(VmInfo info, restarted->Inspect(name));
  EXPECT_EQ(info.state, VmState::kRunning);
  EXPECT_EQ(info.owner_uid, "uid-" + name);
  // Deleted at once, even if the agent is still installing its SIGTERM
  // handler: the driver repeats SIGTERM rather than wait out the grace.
  const auto start = std::chrono::steady_clock::now();
  ASSERT_OK(restarted->Delete(name, std::chrono::seconds(30)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_THAT(ReadFile(LogPath(name)), HasSubstr("SIGTERM"));
  EXPECT_THAT(driver_->Inspect(name), StatusIs(StatusCode::kNotFound));
  EXPECT_FALSE(IsSameProcess(pids.agent));
  EXPECT_TRUE(Eventually([&] { return !IsProcessAlive(pids.shim); }));
}

TEST_F(ProcessDriverTest, VmOutlivesCreatorKilledWithSigkill) {
  // A child process plays kilnd: it creates the VM, then dies by kill -9.
  const std::string name = Name("orphan");
  const VmSpec spec = Spec(name, UntilReleased(name));
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t kilnd = fork();
  ASSERT_GE(kilnd, 0);
  if (kilnd == 0) {
    close(ready[0]);
    auto driver = NewDriver();
    const bool ok = driver.ok() && (*driver)->Create(name, spec).ok();
    (void)!write(ready[1], ok ? "1" : "0", 1);
    while (true) pause();
  }
  close(ready[1]);
  char created = '0';
  ASSERT_EQ(read(ready[0], &created, 1), 1);
  close(ready[0]);
  ASSERT_EQ(kill(kilnd, SIGKILL), 0);
  ASSERT_EQ(waitpid(kilnd, nullptr, 0), kilnd);
  ASSERT_EQ(created, '1');

  ASSERT_OK_AND_ASSIGN(VmInfo info, driver_->Inspect(name));
  EXPECT_EQ(info.state, VmState::kRunning);
  Release(name);
  const VmInfo exited = WaitExited(*driver_, name);
  ASSERT_TRUE(exited.result.has_value());
  EXPECT_TRUE(exited.result->succeeded);
}

TEST_F(ProcessDriverTest, DeleteSendsSigtermThenRemovesEverything) {
  const std::string name = Name("del");
  ASSERT_OK(driver_->Create(name, Spec(name, UntilReleased(name))));
  ASSERT_TRUE(Eventually([&] {
    return ReadFile(LogPath(name)).find("started") != std::string::npos;
  }));
  const ShimPidRecord pids = Pids(name);
  const VmRecord record = Record(name);

  ASSERT_OK(driver_->Delete(name, std::chrono::seconds(30)));
  EXPECT_THAT(ReadFile(LogPath(name)), HasSubstr("SIGTERM"));
  EXPECT_FALSE(fs::exists(driver_->WorkDir(name)));
  EXPECT_TRUE(fs::exists(LogPath(name)));  // the build log is kept
  EXPECT_FALSE(IsProcessAlive(pids.agent));
  for (const std::string& dir : record.cgroup.dirs) {
    EXPECT_FALSE(fs::exists(dir)) << dir;
  }
  EXPECT_THAT(driver_->Inspect(name), StatusIs(StatusCode::kNotFound));
}

TEST_F(ProcessDriverTest, DeleteOfMissingVmIsOk) {
  EXPECT_OK(driver_->Delete(Name("none"), std::chrono::seconds(1)));
  EXPECT_THAT(driver_->Inspect(Name("none")), StatusIs(StatusCode::kNotFound));
}

TEST_F(ProcessDriverTest, KilledAgentReportsSignal) {
  const std::string name = Name("kill9");
  ASSERT_OK(driver_->Create(name, Spec(name, UntilReleased(name))));
  const ShimPidRecord pids = Pids(name);
  ASSERT_EQ(kill(pids.agent.pid, SIGKILL), 0);
  const VmInfo info = WaitExited(*driver_, name);
  EXPECT_FALSE(info.result.has_value());
  EXPECT_THAT(info.exit_reason, HasSubstr("signal 9"));
  EXPECT_FALSE(info.oom_killed);
}

TEST_F(ProcessDriverTest, MemoryLimitIsEnforced) {
  if (driver_->cgroups().version() == CgroupVersion::kNone) {
    GTEST_SKIP() << "no writable cgroup here: " << driver_->cgroups().reason();
  }
  const std::string name = Name("oom");
  VmSpec spec = Spec(name, {{"FAKE_ALLOC_MB", "512"}});
  spec.memory_mib = 64;
  spec.cpus = 2;
  ASSERT_OK(driver_->Create(name, spec));
  const VmRecord record = Record(name);
  ASSERT_TRUE(record.limits_enforced);
  const bool v2 = record.cgroup.version == CgroupVersion::kV2;
  EXPECT_EQ(Trim(ReadFile(record.cgroup.memory_dir +
                          (v2 ? "/memory.max" : "/memory.limit_in_bytes"))),
            std::to_string(64 << 20));
  for (const std::string& dir : record.cgroup.dirs) {
    if (v2) {
      EXPECT_EQ(Trim(ReadFile(dir + "/cpu.max")), "200000 100000");
    } else if (fs::exists(dir + "/cpu.cfs_quota_us")) {
      EXPECT_EQ(Trim(ReadFile(dir + "/cpu.cfs_quota_us")), "200000");
    }
  }
  const VmInfo info = WaitExited(*driver_, name);
  EXPECT_FALSE(info.result.has_value());
  EXPECT_TRUE(info.oom_killed);
  EXPECT_EQ(info.exit_reason, "out of memory (cgroup OOM kill)");
}

TEST_F(ProcessDriverTest, AgentRunsIsolated) {
  // Fds the agent must not inherit: a plain file and a socket, neither
  // close-on-exec (as a careless kilnd might hold).
  int leaked_file = open("/dev/null", O_RDONLY);
  int leaked_socket = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(leaked_file, 0);
  ASSERT_GE(leaked_socket, 0);
  const std::string name = Name("iso");
  auto args = UntilReleased(name);
  args["FAKE_REPORT"] = "1";
  const Status created = driver_->Create(name, Spec(name, args));
  close(leaked_file);
  close(leaked_socket);
  ASSERT_OK(created);
  const std::string dir = driver_->WorkDir(name);
  const std::string agent_dir = driver_->AgentDir(name);
  ASSERT_TRUE(
      Eventually([&] { return fs::exists(agent_dir + "/report.json"); }));
  ASSERT_OK_AND_ASSIGN(nlohmann::json report,
                       ReadJsonFile(agent_dir + "/report.json"));

  EXPECT_EQ(report["pid"], 1);
  EXPECT_EQ(report["hostname"], name);
  EXPECT_THAT(report["fds"].get<std::vector<int>>(), ElementsAre(0, 1, 2));
  EXPECT_LE(report["visibleProcs"].get<int>(), 2) << "fresh /proc expected";
  if (driver_->cgroups().version() != CgroupVersion::kNone) {
    EXPECT_THAT(report["cgroup"].get<std::string>(),
                HasSubstr("/kiln/" + name + "\n"));
  }

  // Nothing of this process's environment; HOME and TMPDIR are the VM's.
  std::vector<std::string> env = report["env"];
  std::sort(env.begin(), env.end());
  EXPECT_THAT(env,
              ElementsAre("HOME=" + agent_dir + "/home", "KILN_VM_NAME=" + name,
                          HasSubstr("PATH=/usr/local/sbin:"),
                          "TMPDIR=" + agent_dir + "/tmp"));
  // Root of its own user namespace, an unprivileged id of the host's.
  EXPECT_EQ(report["uid"], 0);
  EXPECT_EQ(report["uidMap"], "0 1000000000 65536");
  // A private /dev with the harmless nodes only.
  EXPECT_THAT(
      report["dev"].get<std::vector<std::string>>(),
      ElementsAre("fd", "full", "null", "ptmx", "pts", "random", "shm",
                  "stderr", "stdin", "stdout", "tty", "urandom", "zero"));
  EXPECT_THAT(report["interfaces"].get<std::vector<std::string>>(),
              ElementsAre("lo"));
  EXPECT_THAT(report["hosts"].get<std::string>(),
              HasSubstr("127.0.0.1\tlocalhost " + name + "\n"));

  const std::string agent_proc =
      "/proc/" + std::to_string(Pids(name).agent.pid);
  EXPECT_THAT(ReadFile(agent_proc + "/status"),
              HasSubstr("\nUid:\t1000000000\t1000000000\t1000000000\t"));
  EXPECT_THAT(ReadFile(agent_proc + "/status"),
              ContainsRegex("\nGroups:[ \t]*\n"))
      << "no supplementary groups: the host's root's are dropped";
  for (const char* ns : {"pid", "uts", "mnt", "ipc", "net", "user"}) {
    EXPECT_NE(fs::read_symlink(agent_proc + "/ns/" + ns),
              fs::read_symlink(std::string("/proc/self/ns/") + ns))
        << ns;
  }
  // Seen from outside too, while it waits: stdio and nothing else (once it
  // is done with report.json, whose directory fsync briefly holds an fd).
  std::vector<std::string> fds;
  Eventually([&] {
    fds.clear();
    for (const auto& fd : fs::directory_iterator(agent_proc + "/fd")) {
      fds.push_back(fd.path().filename().string());
    }
    std::sort(fds.begin(), fds.end());
    return fds.size() == 3;
  });
  EXPECT_THAT(fds, ElementsAre("0", "1", "2"));
  EXPECT_EQ(fs::read_symlink(agent_proc + "/fd/0"), "/dev/null");
  EXPECT_EQ(fs::read_symlink(agent_proc + "/fd/2"), dir + "/agent.stderr");
}

TEST_F(ProcessDriverTest, BuilderOwnsOnlyItsOwnFilesAndSeesNoDataDir) {
  const fs::perms kPublic = fs::perms::owner_read | fs::perms::owner_write |
                            fs::perms::group_read | fs::perms::others_read;
  // In the data dir (state_dir here): hidden from every builder.
  WriteHostFile(state_dir_ + "/kiln.db", "store", kPublic);
  // Outside it: the host's files, as an unprivileged user sees them.
  WriteHostFile(root_ + "/private", "secret", fs::perms::owner_read);
  WriteHostFile(root_ + "/public", "public", kPublic);
  const std::string name = Name("own");
  const std::string agent_dir = driver_->AgentDir(name);
  const nlohmann::json report =
      ProbeReport(*driver_, name,
                  {state_dir_ + "/kiln.db", driver_->WorkDir(name) + "/vm.json",
                   root_ + "/private", root_ + "/public",
                   agent_dir + "/build.log", agent_dir + "/job.json"});
  const nlohmann::json& probe = report["probe"];
  const nlohmann::json missing = {{"read", std::strerror(ENOENT)},
                                  {"write", std::strerror(ENOENT)}};
  EXPECT_EQ(probe[state_dir_ + "/kiln.db"], missing);
  EXPECT_EQ(probe[driver_->WorkDir(name) + "/vm.json"], missing)
      << "the VM's records are the host's, not the builder's";
  EXPECT_EQ(probe[root_ + "/private"]["read"], std::strerror(EACCES));
  EXPECT_EQ(probe[root_ + "/public"]["read"], "ok");
  EXPECT_EQ(probe[root_ + "/public"]["write"], std::strerror(EACCES));
  const nlohmann::json writable = {{"read", "ok"}, {"write", "ok"}};
  EXPECT_EQ(probe[agent_dir + "/build.log"], writable);
  EXPECT_EQ(probe[agent_dir + "/job.json"], writable);
  EXPECT_EQ(ReadFile(root_ + "/public"), "public");

  // The host's view: the build log is the builder's; the records are not.
  struct stat st {};
  ASSERT_EQ(stat(LogPath(name).c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kBuilderIds.base);
  ASSERT_EQ(stat((driver_->WorkDir(name) + "/pid.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  // Records the builder planted to stall or mislead kilnd are not read.
  fs::remove(agent_dir + "/progress.json");
  ASSERT_EQ(mkfifo((agent_dir + "/progress.json").c_str(), 0644), 0);
  fs::create_symlink(driver_->WorkDir(name) + "/vm.json",
                     agent_dir + "/result.json");
  ASSERT_OK_AND_ASSIGN(VmInfo info, driver_->Inspect(name));
  EXPECT_FALSE(info.progress.has_value());
  EXPECT_FALSE(info.result.has_value());
}

TEST_F(ProcessDriverTest,
       WithoutUserNamespaceBuildersAreHostRootButSeeNoDataDir) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ProcessDriver> driver,
      NewDriver(kiln::testing::kFakeAgentPath, 64, 0, std::nullopt));
  WriteHostFile(state_dir_ + "/kiln.db", "store", fs::perms::owner_read);
  WriteHostFile(root_ + "/private", "secret", fs::perms::owner_read);
  const std::string name = Name("root");
  const nlohmann::json report =
      ProbeReport(*driver, name, {state_dir_ + "/kiln.db", root_ + "/private"});
  EXPECT_EQ(report["uidMap"], "0 0 4294967295");
  EXPECT_EQ(report["probe"][state_dir_ + "/kiln.db"]["read"],
            std::strerror(ENOENT));
  EXPECT_EQ(report["probe"][root_ + "/private"]["read"], "ok");
  EXPECT_OK(driver->Delete(name, std::chrono::milliseconds(0)));
}

TEST_F(ProcessDriverTest, NewRefusesADataDirBuildersCannotReach) {
  fs::permissions(root_, fs::perms::owner_all);
  EXPECT_THAT(NewDriver(), StatusIs(StatusCode::kFailedPrecondition,
                                    HasSubstr("other users")));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ProcessDriver> as_root,
      NewDriver(kiln::testing::kFakeAgentPath, 64, 0, std::nullopt));
  EXPECT_EQ(as_root->user_namespace(), std::nullopt);
  // Not required (kilnd's --builder-user-namespace=auto): host root, warned.
  ProcessDriver::Options options;
  options.state_dir = state_dir_;
  options.agent_path = kiln::testing::kFakeAgentPath;
  options.scratch_mib = 64;
  options.user_namespace_required = false;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ProcessDriver> fallback,
                       ProcessDriver::New(options, clock_));
  EXPECT_EQ(fallback->user_namespace(), std::nullopt);
  EXPECT_EQ(driver_->user_namespace(), kBuilderIds);
}

// A loopback TCP server on the host: answers each connection with what it
// sent (the "registry"), or counts and closes it.
class LoopbackServer {
 public:
  explicit LoopbackServer(bool echo) : echo_(echo) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ >= 0 &&
        bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        listen(fd_, 16) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
      thread_ = std::thread([this] { Serve(); });
    }
  }
  ~LoopbackServer() {
    shutdown(fd_, SHUT_RDWR);  // ends accept
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_.load(); }

 private:
  void Serve() {
    while (true) {
      const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      ++accepted_;
      char buf[256];
      ssize_t n;
      while (echo_ && (n = recv(c, buf, sizeof(buf), 0)) > 0) {
        if (send(c, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
      }
      close(c);
    }
  }

  const bool echo_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

TEST_F(ProcessDriverTest, AgentReachesOnlyTheRegistryThroughTheRelay) {
  LoopbackServer registry(/*echo=*/true);
  LoopbackServer other(/*echo=*/false);
  const std::string name = Name("net");
  nlohmann::json connect = ConnectReport(name, registry.address(),
                                         {registry.address(), other.address()});
  EXPECT_EQ(connect[registry.address()], "ping");
  EXPECT_THAT(connect[other.address()].get<std::string>(),
              HasSubstr("error: Connection refused"));
  EXPECT_EQ(registry.accepted(), 1);
  EXPECT_EQ(other.accepted(), 0);

  // The relay is in the VM's cgroup and goes when the agent does.
  const VmCgroup cgroup = Record(name).cgroup;
  if (cgroup.version != CgroupVersion::kNone) {
    EXPECT_EQ(CgroupPids(cgroup).size(), 2u) << "agent and relay";
  }
  Release(name);
  WaitExited(*driver_, name);
  EXPECT_TRUE(Eventually([&] { return CgroupPids(cgroup).empty(); }));
}

TEST_F(ProcessDriverTest, AgentReachesTheRegistryTokenServiceThroughTheRelay) {
  LoopbackServer registry(/*echo=*/true);
  LoopbackServer token_service(/*echo=*/true);
  LoopbackServer other(/*echo=*/false);
  ASSERT_GT(token_service.port(), 0);
  ASSERT_OK_AND_ASSIGN(driver_,
                       NewDriver(kiln::testing::kFakeAgentPath, 64,
                                 /*registry_token_port=*/token_service.port()));
  const std::string name = Name("token");
  nlohmann::json connect = ConnectReport(
      name, registry.address(),
      {registry.address(), token_service.address(), other.address()});
  EXPECT_EQ(connect[registry.address()], "ping");
  EXPECT_EQ(connect[token_service.address()], "ping");
  EXPECT_THAT(connect[other.address()].get<std::string>(),
              HasSubstr("error: Connection refused"));
  EXPECT_EQ(registry.accepted(), 1);
  EXPECT_EQ(token_service.accepted(), 1);
  EXPECT_EQ(other.accepted(), 0);
  Release(name);
  WaitExited(*driver_, name);
}

TEST_F(ProcessDriverTest, NewRejectsATokenServicePortOutOfRange) {
  EXPECT_THAT(
      NewDriver(kiln::testing::kFakeAgentPath, 64, 65536).status(),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("token service port")));
}

TEST_F(ProcessDriverTest, PidsLimitIsSet) {
  const std::string name = Name("pids");
  ASSERT_OK(driver_->Create(name, Spec(name, UntilReleased(name))));
  std::string pids_max;
  for (const std::string& dir : Record(name).cgroup.dirs) {
    if (fs::exists(dir + "/pids.max")) pids_max = ReadFile(dir + "/pids.max");
  }
  if (pids_max.empty()) {
    GTEST_SKIP() << "no pids controller here: " << driver_->cgroups().reason();
  }
  EXPECT_EQ(Trim(pids_max), "1024");
  Release(name);
}

// The loop devices whose backing file is `image` (as the kernel names it,
// with " (deleted)" once unlinked).
std::vector<std::string> LoopsBackedBy(const std::string& image) {
  std::vector<std::string> loops;
  std::error_code ec;
  for (fs::directory_iterator it("/sys/block", ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string backing =
        Trim(ReadFile(it->path().string() + "/loop/backing_file"));
    if (backing.rfind(image, 0) == 0) {
      loops.push_back(it->path().filename().string());
    }
  }
  return loops;
}

// The build's storage lives on the VM's own scratch disk, mounted in the
// builder's mount namespace only, of the configured size; the kernel
// releases its loop device once the VM is deleted.
TEST_F(ProcessDriverTest, BuildStorageIsABoundedScratchDiskOfItsOwn) {
  const std::string name = Name("scratch");
  ASSERT_OK(driver_->Create(name, Spec(name, UntilReleased(name))));
  const std::string dir = driver_->WorkDir(name);
  const std::string storage = driver_->AgentDir(name) + "/storage";
  const std::string agent_proc =
      "/proc/" + std::to_string(Pids(name).agent.pid);
  EXPECT_THAT(ReadFile(agent_proc + "/mountinfo"),
              HasSubstr(" " + storage + " "));
  EXPECT_THAT(ReadFile("/proc/self/mountinfo"),
              Not(HasSubstr(" " + storage + " ")))
      << "the scratch disk must not be mounted in the host's namespace";
  struct statvfs st {};
  ASSERT_EQ(statvfs((agent_proc + "/root" + storage).c_str(), &st), 0)
      << std::strerror(errno);
  const double mib = static_cast<double>(st.f_blocks) * st.f_frsize / (1 << 20);
  EXPECT_GT(mib, 48);
  EXPECT_LE(mib, 64);
  const std::string image = dir + "/scratch.img";
  EXPECT_THAT(LoopsBackedBy(image), Not(IsEmpty()));

  ASSERT_OK(driver_->Delete(name, std::chrono::milliseconds(0)));
  EXPECT_TRUE(Eventually([&] { return LoopsBackedBy(image).empty(); }))
      << "loop device still attached to " << image;
}

TEST_F(ProcessDriverTest, UnsupportedRegistryAddressFailsCreateClearly) {
  const std::string name = Name("v6");
  VmSpec spec = Spec(name, {});
  spec.job.registry = "[fd00::1]:5000";
  EXPECT_THAT(driver_->Create(name, spec),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("IPv6")));
  EXPECT_FALSE(fs::exists(driver_->WorkDir(name)));
}

TEST_F(ProcessDriverTest, ListShowsEveryVmAndSkipsJunk) {
  std::vector<std::string> names = {Name("a"), Name("b"), Name("c")};
  for (const std::string& name : names) {
    ASSERT_OK(driver_->Create(name, Spec(name, UntilReleased(name))));
  }
  std::ofstream(state_dir_ + "/junk.txt") << "x";
  fs::create_directories(state_dir_ + "/Not_A_Name");
  fs::create_directories(state_dir_ + "/half-made");  // no vm.json
  std::ofstream(state_dir_ + "/torn/vm.json");
  fs::create_directories(state_dir_ + "/torn");
  std::ofstream(state_dir_ + "/torn/vm.json") << "{\"own";

  ASSERT_OK_AND_ASSIGN(std::vector<VmInfo> vms, driver_->List());
  std::vector<std::string> listed;
  for (const VmInfo& vm : vms) {
    listed.push_back(vm.name);
    EXPECT_EQ(vm.state, VmState::kRunning);
  }
  EXPECT_EQ(listed, names);
}

TEST_F(ProcessDriverTest, ConcurrentCreatesOfDifferentNames) {
  std::vector<std::string> names;
  for (int i = 0; i < 4; ++i) names.push_back(Name("p" + std::to_string(i)));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (const std::string& name : names) {
    threads.emplace_back([&, name] {
      if (!driver_->Create(name, Spec(name, {})).ok()) ++failures;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (const std::string& name : names) {
    const VmInfo info = WaitExited(*driver_, name);
    ASSERT_TRUE(info.result.has_value()) << name;
    EXPECT_TRUE(info.result->succeeded);
  }
}

TEST_F(ProcessDriverTest, RejectsNamesThatAreNotDnsLabels) {
  for (const std::string bad : {"", "../x", "A", "a/b", "-a"}) {
    EXPECT_THAT(driver_->Create(bad, Spec("x", {})),
                StatusIs(StatusCode::kInvalidArgument))
        << bad;
  }
}

TEST_F(ProcessDriverTest, ExecFailureIsReportedAndCleanedUp) {
  const std::string agent = root_ + "/broken-agent";
  std::ofstream(agent) << "#!/nonexistent/interpreter\n";
  fs::permissions(agent, fs::perms::owner_all);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ProcessDriver> broken, NewDriver(agent));
  const std::string name = Name("noexec");
  EXPECT_THAT(broken->Create(name, Spec(name, {})),
              StatusIs(StatusCode::kInternal, HasSubstr("exec")));
  EXPECT_THAT(broken->Inspect(name), StatusIs(StatusCode::kNotFound));
  EXPECT_FALSE(fs::exists(broken->WorkDir(name)));
}

TEST_F(ProcessDriverTest, NewRejectsMissingAgent) {
  EXPECT_THAT(NewDriver(root_ + "/no-such-agent"),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace kiln

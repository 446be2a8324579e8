// Builds through kilnd with `--driver qemu`: a real QEMU microVM (TCG here)
// boots the guest image of hack/build-guest-image.sh and runs kiln-agent and
// buildah inside; the pushed image is checked with skopeo. Also a cancel
// mid-build, after which no QEMU of the test may remain. Needs root,
// qemu-system-x86_64 and skopeo; the guest image is built into
// kGuestImages when missing (cached there by content hash).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/integration/kilnd_fixture.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;

const char* kSourceDir = KILN_SOURCE_DIR;
const char* kAgentPath = KILN_AGENT_PATH;
constexpr char kGuestImages[] = "/var/tmp/kiln-guest-images";

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
  nlohmann::json GetBuild(const std::string& name) {
    CommandResult r = kilnd_->Kubectl({"get", "build", name, "-o", "json"});
    if (r.exit_code != 0) return nlohmann::json::object();
    return nlohmann::json::parse(r.out, nullptr, false);
  }
  nlohmann::json WaitFor(const std::string& name, const std::string& phase,
                         int seconds) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    nlohmann::json b;
    while (std::chrono::steady_clock::now() < deadline) {
      b = GetBuild(name);
      if (b.value("/status/phase"_json_pointer, "") == phase) return b;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    ADD_FAILURE() << name << " did not reach " << phase << ": " << b.dump(2)
                  << "\nkilnd log:\n"
                  << kilnd_->process().Log() << ConsoleLogs();
    return b;
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
    std::ifstream f(dir_ + "/logs/" +
                    build["metadata"]["uid"].get<std::string>() + ".log");
    return std::string((std::istreambuf_iterator<char>(f)),
                       std::istreambuf_iterator<char>());
  }
  // QEMU processes started for this test's data dir.
  int QemuProcesses() {
    CommandResult r = RunCommand(
        {"pgrep", "-c", "-f", "qemu-system-x86_64 .*" + dir_ + "/vms/"});
    return r.exit_code == 0 ? std::stoi(r.out) : 0;
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
  size_t VmDirs() {
    size_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir_ + "/vms", ec);
         !ec && it != std::filesystem::directory_iterator(); ++it) {
      if (it->is_directory()) ++n;
    }
    return n;
  }

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
  CommandResult inspect = RunCommand(
      {"skopeo", "inspect", "--tls-verify=false", "docker://" + ref});
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
  Ok({"apply", "-f", "-"}, Manifest("slow", "sleep 120"));
  nlohmann::json running = WaitFor("slow", "Building", 60);
  ASSERT_EQ(QemuProcesses(), 1);
  // Cancel inside the RUN step, so the guest's graceful path is taken
  // (kiln.cmd "cancel" -> SIGTERM to kiln-agent -> power off).
  ASSERT_TRUE(Eventually(
      120,
      [&] { return LogOf(running).find("STEP 2/2") != std::string::npos; }))
      << LogOf(running) << ConsoleLogs();
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

}  // namespace
}  // namespace kiln::testing

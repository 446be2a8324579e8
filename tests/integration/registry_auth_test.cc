// The embedded registry's token authentication through the real binaries:
// kilnd (its token service and the docker-registry it configures), skopeo
// as a user's registry client, and a real build (process driver, buildah)
// whose own credential is taken from its job file, as a RUN step that broke
// out of its chroot could: it reaches only its own namespace, and dies with
// the build. Who may do what is docs/security.md "The registry".
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/kilnd_fixture.h"

namespace kiln::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class RegistryAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"kubectl", "buildah", "skopeo"}) {
      if (RunCommand({"which", tool}).exit_code != 0) {
        GTEST_SKIP() << tool << " is not installed (hack/setup.sh)";
      }
    }
    dir_ = MakeTempDir("kilnd-registry-auth-");
    registry_ = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
    ASSERT_TRUE(AddTestUsers(dir_));
    kilnd_ =
        Kilnd::Start({"--driver", "process", "--embedded-registry", registry_,
                      "--capacity-cpus", "2", "--capacity-memory", "4Gi"},
                     dir_);
    ASSERT_FALSE(kilnd_->failed_to_start()) << kilnd_->process().Log();
  }
  void TearDown() override {
    kilnd_.reset();
    RunCommand({"pkill", "-9", "-f", dir_});
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string Ref(const std::string& repository) const {
    return "docker://" + registry_ + "/" + repository;
  }

  // skopeo copy of the base image to `dest` as `login` ("user:password").
  CommandResult CopyBaseTo(const std::string& dest, const std::string& login) {
    return RunCommand({"skopeo", "copy", "--src-tls-verify=false",
                       "--dest-tls-verify=false", "--src-creds", login,
                       "--dest-creds", login, Ref("kiln/busybox:1"),
                       Ref(dest)});
  }
  CommandResult Inspect(const std::string& image, const std::string& login) {
    std::vector<std::string> argv = {"skopeo", "inspect", "--tls-verify=false"};
    if (!login.empty()) argv.insert(argv.end(), {"--creds", login});
    argv.push_back(Ref(image));
    return RunCommand(argv);
  }

  std::string dir_;
  std::string registry_;
  std::unique_ptr<Kilnd> kilnd_;
};

TEST_F(RegistryAuthTest, UsersPushAndPullOnlyWhereTheApiLetsThem) {
  const std::string alice = std::string("alice:") + kAliceToken;
  const std::string bob = std::string("bob:") + kBobToken;

  CommandResult anonymous = Inspect("kiln/busybox:1", "");
  EXPECT_NE(anonymous.exit_code, 0);
  EXPECT_THAT(anonymous.err, HasSubstr("log in with your Kiln user name"));
  EXPECT_NE(Inspect("kiln/busybox:1", "alice:wrong-token").exit_code, 0);

  CommandResult own = CopyBaseTo("team-a/copy:1", alice);
  EXPECT_EQ(own.exit_code, 0) << own.err;
  EXPECT_EQ(Inspect("team-a/copy:1", alice).exit_code, 0);
  // Another namespace: neither write nor read.
  CommandResult other = CopyBaseTo("team-b/copy:1", alice);
  EXPECT_NE(other.exit_code, 0);
  EXPECT_THAT(other.err, HasSubstr("denied"));
  EXPECT_NE(Inspect("team-a/copy:1", bob).exit_code, 0);
  // The base images: everyone reads, only admins write.
  EXPECT_EQ(Inspect("kiln/busybox:1", bob).exit_code, 0);
  EXPECT_NE(CopyBaseTo("kiln/busybox:2", alice).exit_code, 0);
  EXPECT_EQ(Inspect("team-a/copy:1", kilnd_->RegistryLogin()).exit_code, 0);
  EXPECT_EQ(CopyBaseTo("kiln/busybox:2", kilnd_->RegistryLogin()).exit_code, 0);
}

TEST_F(RegistryAuthTest,
       ABuildsCredentialReachesOnlyItsNamespaceAndDiesWithIt) {
  CommandResult applied = kilnd_->Kubectl(
      {"apply", "-f", "-"},
      "apiVersion: kiln.dev/v1\nkind: Build\nmetadata:\n  name: holder\n"
      "spec:\n  source:\n    inline:\n      files:\n"
      "        Dockerfile: |\n          FROM kiln/busybox:1\n"
      "          RUN sleep 12\n"
      "  resources:\n    cpus: 1\n    memoryMiB: 512\n");
  ASSERT_EQ(applied.exit_code, 0) << applied.err;

  // The job file the driver wrote for the builder holds its credential.
  nlohmann::json job;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (job.is_null() && std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    for (const auto& vm :
         std::filesystem::directory_iterator(dir_ + "/vms", ec)) {
      std::ifstream in(vm.path() / "job.json");
      const std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
      if (!text.empty()) job = nlohmann::json::parse(text, nullptr, false);
      if (job.is_discarded()) job = nullptr;
    }
    if (job.is_null())
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(job.is_object()) << "no job.json under " << dir_ << "/vms";
  const std::string login = job["registryUsername"].get<std::string>() + ":" +
                            job["registryPassword"].get<std::string>();
  EXPECT_EQ(job["registryUsername"], "kiln-build/default/holder");

  // While the build runs: its own namespace, and pulls of the base image.
  CommandResult own = CopyBaseTo("default/stolen:1", login);
  EXPECT_EQ(own.exit_code, 0) << own.err;
  CommandResult base = CopyBaseTo("kiln/busybox:1", login);
  EXPECT_NE(base.exit_code, 0);
  EXPECT_THAT(base.err, HasSubstr("denied"));
  EXPECT_NE(CopyBaseTo("team-a/stolen:1", login).exit_code, 0);

  nlohmann::json b =
      kilnd_->WaitForPhase("holder", "Ready", std::chrono::seconds(120));
  EXPECT_THAT(b.value("/status/image/digest"_json_pointer, ""),
              HasSubstr("sha256:"));
  // Finished: the credential is refused.
  CommandResult after = Inspect("default/stolen:1", login);
  EXPECT_NE(after.exit_code, 0);
  EXPECT_THAT(after.err, HasSubstr("invalid registry credentials"));
  EXPECT_THAT(after.err,
              Not(HasSubstr(job["registryPassword"].get<std::string>())));
}

}  // namespace
}  // namespace kiln::testing

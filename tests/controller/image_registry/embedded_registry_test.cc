// Runs the real docker-registry on free loopback ports in temporary data
// dirs.
#include "controller/image_registry/embedded_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "controller/base/subprocess.h"
#include "controller/image_registry/registry_client.h"
#include "tests/controller/image_registry/registry_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

EmbeddedRegistryOptions TestOptions(const TempDir& dir) {
  EmbeddedRegistryOptions options;
  options.listen = FreeLoopbackAddress();
  options.dir = dir.path() + "/registry";
  // Fast restarts keep the tests short; the defaults are 1s doubling to 30s.
  options.restart_initial = milliseconds(100);
  options.restart_max = seconds(1);
  return options;
}

std::unique_ptr<RegistryClient> ClientFor(const std::string& address) {
  StatusOr<std::unique_ptr<RegistryClient>> client = NewRegistryClient(address);
  EXPECT_THAT(client, IsOk());
  return client.ok() ? std::move(client).value() : nullptr;
}

// Polls `condition` every 50ms until it holds or `timeout` passes.
template <typename F>
bool Eventually(F condition, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return condition();
}

class EmbeddedRegistryTest : public ::testing::Test {
 protected:
  RealClock clock_;
  TempDir dir_;
};

TEST_F(EmbeddedRegistryTest, StartsAndAnswersPing) {
  const EmbeddedRegistryOptions options = TestOptions(dir_);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EmbeddedRegistry> registry,
                       EmbeddedRegistry::Start(options, clock_));
  EXPECT_FALSE(registry->adopted());
  EXPECT_GT(registry->pid(), 0);
  EXPECT_EQ(registry->address(), options.listen);
  EXPECT_OK(ClientFor(options.listen)->Ping());

  // Our own config, never the packaged one with htpasswd.
  std::ifstream config(dir_.path() + "/registry/config.yml");
  std::string text((std::istreambuf_iterator<char>(config)),
                   std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr(dir_.path() + "/registry/data"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("htpasswd")));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/registry/registry.pid"));

  const pid_t pid = registry->pid();
  registry->Stop();
  EXPECT_FALSE(ProcessRunning(pid));
  EXPECT_THAT(ClientFor(options.listen)->Ping(),
              StatusIs(StatusCode::kUnavailable));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/registry/registry.pid"));
}

TEST_F(EmbeddedRegistryTest, SupervisorRestartsAKilledRegistry) {
  const EmbeddedRegistryOptions options = TestOptions(dir_);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EmbeddedRegistry> registry,
                       EmbeddedRegistry::Start(options, clock_));
  const pid_t first = registry->pid();
  ASSERT_EQ(kill(first, SIGKILL), 0);

  EXPECT_TRUE(Eventually(
      [&] {
        return registry->restart_count() == 1 && registry->pid() > 0 &&
               ClientFor(options.listen)->Ping().ok();
      },
      seconds(20)));
  EXPECT_NE(registry->pid(), first);
  EXPECT_FALSE(ProcessRunning(first));
}

TEST_F(EmbeddedRegistryTest, SecondInstanceAdoptsARunningRegistry) {
  const EmbeddedRegistryOptions options = TestOptions(dir_);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EmbeddedRegistry> crashed,
                       EmbeddedRegistry::Start(options, clock_));
  const pid_t pid = crashed->pid();
  crashed->Abandon();  // as if kilnd had died: the registry keeps running
  crashed.reset();
  ASSERT_TRUE(ProcessRunning(pid));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EmbeddedRegistry> adopter,
                       EmbeddedRegistry::Start(options, clock_));
  EXPECT_TRUE(adopter->adopted());
  EXPECT_EQ(adopter->pid(), pid);  // known from registry.pid
  EXPECT_OK(ClientFor(options.listen)->Ping());

  adopter->Stop();  // an adopted registry we started earlier is ours to stop
  EXPECT_FALSE(ProcessRunning(pid));
  EXPECT_THAT(ClientFor(options.listen)->Ping(),
              StatusIs(StatusCode::kUnavailable));
}

// With token auth the registry asks anonymous clients for a token from
// kilnd's token service (Ping still sees a registry); one left running
// without auth, or for another token service, is started again with this
// config instead of adopted.
TEST_F(EmbeddedRegistryTest, TokenAuthRegistryIsStartedAgainForAnotherRealm) {
  EmbeddedRegistryOptions options = TestOptions(dir_);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EmbeddedRegistry> open,
                       EmbeddedRegistry::Start(options, clock_));
  const pid_t open_pid = open->pid();
  open->Abandon();
  open.reset();
  EXPECT_THAT(ClientFor(options.listen)->TokenRealm(), IsOkAndHolds(""));

  const std::string cert = dir_.path() + "/token.crt";
  ASSERT_OK(RunCommandOk({"openssl", "req", "-x509", "-newkey", "ec",
                          "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", dir_.path() + "/token.key", "-out", cert,
                          "-subj", "/CN=kiln-registry-token", "-days", "1"},
                         seconds(30))
                .status());
  options.token_auth = RegistryTokenAuth{"http://127.0.0.1:1/token",
                                         "kiln-registry", "kilnd", cert};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EmbeddedRegistry> secured,
                       EmbeddedRegistry::Start(options, clock_));
  EXPECT_FALSE(secured->adopted());
  EXPECT_FALSE(ProcessRunning(open_pid));
  EXPECT_OK(ClientFor(options.listen)->Ping());
  EXPECT_THAT(ClientFor(options.listen)->TokenRealm(),
              IsOkAndHolds("http://127.0.0.1:1/token"));
  // Anonymous reads are refused now.
  EXPECT_THAT(ClientFor(options.listen)->ManifestDigest("kiln/busybox", "1"),
              StatusIs(StatusCode::kInternal, HasSubstr("401")));
  secured->Abandon();
  secured.reset();

  // Same realm: adopted as before.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EmbeddedRegistry> same,
                       EmbeddedRegistry::Start(options, clock_));
  EXPECT_TRUE(same->adopted());
  // Another realm: started again.
  same->Abandon();
  same.reset();
  options.token_auth->realm = "http://127.0.0.1:2/token";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EmbeddedRegistry> moved,
                       EmbeddedRegistry::Start(options, clock_));
  EXPECT_FALSE(moved->adopted());
  EXPECT_THAT(ClientFor(options.listen)->TokenRealm(),
              IsOkAndHolds("http://127.0.0.1:2/token"));
}

TEST_F(EmbeddedRegistryTest, PortTakenByNonRegistryIsUnavailable) {
  GarbageListener squatter;
  EmbeddedRegistryOptions options = TestOptions(dir_);
  options.listen = squatter.address();
  EXPECT_THAT(EmbeddedRegistry::Start(options, clock_),
              StatusIs(StatusCode::kUnavailable,
                       HasSubstr(options.listen +
                                 " is taken by something that is not a docker "
                                 "registry")));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/registry/registry.pid"));
}

TEST_F(EmbeddedRegistryTest, MissingBinaryFailsStart) {
  EmbeddedRegistryOptions options = TestOptions(dir_);
  options.binary = "/nonexistent/docker-registry";
  EXPECT_THAT(EmbeddedRegistry::Start(options, clock_),
              StatusIs(StatusCode::kInternal, HasSubstr(options.binary)));
}

}  // namespace
}  // namespace kiln

// Seeds kiln/busybox:1 into a real docker-registry with the real buildah,
// checks it with skopeo, and runs a container built from it.
#include "controller/image_registry/base_image.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "controller/base/subprocess.h"
#include "controller/image_registry/buildah_storage.h"
#include "controller/image_registry/embedded_registry.h"
#include "controller/image_registry/registry_client.h"
#include "tests/controller/image_registry/registry_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// One registry and one seed for the whole suite: seeding is the slow part.
class BaseImageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    EmbeddedRegistryOptions options;
    options.listen = FreeLoopbackAddress();
    options.dir = dir_->path() + "/registry";
    StatusOr<std::unique_ptr<EmbeddedRegistry>> registry =
        EmbeddedRegistry::Start(options, clock_);
    ASSERT_THAT(registry, IsOk());
    registry_ = std::move(registry).value().release();

    const auto start = std::chrono::steady_clock::now();
    seed_status_ = new Status(SeedBaseImage(address(), work_dir()).status());
    seed_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count();
    spdlog::info("SeedBaseImage took {} ms", seed_ms_);
  }
  static void TearDownTestSuite() {
    delete registry_;
    delete seed_status_;
    delete dir_;
  }

  static std::string address() { return registry_->address(); }
  static std::string work_dir() { return dir_->path() + "/buildah"; }

  // buildah with the storage the seed used.
  static StatusOr<std::string> Buildah(std::vector<std::string> args) {
    ASSIGN_OR_RETURN(std::vector<std::string> storage,
                     BuildahStorageArgs(work_dir()));
    std::vector<std::string> argv = {"buildah"};
    argv.insert(argv.end(), storage.begin(), storage.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommandOk(argv, seconds(120));
  }

  static inline RealClock clock_;
  static inline TempDir* dir_ = nullptr;
  static inline EmbeddedRegistry* registry_ = nullptr;
  static inline Status* seed_status_ = nullptr;
  static inline int64_t seed_ms_ = 0;
};

TEST_F(BaseImageTest, SeedPushesImageWithSkopeoDigest) {
  ASSERT_OK(*seed_status_);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<RegistryClient> client,
                       NewRegistryClient(address()));
  ASSERT_OK_AND_ASSIGN(std::string digest,
                       client->ManifestDigest("kiln/busybox", "1"));
  EXPECT_THAT(digest, StartsWith("sha256:"));
  EXPECT_EQ(digest.size(), 7u + 64u);

  ASSERT_OK_AND_ASSIGN(
      std::string inspect,
      RunCommandOk({"skopeo", "inspect", "--tls-verify=false",
                    "docker://" + address() + "/kiln/busybox:1"},
                   seconds(60)));
  const nlohmann::json json = nlohmann::json::parse(inspect);
  EXPECT_EQ(json.at("Digest").get<std::string>(), digest);
  EXPECT_LT(seed_ms_, 30000) << "seeding should take about a second";
}

TEST_F(BaseImageTest, SeedingTwiceIsANoOp) {
  ASSERT_OK(*seed_status_);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<RegistryClient> client,
                       NewRegistryClient(address()));
  ASSERT_OK_AND_ASSIGN(std::string before,
                       client->ManifestDigest("kiln/busybox", "1"));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_OK_AND_ASSIGN(SeedResult again, SeedBaseImage(address(), work_dir()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
  EXPECT_EQ(again.digest, before);
  EXPECT_EQ(again.replaced, "");
  EXPECT_THAT(client->ManifestDigest("kiln/busybox", "1"),
              IsOkAndHolds(before));
}

// The base image is pinned by digest: an image pushed over the tag is
// replaced by the next seed, which says so.
TEST_F(BaseImageTest, SeedReplacesAnImagePushedOverTheBaseImage) {
  ASSERT_OK(*seed_status_);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<RegistryClient> client,
                       NewRegistryClient(address()));
  ASSERT_OK_AND_ASSIGN(std::string seeded,
                       client->ManifestDigest("kiln/busybox", "1"));
  ASSERT_OK_AND_ASSIGN(std::string container,
                       Buildah({"from", "--quiet", "--tls-verify=false",
                                "docker://" + address() + "/kiln/busybox:1"}));
  while (!container.empty() && container.back() == '\n') container.pop_back();
  ASSERT_OK(Buildah({"config", "--env", "EVIL=1", container}).status());
  ASSERT_OK(Buildah({"commit", "--quiet", container, "evil:1"}).status());
  EXPECT_OK(Buildah({"rm", container}).status());
  ASSERT_OK(Buildah({"push", "--quiet", "--tls-verify=false", "evil:1",
                     "docker://" + address() + "/kiln/busybox:1"})
                .status());
  ASSERT_OK_AND_ASSIGN(std::string evil,
                       client->ManifestDigest("kiln/busybox", "1"));
  ASSERT_NE(evil, seeded);

  ASSERT_OK_AND_ASSIGN(SeedResult result, SeedBaseImage(address(), work_dir()));
  EXPECT_EQ(result.replaced, evil);
  EXPECT_NE(result.digest, evil);
  EXPECT_THAT(client->ManifestDigest("kiln/busybox", "1"),
              IsOkAndHolds(result.digest));
  ASSERT_OK_AND_ASSIGN(SeedResult again, SeedBaseImage(address(), work_dir()));
  EXPECT_EQ(again.replaced, "");
  EXPECT_EQ(again.digest, result.digest);
}

TEST_F(BaseImageTest, ContainerFromBaseImageRunsShell) {
  ASSERT_OK(*seed_status_);
  ASSERT_OK_AND_ASSIGN(std::string container,
                       Buildah({"from", "--quiet", "--tls-verify=false",
                                "docker://" + address() + "/kiln/busybox:1"}));
  while (!container.empty() && container.back() == '\n') container.pop_back();
  // chroot isolation: the default OCI runtime fails on this host's hybrid
  // cgroups.
  StatusOr<std::string> out =
      Buildah({"run", "--isolation", "chroot", container, "--", "/bin/sh", "-c",
               "echo hi; ls /bin/ls; echo $PATH"});
  EXPECT_OK(Buildah({"rm", container}).status());
  ASSERT_OK(out.status());
  EXPECT_THAT(*out, HasSubstr("hi\n/bin/ls\n/usr/sbin:/usr/bin:/sbin:/bin"));
}

TEST_F(BaseImageTest, ManifestDigestOfMissingTagIsNotFound) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<RegistryClient> client,
                       NewRegistryClient(address()));
  EXPECT_THAT(client->ManifestDigest("kiln/busybox", "does-not-exist"),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(client->ManifestDigest("Bad Name", "1"),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(BaseImageTest, SeedFailsClearlyWithoutBusybox) {
  TempDir other_dir;
  EmbeddedRegistryOptions options;
  options.listen = FreeLoopbackAddress();
  options.dir = other_dir.path() + "/registry";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EmbeddedRegistry> empty,
                       EmbeddedRegistry::Start(options, clock_));
  SeedOptions seed;
  seed.busybox = "/nonexistent/busybox";
  EXPECT_THAT(
      SeedBaseImage(empty->address(), other_dir.path() + "/w", seed),
      StatusIs(StatusCode::kFailedPrecondition, HasSubstr("busybox-static")));
}

}  // namespace
}  // namespace kiln

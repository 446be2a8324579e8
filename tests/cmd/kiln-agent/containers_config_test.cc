#include "cmd/kiln-agent/containers_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cmd/kiln-agent/agent_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ContainersConfigTest, RegistryIsTheOnlyInsecureSearchRegistry) {
  ASSERT_OK_AND_ASSIGN(std::string conf, RegistriesConf("127.0.0.1:5000"));
  EXPECT_THAT(conf, HasSubstr("unqualified-search-registries = "
                              "[\"127.0.0.1:5000\"]\n"));
  EXPECT_THAT(conf, HasSubstr("[[registry]]\nlocation = \"127.0.0.1:5000\"\n"
                              "insecure = true\n"));
  EXPECT_THAT(conf, HasSubstr("location = \"docker.io\"\nblocked = true\n"));
  EXPECT_THAT(conf, Not(HasSubstr("quay.io")));
}

TEST(ContainersConfigTest, SignaturesLookasideIsThePrivateDirectory) {
  EXPECT_EQ(RegistriesDConf("/w/containers/sigstore"),
            "# Written by kiln-agent for one build.\ndefault-docker:\n"
            "  lookaside: \"file:///w/containers/sigstore\"\n");
  EXPECT_THAT(RegistriesDConf("/w/\"x"), HasSubstr("\"file:///w/\\\"x\""));
}

TEST(ContainersConfigTest, RejectsBadRegistry) {
  EXPECT_THAT(RegistriesConf(""), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(RegistriesConf("evil\"]\nx=1"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(RegistriesConf("host/path"),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(ContainersConfigTest, StorageConf) {
  EXPECT_EQ(StorageConf("overlay", "/s/root", "/s/run"),
            "# Written by kiln-agent for one build.\n[storage]\n"
            "driver = \"overlay\"\ngraphroot = \"/s/root\"\n"
            "runroot = \"/s/run\"\n");
}

TEST(ContainersConfigTest, ChoosesStorageDriver) {
  testing::TempDir dir;
  EXPECT_EQ(ChooseStorageDriver(dir.path(), "nodev\tproc\nnodev\toverlay\n"),
            "overlay");
  EXPECT_EQ(ChooseStorageDriver(dir.path(), "nodev\tproc\n"), "vfs");
  std::filesystem::create_directories(dir.Sub("vfs"));
  EXPECT_EQ(ChooseStorageDriver(dir.path(), "nodev\toverlay\n"), "vfs");
}

}  // namespace
}  // namespace kiln

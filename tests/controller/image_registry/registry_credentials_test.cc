#include "controller/image_registry/registry_credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "controller/base/base64.h"

namespace kiln {
namespace {

TEST(RegistryCredentialsTest, BuildCredentialsAreBoundToNamespaceNameAndUid) {
  const RegistryCredentials credentials(std::string(32, 'k'));
  const RegistryCredential c = credentials.ForBuild("team-a", "web", "uid-1");
  EXPECT_EQ(c.username, "kiln-build/team-a/web");
  EXPECT_EQ(c.password.size(), 64u);
  EXPECT_TRUE(
      credentials.IsBuildPassword("team-a", "web", "uid-1", c.password));
  EXPECT_FALSE(
      credentials.IsBuildPassword("team-a", "web", "uid-2", c.password));
  EXPECT_FALSE(
      credentials.IsBuildPassword("team-b", "web", "uid-1", c.password));
  EXPECT_FALSE(credentials.IsBuildPassword("team-a", "web", "uid-1", ""));
  // No ambiguity between "a" + "b/c" and "a/b" + "c".
  EXPECT_NE(credentials.ForBuild("a", "bc", "u").password,
            credentials.ForBuild("ab", "c", "u").password);
  EXPECT_FALSE(credentials.IsSystemPassword(c.password));
  EXPECT_TRUE(credentials.IsSystemPassword(credentials.ForSystem().password));
  const RegistryCredentials other(std::string(32, 'x'));
  EXPECT_FALSE(other.IsBuildPassword("team-a", "web", "uid-1", c.password));
}

TEST(RegistryCredentialsTest, ParsesOnlyWellFormedBuildUsers) {
  const std::optional<RegistryBuildUser> user =
      ParseRegistryBuildUser("kiln-build/team-a/web");
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->namespace_, "team-a");
  EXPECT_EQ(user->name, "web");
  for (const char* bad :
       {"kiln-build/", "kiln-build/a", "kiln-build/a/", "kiln-build//b",
        "kiln-build/a/b/c", "alice", "kiln-system"}) {
    EXPECT_FALSE(ParseRegistryBuildUser(bad).has_value()) << bad;
  }
}

TEST(RegistryCredentialsTest, AuthFileIsWhatBuildahReads) {
  const nlohmann::json file = nlohmann::json::parse(
      RenderContainersAuthFile("127.0.0.1:5000", {"kiln-build/a/b", "secret"}));
  EXPECT_EQ(
      *Base64Decode(file["auths"]["127.0.0.1:5000"]["auth"].get<std::string>()),
      "kiln-build/a/b:secret");
}

}  // namespace
}  // namespace kiln

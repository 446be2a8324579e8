// First-start token file creation and its reuse on later starts.
#include "controller/apiserver/auth_bootstrap.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "api_types/status.h"
#include "controller/apiserver/auth_tokens.h"
#include "controller/apiserver/user_info.h"
#include "controller/base/files.h"
#include "tests/controller/apiserver/file_mode.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace kiln {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

class AuthBootstrapTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  testing::TempDir dir_;
};

TEST(GenerateTokenTest, Is64HexCharactersAndRandom) {
  ASSERT_OK_AND_ASSIGN(std::string a, GenerateToken());
  ASSERT_OK_AND_ASSIGN(std::string b, GenerateToken());
  EXPECT_THAT(a, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_NE(a, b);
}

TEST_F(AuthBootstrapTest, FirstStartCreatesPrivateTokenFile) {
  ASSERT_OK_AND_ASSIGN(BootstrapResult result,
                       EnsureAuthFiles(dir_.Sub("tokens.csv")));
  EXPECT_TRUE(result.created);
  EXPECT_EQ(result.token_file, dir_.Sub("tokens.csv"));
  EXPECT_EQ(FileMode(result.token_file), 0600);
  EXPECT_THAT(result.admin_token, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_THAT(result.controller_token, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_NE(result.admin_token, result.controller_token);
}

TEST_F(AuthBootstrapTest, TokensAuthenticateAsAdminAndController) {
  ASSERT_OK_AND_ASSIGN(BootstrapResult result,
                       EnsureAuthFiles(dir_.Sub("tokens.csv")));
  ASSERT_OK_AND_ASSIGN(TokenTable table, LoadTokenFile(result.token_file));
  EXPECT_EQ(table.size(), 2u);
  const UserInfo* admin = table.Find(result.admin_token);
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(admin->name, "admin");
  EXPECT_THAT(admin->groups, ElementsAre(kAdminGroup));
  const UserInfo* controller = table.Find(result.controller_token);
  ASSERT_NE(controller, nullptr);
  EXPECT_EQ(controller->name, "kiln-controller");
  EXPECT_THAT(controller->groups, ElementsAre(kControllerGroup));
}

TEST_F(AuthBootstrapTest, LaterStartReusesTokens) {
  ASSERT_OK_AND_ASSIGN(BootstrapResult first,
                       EnsureAuthFiles(dir_.Sub("tokens.csv")));
  ASSERT_OK_AND_ASSIGN(std::string text, ReadWholeFile(first.token_file));
  ASSERT_OK_AND_ASSIGN(BootstrapResult second,
                       EnsureAuthFiles(dir_.Sub("tokens.csv")));
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.admin_token, first.admin_token);
  EXPECT_EQ(second.controller_token, first.controller_token);
  EXPECT_THAT(ReadWholeFile(first.token_file), IsOkAndHolds(text));
}

TEST_F(AuthBootstrapTest, OperatorEditedFileIsHonoured) {
  ASSERT_OK(
      WriteFileAtomically(dir_.Sub("tokens.csv"),
                          "# mine\n"
                          "ops-token,ops,o1,system:masters\n"
                          "user-token,alice,u1,kiln:users\n"
                          "ctl-token,kiln-controller,c1,kiln:controllers\n"
                          "admin-token,admin,a1,\"system:masters,extra\"\n",
                          kPrivateFileMode));
  ASSERT_OK_AND_ASSIGN(BootstrapResult result,
                       EnsureAuthFiles(dir_.Sub("tokens.csv")));
  EXPECT_FALSE(result.created);
  EXPECT_EQ(result.admin_token, "admin-token");
  EXPECT_EQ(result.controller_token, "ctl-token");
}

TEST_F(AuthBootstrapTest, FallsBackToFirstAdminGroupToken) {
  ASSERT_OK(WriteFileAtomically(dir_.Sub("tokens.csv"),
                                "ops-token,ops,o1,system:masters\n"
                                "ctl-token,ctl,c1,kiln:controllers\n",
                                kPrivateFileMode));
  ASSERT_OK_AND_ASSIGN(BootstrapResult result,
                       EnsureAuthFiles(dir_.Sub("tokens.csv")));
  EXPECT_EQ(result.admin_token, "ops-token");
}

TEST_F(AuthBootstrapTest, FileWithoutControllerTokenFailsClearly) {
  ASSERT_OK(WriteFileAtomically(dir_.Sub("tokens.csv"),
                                "admin-token,admin,a1,system:masters\n",
                                kPrivateFileMode));
  EXPECT_THAT(EnsureAuthFiles(dir_.Sub("tokens.csv")),
              StatusIs(StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("kiln:controllers"),
                             HasSubstr(dir_.Sub("tokens.csv")),
                             Not(HasSubstr("admin-token")))));
}

TEST_F(AuthBootstrapTest, BrokenFileIsReportedNotOverwritten) {
  const std::string text = "secret-token,admin\nsecret-token,a,b\n";
  ASSERT_OK(
      WriteFileAtomically(dir_.Sub("tokens.csv"), text, kPrivateFileMode));
  EXPECT_THAT(EnsureAuthFiles(dir_.Sub("tokens.csv")),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("line 1"), Not(HasSubstr("secret")))));
  EXPECT_THAT(ReadWholeFile(dir_.Sub("tokens.csv")), IsOkAndHolds(text));

  ASSERT_OK(WriteFileAtomically(dir_.Sub("tokens.csv"),
                                "dup,admin,a,system:masters\n"
                                "dup,ctl,c,kiln:controllers\n",
                                kPrivateFileMode));
  EXPECT_THAT(EnsureAuthFiles(dir_.Sub("tokens.csv")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("duplicate")));
}

TEST_F(AuthBootstrapTest, CreatesMissingDataDirectory) {
  const std::string data_dir = dir_.Sub("nested/.kiln");
  ASSERT_OK_AND_ASSIGN(BootstrapResult result,
                       EnsureAuthFiles(data_dir + "/tokens.csv"));
  EXPECT_EQ(FileMode(data_dir), 0700);
  EXPECT_EQ(FileMode(result.token_file), 0600);
}

}  // namespace
}  // namespace kiln

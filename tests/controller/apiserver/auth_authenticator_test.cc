// Bearer-token authentication and the --insecure-dev anonymous mode.
#include "controller/apiserver/auth_authenticator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "api_types/status.h"
#include "controller/apiserver/auth_tokens.h"
#include "controller/apiserver/http.h"
#include "controller/apiserver/user_info.h"
#include "controller/base/files.h"
#include "tests/controller/apiserver/file_mode.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace kiln {
namespace {

using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::Field;

TokenTable TestTokens() {
  StatusOr<TokenTable> table = ParseTokenFile(
      "admin-token,admin,a1,system:masters\n"
      "user-token,alice,u1,\"kiln:users,team\"\n");
  EXPECT_OK(table);
  return table.ok() ? std::move(table).value() : TokenTable();
}

HttpRequest WithAuthorization(const std::string& value) {
  HttpRequest request;
  request.method = "GET";
  request.path = "/apis/kiln.dev/v1/builds";
  request.headers["authorization"] = value;
  return request;
}

auto IsUnauthorized() {
  return StatusIs(StatusCode::kUnauthenticated, Eq("Unauthorized"));
}

TEST(AuthenticatorTest, BearerTokenYieldsItsUser) {
  const Authenticator authn(TestTokens());
  ASSERT_OK_AND_ASSIGN(
      UserInfo user,
      authn.Authenticate(WithAuthorization("Bearer user-token")));
  EXPECT_EQ(user.name, "alice");
  EXPECT_EQ(user.uid, "u1");
  EXPECT_THAT(user.groups,
              ElementsAre("kiln:users", "team", kAuthenticatedGroup));
}

TEST(AuthenticatorTest, SchemeIsCaseInsensitiveAndBlanksAreTolerated) {
  const Authenticator authn(TestTokens());
  for (const char* header :
       {"bearer admin-token", "BEARER admin-token", "  Bearer \t admin-token  ",
        "bEaReR\tadmin-token"}) {
    EXPECT_THAT(authn.Authenticate(WithAuthorization(header)),
                IsOkAndHolds(Field(&UserInfo::name, "admin")))
        << header;
  }
}

TEST(AuthenticatorTest, MissingHeaderIsUnauthorized) {
  const Authenticator authn(TestTokens());
  HttpRequest request;
  request.path = "/version";
  EXPECT_THAT(authn.Authenticate(request), IsUnauthorized());
}

TEST(AuthenticatorTest, BadCredentialsAreUnauthorized) {
  const Authenticator authn(TestTokens());
  for (const char* header :
       {"Bearer wrong-token", "Bearer user-tokenx", "Bearer user-toke",
        "Bearer", "Bearer   ", "Bearer user-token extra", "Basic dXNlcjpwYXNz",
        "user-token", ""}) {
    EXPECT_THAT(authn.Authenticate(WithAuthorization(header)), IsUnauthorized())
        << "header: " << header;
  }
}

TEST(AuthenticatorTest, EmptyTableRejectsEverything) {
  const Authenticator authn{TokenTable()};
  EXPECT_THAT(authn.Authenticate(WithAuthorization("Bearer x")),
              IsUnauthorized());
}

TEST(AuthenticatorTest, AnonymousModeAdmitsRequestsWithoutCredentials) {
  const Authenticator authn(TestTokens(), /*allow_anonymous=*/true);
  HttpRequest request;
  request.path = "/apis/kiln.dev/v1/builds";
  ASSERT_OK_AND_ASSIGN(UserInfo user, authn.Authenticate(request));
  EXPECT_EQ(user.name, "system:anonymous");
  EXPECT_EQ(user.uid, "");
  EXPECT_THAT(user.groups,
              ElementsAre("system:unauthenticated", "system:masters"));
  EXPECT_THAT(authn.Authenticate(WithAuthorization("Basic dXNlcjpwYXNz")),
              IsOkAndHolds(Field(&UserInfo::name, "system:anonymous")));
}

TEST(AuthenticatorTest, AnonymousModeStillRejectsWrongTokens) {
  const Authenticator authn(TestTokens(), /*allow_anonymous=*/true);
  EXPECT_THAT(authn.Authenticate(WithAuthorization("Bearer wrong-token")),
              IsUnauthorized());
  EXPECT_THAT(authn.Authenticate(WithAuthorization("Bearer admin-token")),
              IsOkAndHolds(Field(&UserInfo::name, "admin")));
}

TEST(AuthenticatorTest, AnonymousFactoryAdmitsOnlyCredentialLessRequests) {
  const Authenticator authn = Authenticator::Anonymous();
  EXPECT_THAT(authn.Authenticate(HttpRequest()),
              IsOkAndHolds(Field(&UserInfo::name, "system:anonymous")));
  EXPECT_THAT(authn.Authenticate(WithAuthorization("Bearer admin-token")),
              IsUnauthorized());
}

TEST(AuthenticatorTest, LoadAuthenticatorReadsTokenFile) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string path = dir.Sub("tokens.csv");
  ASSERT_OK(WriteFileAtomically(path, "file-token,carol,c1,kiln:users\n",
                                kPrivateFileMode));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Authenticator> authn,
                       LoadAuthenticator(path));
  EXPECT_THAT(authn->Authenticate(WithAuthorization("Bearer file-token")),
              IsOkAndHolds(Field(&UserInfo::name, "carol")));
  EXPECT_THAT(authn->Authenticate(HttpRequest()), IsUnauthorized());

  ASSERT_OK_AND_ASSIGN(authn, LoadAuthenticator(path, true));
  EXPECT_THAT(authn->Authenticate(HttpRequest()),
              IsOkAndHolds(Field(&UserInfo::name, "system:anonymous")));
  EXPECT_THAT(LoadAuthenticator(dir.Sub("missing.csv")),
              StatusIs(StatusCode::kNotFound));
}

}  // namespace
}  // namespace kiln

// The fixed authorization policy: discovery for all, status writes for the
// controller only, admins everything else, users their namespaces' builds
// and sources.
#include "controller/apiserver/auth_authorizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "api_types/status.h"
#include "controller/apiserver/request_info.h"
#include "controller/apiserver/user_info.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::Eq;
using ::testing::HasSubstr;

const UserInfo kAdmin{"admin", "a1", {kAdminGroup, "system:authenticated"}};
const UserInfo kController{"kiln-controller", "c1", {kControllerGroup}};
const UserInfo kUser{
    "bob",
    "u1",
    {kUsersGroup, "kiln:namespace:default", "system:authenticated"}};
const UserInfo kNobody{"eve", "e1", {"system:authenticated"}};

RequestInfo Resource(const std::string& verb, const std::string& resource,
                     const std::string& subresource = "",
                     const std::string& name = "x",
                     const std::string& ns = "default") {
  RequestInfo info;
  info.is_resource_request = true;
  info.verb = verb;
  info.api_group = "kiln.dev";
  info.api_version = "v1";
  info.namespace_ = ns;
  info.resource = resource;
  info.subresource = subresource;
  info.name = name;
  return info;
}

RequestInfo NonResource(const std::string& verb, const std::string& path) {
  RequestInfo info;
  info.verb = verb;
  info.path = path;
  return info;
}

TEST(AuthorizerTest, DiscoveryAndHealthAreOpenToAnyAuthenticatedUser) {
  for (const char* path :
       {"/version", "/api", "/apis", "/apis/kiln.dev", "/apis/kiln.dev/v1",
        "/openapi/v2", "/openapi/v3", "/openapi/v3/apis/kiln.dev/v1",
        "/healthz", "/readyz", "/livez", "/healthz/ping"}) {
    EXPECT_OK(Authorize(kNobody, NonResource("get", path))) << path;
  }
}

TEST(AuthorizerTest, LookalikePathsAndWritesAreNotPublic) {
  EXPECT_THAT(Authorize(kNobody, NonResource("get", "/versionx")),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(Authorize(kNobody, NonResource("get", "/apisecret")),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(Authorize(kNobody, NonResource("post", "/version")),
              StatusIs(StatusCode::kPermissionDenied));
}

TEST(AuthorizerTest, MetricsIsForAdminAndControllerOnly) {
  EXPECT_OK(Authorize(kAdmin, NonResource("get", "/metrics")));
  EXPECT_OK(Authorize(kController, NonResource("get", "/metrics")));
  EXPECT_THAT(
      Authorize(kUser, NonResource("get", "/metrics")),
      StatusIs(StatusCode::kPermissionDenied,
               Eq("forbidden: User \"bob\" cannot get path \"/metrics\"")));
}

TEST(AuthorizerTest, StatusWritesAreForTheControllerOnly) {
  for (const char* verb : {"update", "patch"}) {
    EXPECT_OK(Authorize(kController, Resource(verb, "builds", "status")));
    EXPECT_THAT(Authorize(kAdmin, Resource(verb, "builds", "status")),
                StatusIs(StatusCode::kPermissionDenied,
                         HasSubstr("written only by the Kiln controller")))
        << verb;
    EXPECT_THAT(Authorize(kUser, Resource(verb, "builds", "status")),
                StatusIs(StatusCode::kPermissionDenied))
        << verb;
  }
  EXPECT_THAT(
      Authorize(kAdmin, Resource("update", "nodes", "status", "n1", "")),
      StatusIs(StatusCode::kPermissionDenied));
}

TEST(AuthorizerTest, StatusWriteMessageFollowsKubeApiserver) {
  EXPECT_THAT(
      Authorize(kUser, Resource("update", "builds", "status")),
      StatusIs(StatusCode::kPermissionDenied,
               HasSubstr("builds.kiln.dev \"x\" is forbidden: User \"bob\" "
                         "cannot update resource \"builds/status\" in API "
                         "group \"kiln.dev\" in the namespace \"default\": ")));
}

TEST(AuthorizerTest, AnyoneAllowedToReadABuildMayReadItsStatus) {
  EXPECT_OK(Authorize(kUser, Resource("get", "builds", "status")));
  EXPECT_OK(Authorize(kAdmin, Resource("get", "builds", "status")));
}

TEST(AuthorizerTest, AdminMayDoEverythingElse) {
  for (const char* verb : {"get", "list", "watch", "create", "update", "patch",
                           "delete", "deletecollection"}) {
    EXPECT_OK(Authorize(kAdmin, Resource(verb, "builds"))) << verb;
    EXPECT_OK(Authorize(kAdmin, Resource(verb, "nodes", "", "n1", ""))) << verb;
  }
  EXPECT_OK(Authorize(kAdmin, NonResource("post", "/debug/anything")));
}

TEST(AuthorizerTest, ControllerMayDoEverything) {
  EXPECT_OK(Authorize(kController, Resource("create", "events")));
  EXPECT_OK(Authorize(kController, Resource("update", "nodes", "", "n1", "")));
  EXPECT_OK(Authorize(kController, Resource("delete", "builds")));
}

TEST(AuthorizerTest, UsersManageBuildsAndSourcesAndReadNodesAndEvents) {
  for (const char* verb : {"get", "list", "watch", "create", "update", "patch",
                           "delete", "deletecollection"}) {
    EXPECT_OK(Authorize(kUser, Resource(verb, "builds"))) << verb;
    EXPECT_OK(Authorize(kUser, Resource(verb, "sources"))) << verb;
  }
  EXPECT_OK(Authorize(kUser, Resource("get", "builds", "log")));
  for (const char* verb : {"get", "list", "watch"}) {
    EXPECT_OK(Authorize(kUser, Resource(verb, "nodes", "", "n1", ""))) << verb;
    EXPECT_OK(Authorize(kUser, Resource(verb, "events"))) << verb;
  }
}

// Issue 12 item 7: namespaces are the tenancy boundary.
TEST(AuthorizerTest, UsersWorkOnlyInTheNamespacesTheirGroupsGrant) {
  EXPECT_THAT(
      Authorize(kUser, Resource("get", "builds", "", "x", "other")),
      StatusIs(StatusCode::kPermissionDenied,
               HasSubstr("not a member of group \"kiln:namespace:other\"")));
  EXPECT_THAT(Authorize(kUser, Resource("get", "builds", "log", "x", "other")),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(Authorize(kUser, Resource("create", "sources", "", "", "other")),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(Authorize(kUser, Resource("list", "events", "", "", "other")),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(Authorize(kUser, Resource("list", "builds", "", "", "")),
              StatusIs(StatusCode::kPermissionDenied,
                       HasSubstr("across all namespaces")));
  EXPECT_OK(Authorize(kAdmin, Resource("list", "builds", "", "", "")));
  // A namespace group alone is enough; kiln:users alone grants no namespace.
  const UserInfo only_ns{"carol", "u3", {"kiln:namespace:ci"}};
  EXPECT_OK(Authorize(only_ns, Resource("create", "builds", "", "", "ci")));
  EXPECT_OK(Authorize(only_ns, Resource("list", "nodes", "", "", "")));
  const UserInfo no_ns{"dave", "u4", {kUsersGroup}};
  EXPECT_THAT(Authorize(no_ns, Resource("get", "builds")),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_OK(Authorize(no_ns, Resource("get", "nodes", "", "n1", "")));
  EXPECT_THAT(Authorize(kNobody, Resource("get", "nodes", "", "n1", "")),
              StatusIs(StatusCode::kPermissionDenied));
}

TEST(AuthorizerTest, AnyoneMayAskWhatTheyMayDo) {
  RequestInfo review;
  review.is_resource_request = true;
  review.verb = "create";
  review.api_group = kAccessReviewGroup;
  review.resource = kSelfAccessReviews;
  EXPECT_OK(Authorize(kNobody, review));
  review.verb = "list";
  EXPECT_THAT(Authorize(kNobody, review),
              StatusIs(StatusCode::kPermissionDenied));
}

TEST(AuthorizerTest, UsersMayNotWriteNodesOrEvents) {
  EXPECT_THAT(
      Authorize(kUser, Resource("update", "nodes", "", "n1", "")),
      StatusIs(StatusCode::kPermissionDenied,
               Eq("nodes.kiln.dev \"n1\" is forbidden: User \"bob\" cannot "
                  "update resource \"nodes\" in API group \"kiln.dev\" at "
                  "the cluster scope")));
  EXPECT_THAT(Authorize(kUser, Resource("create", "events", "", "")),
              StatusIs(StatusCode::kPermissionDenied,
                       Eq("events.kiln.dev is forbidden: User \"bob\" cannot "
                          "create resource \"events\" in API group "
                          "\"kiln.dev\" in the namespace \"default\"")));
}

TEST(AuthorizerTest, UsersWithoutAKilnGroupGetNoResources) {
  EXPECT_THAT(Authorize(kNobody, Resource("get", "builds")),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(Authorize(kNobody, Resource("list", "nodes", "", "", "")),
              StatusIs(StatusCode::kPermissionDenied));
}

TEST(AuthorizerTest, UnknownResourcesAreForbiddenForUsers) {
  EXPECT_THAT(Authorize(kUser, Resource("get", "secrets")),
              StatusIs(StatusCode::kPermissionDenied));
}

}  // namespace
}  // namespace kiln

#include "controller/apiserver/request_info.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using Query = std::map<std::string, std::string>;

struct ResourceCase {
  std::string method;
  std::string path;
  Query query;
  std::string verb;
  std::string namespace_;
  std::string resource;
  std::string name;
  std::string subresource;
};

class ResourceRequestTest : public ::testing::TestWithParam<ResourceCase> {};

TEST_P(ResourceRequestTest, ParsesLikeKubeApiserver) {
  const ResourceCase& c = GetParam();
  ASSERT_OK_AND_ASSIGN(RequestInfo info,
                       ParseRequestInfo(c.method, c.path, c.query));
  EXPECT_TRUE(info.is_resource_request);
  EXPECT_EQ(info.verb, c.verb);
  EXPECT_EQ(info.api_group, "kiln.dev");
  EXPECT_EQ(info.api_version, "v1");
  EXPECT_EQ(info.namespace_, c.namespace_);
  EXPECT_EQ(info.resource, c.resource);
  EXPECT_EQ(info.name, c.name);
  EXPECT_EQ(info.subresource, c.subresource);
  EXPECT_EQ(info.path, c.path);
}

constexpr char kNs[] = "/apis/kiln.dev/v1/namespaces/default";

INSTANTIATE_TEST_SUITE_P(
    Paths, ResourceRequestTest,
    ::testing::Values(
        ResourceCase{"GET",
                     std::string(kNs) + "/builds",
                     {},
                     "list",
                     "default",
                     "builds",
                     "",
                     ""},
        ResourceCase{"GET",
                     std::string(kNs) + "/builds",
                     {{"watch", "1"}},
                     "watch",
                     "default",
                     "builds",
                     "",
                     ""},
        ResourceCase{"GET",
                     std::string(kNs) + "/builds",
                     {{"watch", "true"}},
                     "watch",
                     "default",
                     "builds",
                     "",
                     ""},
        // metav1.ListOptions: any value but "0"/"false" is true.
        ResourceCase{"GET",
                     std::string(kNs) + "/builds",
                     {{"watch", ""}},
                     "watch",
                     "default",
                     "builds",
                     "",
                     ""},
        ResourceCase{"GET",
                     std::string(kNs) + "/builds",
                     {{"watch", "0"}},
                     "list",
                     "default",
                     "builds",
                     "",
                     ""},
        ResourceCase{"GET",
                     std::string(kNs) + "/builds",
                     {{"watch", "False"}},
                     "list",
                     "default",
                     "builds",
                     "",
                     ""},
        ResourceCase{"POST",
                     std::string(kNs) + "/builds",
                     {},
                     "create",
                     "default",
                     "builds",
                     "",
                     ""},
        ResourceCase{"DELETE",
                     std::string(kNs) + "/builds",
                     {},
                     "deletecollection",
                     "default",
                     "builds",
                     "",
                     ""},
        ResourceCase{"GET",
                     std::string(kNs) + "/builds/hello",
                     {},
                     "get",
                     "default",
                     "builds",
                     "hello",
                     ""},
        ResourceCase{"HEAD",
                     std::string(kNs) + "/builds/hello",
                     {},
                     "get",
                     "default",
                     "builds",
                     "hello",
                     ""},
        // watch=1 on an item is still a get, as in kube-apiserver.
        ResourceCase{"GET",
                     std::string(kNs) + "/builds/hello",
                     {{"watch", "1"}},
                     "get",
                     "default",
                     "builds",
                     "hello",
                     ""},
        ResourceCase{"PUT",
                     std::string(kNs) + "/builds/hello",
                     {},
                     "update",
                     "default",
                     "builds",
                     "hello",
                     ""},
        ResourceCase{"PATCH",
                     std::string(kNs) + "/builds/hello",
                     {},
                     "patch",
                     "default",
                     "builds",
                     "hello",
                     ""},
        ResourceCase{"DELETE",
                     std::string(kNs) + "/builds/hello",
                     {},
                     "delete",
                     "default",
                     "builds",
                     "hello",
                     ""},
        ResourceCase{"OPTIONS",
                     std::string(kNs) + "/builds/hello",
                     {},
                     "",
                     "default",
                     "builds",
                     "hello",
                     ""},
        ResourceCase{"GET",
                     std::string(kNs) + "/builds/hello/status",
                     {},
                     "get",
                     "default",
                     "builds",
                     "hello",
                     "status"},
        ResourceCase{"PUT",
                     std::string(kNs) + "/builds/hello/status",
                     {},
                     "update",
                     "default",
                     "builds",
                     "hello",
                     "status"},
        ResourceCase{"PATCH",
                     std::string(kNs) + "/builds/hello/status",
                     {},
                     "patch",
                     "default",
                     "builds",
                     "hello",
                     "status"},
        ResourceCase{"GET",
                     std::string(kNs) + "/builds/hello/log",
                     {{"follow", "true"}},
                     "get",
                     "default",
                     "builds",
                     "hello",
                     "log"},
        ResourceCase{"GET",
                     "/apis/kiln.dev/v1/builds",
                     {},
                     "list",
                     "",
                     "builds",
                     "",
                     ""},
        ResourceCase{"GET",
                     "/apis/kiln.dev/v1/builds",
                     {{"watch", "1"}},
                     "watch",
                     "",
                     "builds",
                     "",
                     ""},
        ResourceCase{
            "GET", "/apis/kiln.dev/v1/nodes", {}, "list", "", "nodes", "", ""},
        ResourceCase{"GET",
                     "/apis/kiln.dev/v1/nodes/node-a",
                     {},
                     "get",
                     "",
                     "nodes",
                     "node-a",
                     ""},
        ResourceCase{"GET",
                     "/apis/kiln.dev/v1/nodes/node-a/status",
                     {},
                     "get",
                     "",
                     "nodes",
                     "node-a",
                     "status"},
        ResourceCase{"GET",
                     std::string(kNs) + "/events",
                     {},
                     "list",
                     "default",
                     "events",
                     "",
                     ""},
        ResourceCase{"GET",
                     std::string(kNs) + "/events/hello.1",
                     {},
                     "get",
                     "default",
                     "events",
                     "hello.1",
                     ""},
        ResourceCase{"GET",
                     "/apis/kiln.dev/v1/events",
                     {{"watch", "1"}},
                     "watch",
                     "",
                     "events",
                     "",
                     ""},
        ResourceCase{"POST",
                     std::string(kNs) + "/sources",
                     {},
                     "create",
                     "default",
                     "sources",
                     "",
                     ""},
        ResourceCase{
            "GET",
            std::string(kNs) + "/sources/sha256:" + std::string(64, 'a'),
            {},
            "get",
            "default",
            "sources",
            "sha256:" + std::string(64, 'a'),
            ""},
        // A trailing slash is ignored, as kube-apiserver trims it.
        ResourceCase{"GET",
                     std::string(kNs) + "/builds/",
                     {},
                     "list",
                     "default",
                     "builds",
                     "",
                     ""}));

class NonResourceRequestTest : public ::testing::TestWithParam<std::string> {};

TEST_P(NonResourceRequestTest, IsNotAResourceRequest) {
  ASSERT_OK_AND_ASSIGN(RequestInfo info,
                       ParseRequestInfo("GET", GetParam(), {{"watch", "1"}}));
  EXPECT_FALSE(info.is_resource_request);
  EXPECT_EQ(info.verb, "get");
  EXPECT_EQ(info.path, GetParam());
  EXPECT_EQ(info.resource, "");
}

INSTANTIATE_TEST_SUITE_P(
    Paths, NonResourceRequestTest,
    ::testing::Values("/", "/version", "/api", "/apis", "/apis/kiln.dev",
                      "/apis/kiln.dev/v1", "/apis/kiln.dev/v1/", "/openapi/v2",
                      "/openapi/v3", "/openapi/v3/apis/kiln.dev/v1", "/healthz",
                      "/readyz", "/livez", "/metrics"));

TEST(RequestInfoTest, NonResourceVerbIsTheLowercaseMethod) {
  ASSERT_OK_AND_ASSIGN(RequestInfo info,
                       ParseRequestInfo("POST", "/healthz", {}));
  EXPECT_FALSE(info.is_resource_request);
  EXPECT_EQ(info.verb, "post");
}

class UnknownPathTest : public ::testing::TestWithParam<std::string> {};

TEST_P(UnknownPathTest, IsNotFound) {
  const std::string& path = GetParam();
  EXPECT_THAT(
      ParseRequestInfo("GET", path, {}),
      StatusIs(
          StatusCode::kNotFound,
          AllOf(StartsWith("the server could not find the requested resource"),
                HasSubstr("GET " + path))));
}

INSTANTIATE_TEST_SUITE_P(
    Paths, UnknownPathTest,
    ::testing::Values(
        // Core group: /api answers "no versions", so nothing below exists.
        "/api/v1", "/api/v1/namespaces/default/pods",
        // Other groups and versions.
        "/apis/apps", "/apis/apps/v1", "/apis/apps/v1/deployments",
        "/apis/kiln.dev/v2", "/apis/kiln.dev/v2/builds",
        // Unknown resources and subresources.
        "/apis/kiln.dev/v1/widgets",
        "/apis/kiln.dev/v1/namespaces/default/widgets",
        "/apis/kiln.dev/v1/namespaces/default/builds/hello/scale",
        "/apis/kiln.dev/v1/nodes/node-a/log",
        "/apis/kiln.dev/v1/namespaces/default/events/e/status",
        // The namespaces resource itself is not served.
        "/apis/kiln.dev/v1/namespaces", "/apis/kiln.dev/v1/namespaces/default",
        // Too many segments.
        "/apis/kiln.dev/v1/namespaces/default/builds/hello/status/extra",
        // Wrong scope: nodes are cluster-scoped; a namespaced object needs
        // its namespace.
        "/apis/kiln.dev/v1/namespaces/default/nodes",
        "/apis/kiln.dev/v1/namespaces/default/nodes/node-a",
        "/apis/kiln.dev/v1/builds/hello",
        "/apis/kiln.dev/v1/builds/hello/status",
        // Empty segments.
        "/apis/kiln.dev/v1/namespaces//builds",
        "/apis/kiln.dev/v1/namespaces/default//hello",
        // The legacy /watch/ prefix is not served.
        "/apis/kiln.dev/v1/watch/namespaces/default/builds"));

}  // namespace
}  // namespace kiln

namespace kiln {
namespace {

TEST(IsPathUnderTest, RootOrSubPathOnly) {
  EXPECT_TRUE(IsPathUnder("/healthz", "/healthz"));
  EXPECT_TRUE(IsPathUnder("/healthz/ping", "/healthz"));
  EXPECT_FALSE(IsPathUnder("/healthzz", "/healthz"));
  EXPECT_FALSE(IsPathUnder("/health", "/healthz"));
  EXPECT_FALSE(IsPathUnder("/api", "/apis"));
  EXPECT_TRUE(IsPathUnder("/apis/kiln.dev/v1", "/apis"));
}

}  // namespace
}  // namespace kiln

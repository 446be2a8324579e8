#include "controller/apiserver/discovery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controller/apiserver/request_info.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;

json ResourceNamed(const json& list, const std::string& name) {
  for (const json& r : list["resources"]) {
    if (r["name"] == name) return r;
  }
  return nullptr;
}

TEST(DiscoveryTest, VersionLooksLikeAKubernetes132Server) {
  VersionInfo info;
  info.kiln_version = "0.1.0";
  info.git_commit = "abc123";
  const json v = VersionJson(info);
  EXPECT_EQ(v["major"], "1");
  EXPECT_EQ(v["minor"], "32");
  EXPECT_EQ(v["gitVersion"], "v1.32.0+kiln-0.1.0");
  EXPECT_EQ(v["gitCommit"], "abc123");
  EXPECT_THAT(v["platform"].get<std::string>(), MatchesRegex("linux/.+"));
  // Every field of version.Info is present (no omitempty there).
  for (const char* key :
       {"gitTreeState", "buildDate", "goVersion", "compiler"}) {
    EXPECT_TRUE(v.contains(key)) << key;
  }
}

TEST(DiscoveryTest, ApiListsNoCoreVersions) {
  const json j = ApiVersionsJson();
  EXPECT_EQ(j["kind"], "APIVersions");
  EXPECT_TRUE(j["versions"].is_array());
  EXPECT_TRUE(j["versions"].empty());
}

TEST(DiscoveryTest, ApisListsKilnGroup) {
  const json expected = json::parse(R"({
    "kind": "APIGroupList", "apiVersion": "v1",
    "groups": [{
      "name": "kiln.dev",
      "versions": [{"groupVersion": "kiln.dev/v1", "version": "v1"}],
      "preferredVersion": {"groupVersion": "kiln.dev/v1", "version": "v1"}
    }]})");
  EXPECT_EQ(ApiGroupListJson(), expected);
}

TEST(DiscoveryTest, ApiGroupIsTheGroupWithTypeMeta) {
  const json j = ApiGroupJson();
  EXPECT_EQ(j["kind"], "APIGroup");
  EXPECT_EQ(j["apiVersion"], "v1");
  EXPECT_EQ(j["name"], "kiln.dev");
  EXPECT_EQ(j["preferredVersion"]["groupVersion"], "kiln.dev/v1");
}

TEST(DiscoveryTest, ResourceListHasBuildsWithShortNameAndAllVerbs) {
  const json list = ApiResourceListJson();
  EXPECT_EQ(list["kind"], "APIResourceList");
  EXPECT_EQ(list["apiVersion"], "v1");
  EXPECT_EQ(list["groupVersion"], "kiln.dev/v1");
  const json builds = ResourceNamed(list, "builds");
  ASSERT_FALSE(builds.is_null());
  EXPECT_EQ(builds["singularName"], "build");
  EXPECT_EQ(builds["namespaced"], true);
  EXPECT_EQ(builds["kind"], "Build");
  EXPECT_EQ(builds["shortNames"], json({"bld"}));
  EXPECT_EQ(builds["categories"], json({"kiln"}));
  EXPECT_EQ(builds["verbs"], json({"create", "delete", "deletecollection",
                                   "get", "list", "patch", "update", "watch"}));
}

TEST(DiscoveryTest, ResourceListHasSubresourcesNodesAndEvents) {
  const json list = ApiResourceListJson();
  EXPECT_EQ(ResourceNamed(list, "builds/status")["verbs"],
            json({"get", "patch", "update"}));
  EXPECT_EQ(ResourceNamed(list, "builds/status")["singularName"], "");
  EXPECT_EQ(ResourceNamed(list, "builds/log")["verbs"], json({"get"}));
  const json nodes = ResourceNamed(list, "nodes");
  EXPECT_EQ(nodes["namespaced"], false);
  EXPECT_EQ(nodes["kind"], "Node");
  EXPECT_EQ(nodes["verbs"], json({"get", "list", "watch"}));
  EXPECT_FALSE(ResourceNamed(list, "nodes/status").is_null());
  const json events = ResourceNamed(list, "events");
  EXPECT_EQ(events["namespaced"], true);
  EXPECT_EQ(events["kind"], "Event");
  EXPECT_EQ(events["verbs"], json({"get", "list", "watch"}));
}

TEST(DiscoveryTest, SourcesAreRoutedButNotDiscoverable) {
  EXPECT_TRUE(ResourceNamed(ApiResourceListJson(), "sources").is_null());
  ASSERT_NE(FindApiResource("sources"), nullptr);
  EXPECT_FALSE(FindApiResource("sources")->discoverable);
}

TEST(DiscoveryTest, FindApiResourceBySubresource) {
  ASSERT_NE(FindApiResource("builds", "status"), nullptr);
  EXPECT_EQ(FindApiResource("builds", "status")->name, "builds/status");
  EXPECT_EQ(FindApiResource("builds", "scale"), nullptr);
  EXPECT_EQ(FindApiResource("widgets"), nullptr);
}

RequestInfo Parse(const std::string& method, const std::string& path) {
  StatusOr<RequestInfo> info = ParseRequestInfo(method, path, {});
  EXPECT_THAT(info, IsOk());
  return info.ok() ? *info : RequestInfo{};
}

TEST(DiscoveryTest, ServesVerbFollowsTheVerbList) {
  const std::string ns = "/apis/kiln.dev/v1/namespaces/default";
  EXPECT_TRUE(ServesVerb(Parse("POST", ns + "/builds")));
  EXPECT_TRUE(ServesVerb(Parse("PATCH", ns + "/builds/b/status")));
  EXPECT_FALSE(ServesVerb(Parse("DELETE", ns + "/builds/b/status")));
  EXPECT_FALSE(ServesVerb(Parse("PUT", ns + "/builds/b/log")));
  EXPECT_FALSE(ServesVerb(Parse("POST", "/apis/kiln.dev/v1/nodes")));
  EXPECT_FALSE(ServesVerb(Parse("DELETE", ns + "/events/e")));
  EXPECT_FALSE(ServesVerb(Parse("OPTIONS", ns + "/builds/b")));
}

TEST(DiscoveryTest, AllNamespacesPathOnlyListsAndWatches) {
  EXPECT_TRUE(ServesVerb(Parse("GET", "/apis/kiln.dev/v1/builds")));
  EXPECT_FALSE(ServesVerb(Parse("POST", "/apis/kiln.dev/v1/builds")));
  EXPECT_FALSE(ServesVerb(Parse("DELETE", "/apis/kiln.dev/v1/builds")));
}

TEST(DiscoveryTest, AllowedMethodsPerPath) {
  const std::string ns = "/apis/kiln.dev/v1/namespaces/default";
  EXPECT_THAT(AllowedMethods(Parse("PUT", ns + "/builds")),
              ElementsAre("GET", "POST", "DELETE"));
  EXPECT_THAT(AllowedMethods(Parse("POST", ns + "/builds/b")),
              ElementsAre("GET", "PUT", "PATCH", "DELETE"));
  EXPECT_THAT(AllowedMethods(Parse("DELETE", ns + "/builds/b/status")),
              ElementsAre("GET", "PUT", "PATCH"));
  EXPECT_THAT(AllowedMethods(Parse("POST", "/apis/kiln.dev/v1/builds")),
              ElementsAre("GET"));
  EXPECT_THAT(AllowedMethods(Parse("POST", "/apis/kiln.dev/v1/nodes/n")),
              ElementsAre("GET"));
  EXPECT_THAT(AllowedMethods(Parse("GET", ns + "/sources")),
              ElementsAre("POST"));
  EXPECT_THAT(AllowedMethods(RequestInfo{}), IsEmpty());
}

}  // namespace
}  // namespace kiln

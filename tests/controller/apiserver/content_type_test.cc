#include "controller/apiserver/content_type.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace kiln {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;
using ::testing::Pair;

// What kubectl v1.32 sends (measured).
constexpr char kKubectlGet[] =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;"
    "v=v1beta1;g=meta.k8s.io,application/json";
constexpr char kKubectlDiscovery[] =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as="
    "APIGroupDiscoveryList,application/json";
constexpr char kKubectlOpenApiV2[] =
    "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

TEST(ParseMediaTypeTest, LowercasesTypeAndParameterNames) {
  std::optional<MediaType> m =
      ParseMediaType(" Application/JSON ; AS=Table ; v=v1;g=\"meta.k8s.io\"");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->type, "application");
  EXPECT_EQ(m->subtype, "json");
  EXPECT_THAT(m->params,
              ElementsAre(Pair("as", "Table"), Pair("g", "meta.k8s.io"),
                          Pair("v", "v1")));
  EXPECT_EQ(m->q, 1.0);
}

TEST(ParseMediaTypeTest, ReadsQuality) {
  std::optional<MediaType> m = ParseMediaType("text/plain;q=0.5");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->q, 0.5);
  EXPECT_TRUE(m->params.empty());
}

TEST(ParseMediaTypeTest, RejectsMalformedTypes) {
  for (const char* bad : {"", "json", "/json", "application/", "a b/c",
                          "application/json;as", "application/json;q=2",
                          "application/json;q=x", "application/json;x=\"a"}) {
    EXPECT_FALSE(ParseMediaType(bad).has_value()) << bad;
  }
}

TEST(ParseAcceptTest, OrdersByQualityThenSpecificityStably) {
  const std::vector<MediaType> a = ParseAccept(
      "*/*;q=0.8, application/yaml, application/vnd.kubernetes.protobuf, "
      "application/json;q=0.9, text/html;q=0");
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0].subtype, "yaml");
  EXPECT_EQ(a[1].subtype, "vnd.kubernetes.protobuf");
  EXPECT_EQ(a[2].subtype, "json");
  EXPECT_EQ(a[3].type, "*");
}

TEST(ParseAcceptTest, EmptyMeansAnything) {
  const std::vector<MediaType> a = ParseAccept("  ");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].type, "*");
  EXPECT_EQ(a[0].subtype, "*");
}

TEST(ParseAcceptTest, SkipsMalformedAlternatives) {
  const std::vector<MediaType> a = ParseAccept("garbage, application/json,,");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].subtype, "json");
}

struct BodyCase {
  std::string method;
  std::string content_type;
  std::optional<BodyType> want;
};

class RequestBodyTypeTest : public ::testing::TestWithParam<BodyCase> {};

TEST_P(RequestBodyTypeTest, Classifies) {
  const BodyCase& c = GetParam();
  EXPECT_EQ(RequestBodyType(c.method, c.content_type), c.want)
      << c.method << " " << c.content_type;
}

INSTANTIATE_TEST_SUITE_P(
    ContentTypes, RequestBodyTypeTest,
    ::testing::Values(
        BodyCase{"POST", "application/json", BodyType::kJson},
        BodyCase{"POST", "application/json; charset=utf-8", BodyType::kJson},
        BodyCase{"POST", "", BodyType::kJson},
        BodyCase{"PUT", "application/yaml", BodyType::kYaml},
        BodyCase{"PUT", "APPLICATION/YAML", BodyType::kYaml},
        BodyCase{"POST", "application/vnd.kubernetes.protobuf", std::nullopt},
        BodyCase{"POST", "application/cbor", std::nullopt},
        BodyCase{"POST", "text/plain", std::nullopt},
        BodyCase{"POST", "application/merge-patch+json", std::nullopt},
        BodyCase{"PATCH", "application/merge-patch+json",
                 BodyType::kMergePatch},
        BodyCase{"PATCH", "application/json-patch+json", BodyType::kJsonPatch},
        BodyCase{"PATCH", "application/apply-patch+yaml",
                 BodyType::kApplyPatch},
        BodyCase{"PATCH", "application/apply-patch+yaml; charset=utf-8",
                 BodyType::kApplyPatch},
        BodyCase{"PATCH", "application/strategic-merge-patch+json",
                 std::nullopt},
        BodyCase{"PATCH", "application/apply-patch+cbor", std::nullopt},
        BodyCase{"PATCH", "application/json", std::nullopt},
        BodyCase{"PATCH", "", std::nullopt}));

TEST(AcceptedBodyTypesTest, MatchKubeApiserverLists) {
  EXPECT_THAT(
      AcceptedBodyTypes("PATCH"),
      ElementsAre("application/json-patch+json", "application/merge-patch+json",
                  "application/apply-patch+yaml"));
  EXPECT_THAT(AcceptedBodyTypes("POST"),
              ElementsAre("application/json", "application/yaml"));
}

struct AcceptCase {
  std::string accept;
  bool table_allowed;
  std::optional<ResponseType> want;
};

class NegotiateResponseTypeTest : public ::testing::TestWithParam<AcceptCase> {
};

TEST_P(NegotiateResponseTypeTest, Chooses) {
  const AcceptCase& c = GetParam();
  EXPECT_EQ(NegotiateResponseType(c.accept, c.table_allowed), c.want)
      << c.accept;
}

INSTANTIATE_TEST_SUITE_P(
    Accepts, NegotiateResponseTypeTest,
    ::testing::Values(
        AcceptCase{kKubectlGet, true, ResponseType::kTable},
        AcceptCase{kKubectlGet, false, ResponseType::kJson},
        AcceptCase{"application/json;v=v1;g=meta.k8s.io;as=Table", true,
                   ResponseType::kTable},
        // Only v1 Tables are served; v1beta1 falls through to JSON.
        AcceptCase{"application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
                   "application/json",
                   true, ResponseType::kJson},
        AcceptCase{"application/json;as=Table;v=v1", true, std::nullopt},
        AcceptCase{kKubectlDiscovery, false, ResponseType::kJson},
        AcceptCase{"application/json;as=PartialObjectMetadataList;v=v1;g="
                   "meta.k8s.io",
                   true, std::nullopt},
        AcceptCase{"application/vnd.kubernetes.protobuf, */*", true,
                   ResponseType::kJson},
        AcceptCase{"application/vnd.kubernetes.protobuf", true, std::nullopt},
        AcceptCase{kKubectlOpenApiV2, false, std::nullopt},
        AcceptCase{"application/yaml", true, ResponseType::kYaml},
        AcceptCase{"application/json, */*", false, ResponseType::kJson},
        AcceptCase{"application/*", false, ResponseType::kJson},
        AcceptCase{"", true, ResponseType::kJson},
        AcceptCase{"application/json;stream=watch", true, ResponseType::kJson},
        AcceptCase{"text/html", true, std::nullopt},
        AcceptCase{"application/yaml;q=0.5, application/json", true,
                   ResponseType::kJson}));

TEST(ProducibleTypesTest, ListsTableOnlyWhenAllowed) {
  EXPECT_THAT(ProducibleTypes(false),
              ElementsAre("application/json", "application/yaml"));
  EXPECT_THAT(ProducibleTypes(true),
              ElementsAre("application/json", "application/yaml",
                          "application/json;as=Table;v=v1;g=meta.k8s.io"));
}

TEST(ContentTypeForTest, NamesEachType) {
  EXPECT_EQ(ContentTypeFor(ResponseType::kJson), "application/json");
  EXPECT_EQ(ContentTypeFor(ResponseType::kYaml), "application/yaml");
  EXPECT_EQ(ContentTypeFor(ResponseType::kTable),
            "application/json;as=Table;v=v1;g=meta.k8s.io");
}

TEST(AcceptsJsonTest, DiscoveryAndOpenApiRequests) {
  EXPECT_TRUE(AcceptsJson(kKubectlDiscovery));
  EXPECT_TRUE(AcceptsJson("application/json, */*"));
  EXPECT_TRUE(AcceptsJson(""));
  EXPECT_TRUE(AcceptsJson("application/yaml, application/json;q=0.1"));
  EXPECT_FALSE(AcceptsJson(kKubectlOpenApiV2));
  EXPECT_FALSE(AcceptsJson("application/yaml"));
}

}  // namespace
}  // namespace kiln

#include "controller/apiserver/http_request_head.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(HttpRequestHeadTest, DecodesPathAndQuery) {
  HttpRequest request;
  ASSERT_OK(DecodeRequestTarget(
      "/apis/kiln.dev/v1/namespaces/a%2Db/builds",
      "labelSelector=team%3Dweb&fieldManager=kubectl+client&verbose&limit=1&"
      "limit=2",
      &request));
  EXPECT_EQ(request.path, "/apis/kiln.dev/v1/namespaces/a-b/builds");
  EXPECT_THAT(request.query,
              ElementsAre(Pair("fieldManager", "kubectl client"),
                          Pair("labelSelector", "team=web"), Pair("limit", "2"),
                          Pair("verbose", "")));
}

// Repeated parameters are all kept, in order: a registry token request
// names one scope per repository.
TEST(HttpRequestHeadTest, QueryListKeepsRepeatedParameters) {
  HttpRequest request;
  ASSERT_OK(DecodeRequestTarget(
      "/token",
      "scope=repository%3Aa%2Fb%3Apull&service=kiln-registry&scope=repository"
      "%3Akiln%2Fbusybox%3Apull&flag",
      &request));
  EXPECT_THAT(request.query_list,
              ElementsAre(Pair("scope", "repository:a/b:pull"),
                          Pair("service", "kiln-registry"),
                          Pair("scope", "repository:kiln/busybox:pull"),
                          Pair("flag", "")));
  EXPECT_EQ(request.Query("scope"), "repository:kiln/busybox:pull");
}

// A malformed escape is the client's error (400), not the server's: it
// used to throw from the HTTP library's decoder, which the adapter answered
// with 500 (found by tests/fuzz/http_request_fuzz.cc).
TEST(HttpRequestHeadTest, MalformedPercentEscapeIsInvalidArgument) {
  for (const auto& [path, query] :
       std::vector<std::pair<std::string, std::string>>{
           {"/apis/%zz", ""},
           {"/healthz%", ""},
           {"/healthz", "limit=%4"},
           {"/healthz", "a%g0=1"},
           {"/healthz", "verbose%"},
           {"/healthz", "follow=\x86\x8d"}}) {
    HttpRequest request;
    EXPECT_THAT(
        DecodeRequestTarget(path, query, &request),
        StatusIs(StatusCode::kInvalidArgument, HasSubstr("percent-encoding")))
        << path << "?" << query;
  }
}

TEST(HttpRequestHeadTest, HeaderNamesAreLowercased) {
  HttpRequest request;
  SetRequestHeader("Content-Type", "application/yaml", &request);
  SetRequestHeader("ACCEPT", "a", &request);
  SetRequestHeader("accept", "b", &request);
  EXPECT_EQ(request.Header("content-type"), "application/yaml");
  EXPECT_EQ(request.Header("accept"), "b");
}

}  // namespace
}  // namespace kiln

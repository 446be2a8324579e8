#include "cmd/kilnctl/jsonpath.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace kiln::kilnctl {
namespace {

using ::testing::HasSubstr;

const nlohmann::json kList = nlohmann::json::parse(R"({
  "kind": "List",
  "items": [
    {"metadata": {"name": "a", "labels": {"team": "web"}},
     "status": {"phase": "Ready", "image": {"digest": "sha256:1"}}},
    {"metadata": {"name": "b"}, "status": {"phase": "Failed"}}
  ]})");

std::string Render(const std::string& tmpl, const nlohmann::json& j = kList) {
  StatusOr<JsonPath> p = JsonPath::Parse(tmpl);
  EXPECT_THAT(p, IsOk()) << tmpl;
  if (!p.ok()) return "";
  StatusOr<std::string> out = p->Render(j);
  EXPECT_THAT(out, IsOk()) << tmpl;
  return out.ok() ? *out : "";
}

TEST(JsonPathTest, FieldsIndexesAndWildcards) {
  EXPECT_EQ(Render("{.items[0].status.phase}"), "Ready");
  EXPECT_EQ(Render("{.items[-1].metadata.name}"), "b");
  EXPECT_EQ(Render("{.items[*].metadata.name}"), "a b");
  EXPECT_EQ(Render("{$.kind}"), "List");
  EXPECT_EQ(Render("{.items[0].metadata.labels['team']}"), "web");
  EXPECT_EQ(Render("{.items[0].status.image}"), R"({"digest":"sha256:1"})");
  EXPECT_EQ(Render("{..phase}"), "Ready Failed");
  EXPECT_EQ(Render("name={.items[1].metadata.name}!"), "name=b!");
}

TEST(JsonPathTest, RangeAndLiterals) {
  EXPECT_EQ(
      Render(
          R"({range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end})"),
      "a\tReady\nb\tFailed\n");
}

TEST(JsonPathTest, MissingIsNotFoundUnlessAllowed) {
  StatusOr<JsonPath> p = JsonPath::Parse("{.status.nothing}");
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(p->Render(kList),
              StatusIs(StatusCode::kNotFound, HasSubstr("nothing")));
  EXPECT_THAT(p->Render(kList, true), IsOkAndHolds(""));
}

TEST(JsonPathTest, RejectsWhatItCannotDo) {
  for (const char* bad : {"{.items[?(@.x==1)]}", "{.items[1:2]}", "{.a",
                          "{range .a}", "{end}", "{.a..}", "{}"}) {
    EXPECT_THAT(JsonPath::Parse(bad), StatusIs(StatusCode::kInvalidArgument))
        << bad;
  }
}

TEST(JsonPathTest, ValuesOfTheFirstExpression) {
  StatusOr<JsonPath> p = JsonPath::Parse("{.items[*].status.phase}");
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->Values(kList), (std::vector<nlohmann::json>{"Ready", "Failed"}));
}

}  // namespace
}  // namespace kiln::kilnctl

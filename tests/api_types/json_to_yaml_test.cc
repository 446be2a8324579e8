#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "api_types/yaml_codec.h"
#include "tests/api_types/codec_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

TEST(JsonToYamlTest, WritesBlockStyle) {
  const json j = json::parse(R"({"kind": "Build", "metadata": {"name": "a",
      "labels": {"team": "web"}}, "items": [{"x": 1, "y": [true, null]}, [],
      {}, "s"], "empty": {}})");
  ASSERT_OK_AND_ASSIGN(const std::string yaml, JsonToYaml(j));
  EXPECT_EQ(yaml,
            "empty: {}\n"
            "items:\n"
            "- x: 1\n"
            "  \"y\":\n"  // a YAML 1.1 boolean: quoted
            "  - true\n"
            "  - null\n"
            "- []\n"
            "- {}\n"
            "- s\n"
            "kind: Build\n"
            "metadata:\n"
            "  labels:\n"
            "    team: web\n"
            "  name: a\n");
}

TEST(JsonToYamlTest, QuotesStringsThatWouldChangeType) {
  const json j = json::parse(R"({"a": "1.2", "b": "true", "c": "0755",
      "d": "null", "e": "", "f": "yes", "g": "~", "h": "- x", "i": "a: b",
      "j": "#c", "k": " lead", "l": "1:20", "m": "2026-11-28", "n": "0x1F",
      "o": "plain text", "p": "localhost:5000/web/hello:1", "q": ".inf",
      "r": "say \"hi\"\\"})");
  ASSERT_OK_AND_ASSIGN(const std::string yaml, JsonToYaml(j));
  EXPECT_THAT(yaml, HasSubstr("a: \"1.2\"\n"));
  EXPECT_THAT(yaml, HasSubstr("b: \"true\"\n"));
  EXPECT_THAT(yaml, HasSubstr("c: \"0755\"\n"));
  EXPECT_THAT(yaml, HasSubstr("d: \"null\"\n"));
  EXPECT_THAT(yaml, HasSubstr("e: \"\"\n"));
  EXPECT_THAT(yaml, HasSubstr("f: \"yes\"\n"));
  EXPECT_THAT(yaml, HasSubstr("o: plain text\n"));
  EXPECT_THAT(yaml, HasSubstr("p: localhost:5000/web/hello:1\n"));
  EXPECT_THAT(yaml, HasSubstr("r: say \"hi\"\\\n"));
  ASSERT_OK_AND_ASSIGN(auto back, YamlDocumentsToJson(yaml));
  EXPECT_EQ(back[0], j);
}

TEST(JsonToYamlTest, WritesMultiLineStringsAsLiteralBlocks) {
  const json j = {{"clip", "FROM x\nRUN y\n"},
                  {"strip", "a\nb"},
                  {"keep", "a\n\n\n"},
                  {"inner", "a\n\n  b\n"}};
  ASSERT_OK_AND_ASSIGN(const std::string yaml, JsonToYaml(j));
  EXPECT_EQ(yaml,
            "clip: |\n  FROM x\n  RUN y\n"
            "inner: |\n  a\n\n    b\n"
            "keep: |+\n  a\n\n\n"
            "strip: |-\n  a\n  b\n");
  ASSERT_OK_AND_ASSIGN(auto back, YamlDocumentsToJson(yaml));
  EXPECT_EQ(back[0], j);
}

TEST(JsonToYamlTest, RoundTripsTrickyStrings) {
  const std::vector<std::string> strings = {
      "",
      " ",
      "  a",
      "a ",
      "\n",
      "\n\n",
      "\na",
      " \nb",
      "a\n ",
      "a\r\nb",
      "\t",
      "a\tb\n",
      "\ta\n",
      "#",
      "a #b",
      "a#b",
      "-",
      "- ",
      "--- x",
      "...",
      "... x",
      "---x",
      "--- ",
      "? x",
      ": x",
      "x:",
      "[a]",
      "{a}",
      "*a",
      "&a",
      "!a",
      "|",
      ">",
      "'",
      "\"",
      "%x",
      "@x",
      "`x",
      "<<",
      "=",
      "0",
      "-1",
      "1e3",
      ".5",
      "0o7",
      "0x",
      "0xZ",
      "True",
      "NULL",
      "Off",
      "y",
      "n",
      "\xc3\xa9t\xc3\xa9",
      "\xe2\x80\xa8",
      "a\xc2\x85"
      "b",
      "\xef\xbb\xbfx",
      "\x01\x7f",
      "tab\there",
      "a\\b",
      "multi\nline with: colon\n# not a comment\n",
      "x\n\n\n\ny"};
  for (const std::string& s : strings) {
    const json j = {{"k", s}, {s.empty() ? "_" : s, "v"}, {"l", {s}}};
    ASSERT_OK_AND_ASSIGN(const std::string yaml, JsonToYaml(j));
    ASSERT_OK_AND_ASSIGN(auto back, YamlDocumentsToJson(yaml));
    ASSERT_EQ(back.size(), 1u) << yaml;
    EXPECT_EQ(back[0], j) << yaml;
  }
}

TEST(JsonToYamlTest, RoundTripsRandomDocuments) {
  std::mt19937 rng(20261128);
  const std::vector<std::string> pieces = {
      "a", "Z", "0",  "1",        ".",    "-",    " ", "\n", "\t",
      ":", "#", "\"", "'",        "\\",   "[",    "{", "&",  "*",
      "!", "|", ">",  "\xc3\xa9", "true", "null", "~"};
  const auto random_string = [&] {
    std::string s;
    const int n = static_cast<int>(rng() % 8);
    for (int i = 0; i < n; ++i) s += pieces[rng() % pieces.size()];
    return s;
  };
  const auto random_value = [&](auto& self, int depth) -> json {
    switch (rng() % (depth > 3 ? 5 : 7)) {
      case 0:
        return random_string();
      case 1:
        return static_cast<int64_t>(rng()) - (1 << 30);
      case 2:
        return static_cast<double>(rng() % 1000) / 8;
      case 3:
        return rng() % 2 == 0;
      case 4:
        return nullptr;
      case 5: {
        json object = json::object();
        for (int i = static_cast<int>(rng() % 4); i > 0; --i) {
          object[random_string()] = self(self, depth + 1);
        }
        return object;
      }
      default: {
        json array = json::array();
        for (int i = static_cast<int>(rng() % 4); i > 0; --i) {
          array.push_back(self(self, depth + 1));
        }
        return array;
      }
    }
  };
  for (int i = 0; i < 500; ++i) {
    const json j = random_value(random_value, 0);
    ASSERT_OK_AND_ASSIGN(const std::string yaml, JsonToYaml(j));
    StatusOr<std::vector<json>> back = YamlDocumentsToJson(yaml);
    ASSERT_OK(back) << yaml;
    const json got = back->empty() ? json(nullptr) : (*back)[0];
    EXPECT_EQ(got, j) << yaml;
  }
}

TEST(JsonToYamlTest, WritesLongKeysAsExplicitKeys) {
  const std::string key(2000, 'k');
  const json j = {{key, {{"a", 1}}}, {"l", {{{key, {1, 2}}}}}};
  ASSERT_OK_AND_ASSIGN(const std::string yaml, JsonToYaml(j));
  ASSERT_OK_AND_ASSIGN(auto back, YamlDocumentsToJson(yaml));
  EXPECT_EQ(back[0], j);
}

TEST(JsonToYamlTest, WritesScalarsAndSpecialNumbers) {
  EXPECT_EQ(JsonToYaml(json("x")).value(), "x\n");
  EXPECT_EQ(JsonToYaml(json::object()).value(), "{}\n");
  EXPECT_EQ(JsonToYaml(json::parse("[1.5, 1e+30, -0.0]")).value(),
            "- 1.5\n- 1e+30\n- -0.0\n");
  const json special = {std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity()};
  EXPECT_EQ(JsonToYaml(special).value(), "- .inf\n- -.inf\n");
  EXPECT_EQ(JsonToYaml(json(UINT64_MAX)).value(), "18446744073709551615\n");
}

TEST(JsonToYamlTest, WriteRejectsInvalidUtf8AndDeepNesting) {
  EXPECT_THAT(
      JsonToYaml(json{{"a", {{"b", "\xff"}}}}),
      StatusIs(StatusCode::kInvalidArgument, "yaml: a.b: invalid UTF-8"));
  json deep = json::array();
  for (int i = 0; i < 200; ++i) deep = json::array({deep});
  EXPECT_THAT(JsonToYaml(deep), StatusIs(StatusCode::kInvalidArgument,
                                         HasSubstr("nesting deeper than 100")));
  EXPECT_THAT(JsonToYaml(json::binary({1, 2})),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("cannot write a binary value")));
}

}  // namespace
}  // namespace kiln

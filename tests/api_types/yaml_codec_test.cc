#include "api_types/yaml_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/api_types/codec_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The value of key "v" in a one-line YAML document.
json ValueOf(const std::string& yaml) {
  StatusOr<std::vector<json>> docs = YamlDocumentsToJson("v: " + yaml);
  EXPECT_OK(docs) << yaml;
  if (!docs.ok() || docs->size() != 1) return "<error>";
  return (*docs)[0]["v"];
}

// --- YAML -> JSON: scalar typing ---------------------------------------

TEST(YamlCodecTest, TypesPlainScalarsByYaml12CoreSchema) {
  EXPECT_EQ(ValueOf("1"), json(1));
  EXPECT_TRUE(ValueOf("1").is_number_integer());
  EXPECT_EQ(ValueOf("-42"), json(-42));
  EXPECT_EQ(ValueOf("+7"), json(7));
  EXPECT_EQ(ValueOf("0755"), json(755));  // YAML 1.2: decimal, not octal
  EXPECT_EQ(ValueOf("0o755"), json(493));
  EXPECT_EQ(ValueOf("0x1F"), json(31));
  EXPECT_EQ(ValueOf("9223372036854775807"), json(INT64_MAX));
  EXPECT_EQ(ValueOf("18446744073709551615"), json(UINT64_MAX));
  EXPECT_TRUE(ValueOf("99999999999999999999999").is_number_float());
  EXPECT_EQ(ValueOf("1.5"), json(1.5));
  EXPECT_EQ(ValueOf("1e3"), json(1000.0));
  EXPECT_TRUE(ValueOf("1e3").is_number_float());
  EXPECT_EQ(ValueOf(".5"), json(0.5));
  EXPECT_EQ(ValueOf("-.inf"), json(-std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(std::isnan(ValueOf(".nan").get<double>()));
  EXPECT_EQ(ValueOf("true"), json(true));
  EXPECT_EQ(ValueOf("FALSE"), json(false));
  EXPECT_EQ(ValueOf("null"), json(nullptr));
  EXPECT_EQ(ValueOf("~"), json(nullptr));
  EXPECT_EQ(ValueOf(""), json(nullptr));
  // Not special in YAML 1.2:
  EXPECT_EQ(ValueOf("yes"), json("yes"));
  EXPECT_EQ(ValueOf("on"), json("on"));
  EXPECT_EQ(ValueOf("1_000"), json("1_000"));
  EXPECT_EQ(ValueOf("0b101"), json("0b101"));
  EXPECT_EQ(ValueOf("1.2.3"), json("1.2.3"));
  EXPECT_EQ(ValueOf("2026-11-28T14:55:03Z"), json("2026-11-28T14:55:03Z"));
  EXPECT_EQ(ValueOf("hello world"), json("hello world"));
}

TEST(YamlCodecTest, QuotedScalarsAreStrings) {
  EXPECT_EQ(ValueOf("\"1\""), json("1"));
  EXPECT_EQ(ValueOf("'1'"), json("1"));
  EXPECT_EQ(ValueOf("\"true\""), json("true"));
  EXPECT_EQ(ValueOf("\"null\""), json("null"));
  EXPECT_EQ(ValueOf("\"\""), json(""));
  EXPECT_EQ(ValueOf("\"0755\""), json("0755"));
  EXPECT_EQ(ValueOf("\"a\\tb\\u00e9\""), json("a\tb\xc3\xa9"));
}

TEST(YamlCodecTest, BlockScalarsAreStrings) {
  ASSERT_OK_AND_ASSIGN(auto docs,
                       YamlDocumentsToJson("a: |\n  1\n  2\nb: >-\n  true\n"));
  EXPECT_EQ(docs[0]["a"], json("1\n2\n"));
  EXPECT_EQ(docs[0]["b"], json("true"));
}

TEST(YamlCodecTest, HonoursCoreTags) {
  EXPECT_EQ(ValueOf("!!str 12"), json("12"));
  EXPECT_EQ(ValueOf("!!str"), json(""));
  EXPECT_EQ(ValueOf("!!int \"12\""), json(12));
  EXPECT_EQ(ValueOf("!!float 1"), json(1.0));
  EXPECT_TRUE(ValueOf("!!float 1").is_number_float());
  EXPECT_EQ(ValueOf("!!bool true"), json(true));
  EXPECT_THAT(YamlDocumentsToJson("v: !!int abc"),
              StatusIs(StatusCode::kInvalidArgument,
                       "yaml: line 1, column 4: invalid value for tag !!int"));
  EXPECT_THAT(YamlDocumentsToJson("a: 1\nv: !custom x"),
              StatusIs(StatusCode::kInvalidArgument,
                       "yaml: line 2, column 4: unsupported tag \"!custom\""));
}

TEST(YamlCodecTest, ConvertsCollections) {
  ASSERT_OK_AND_ASSIGN(auto docs,
                       YamlDocumentsToJson("a:\n  - x\n  - {b: 1, c: [2, 3]}\n"
                                           "e: {}\nf: []\n"));
  EXPECT_EQ(docs[0], json::parse(R"({"a": ["x", {"b": 1, "c": [2, 3]}],
                                     "e": {}, "f": []})"));
}

TEST(YamlCodecTest, NonStringKeysBecomeTheirText) {
  ASSERT_OK_AND_ASSIGN(auto docs, YamlDocumentsToJson("1: a\ntrue: b\n"));
  EXPECT_EQ(docs[0], json::parse(R"({"1": "a", "true": "b"})"));
  EXPECT_THAT(YamlDocumentsToJson("? [a, b]\n: c\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("mapping keys must be strings")));
}

// --- YAML errors -----------------------------------------------------------

TEST(YamlCodecTest, SyntaxErrorsCarryLineAndColumn) {
  EXPECT_THAT(
      YamlDocumentsToJson("a: 1\nb: [1, 2\nc: 3\n"),
      StatusIs(StatusCode::kInvalidArgument,
               "yaml: line 3, column 2: end of sequence flow not found"));
  EXPECT_THAT(YamlDocumentsToJson("a: 1\n  b: 2\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       "yaml: line 2, column 4: illegal map value"));
  EXPECT_THAT(YamlDocumentsToJson("a: ok\nkey: \"x\\q\"\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       "yaml: line 2, column 10: unknown escape character: q"));
}

TEST(YamlCodecTest, RejectsDuplicateKeysWithLine) {
  EXPECT_THAT(YamlDocumentsToJson("name: a\nspec: {}\nname: b\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       "yaml: line 3, column 1: duplicate key \"name\""));
  EXPECT_THAT(
      YamlDocumentsToJson("spec:\n  cpus: 1\n  memoryMiB: 2\n  cpus: 3\n"),
      StatusIs(StatusCode::kInvalidArgument,
               "yaml: line 4, column 3: duplicate key \"cpus\""));
  EXPECT_OK(YamlDocumentsToJson("a: {k: 1}\nb: {k: 2}\n"));
}

TEST(YamlCodecTest, ResolvesAliases) {
  ASSERT_OK_AND_ASSIGN(
      auto docs,
      YamlDocumentsToJson("base: &b {cpus: 1}\ncopy: *b\nlist: [*b]\n"));
  EXPECT_EQ(docs[0]["copy"], json::parse(R"({"cpus": 1})"));
  EXPECT_EQ(docs[0]["list"], json::parse(R"([{"cpus": 1}])"));
}

TEST(YamlCodecTest, StopsAliasBombs) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char level = 'b'; level <= 'j'; ++level) {
    const char prev = static_cast<char>(level - 1);
    bomb += std::string(1, level) + ": &" + level + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
  }
  EXPECT_THAT(
      YamlDocumentsToJson(bomb),
      StatusIs(StatusCode::kInvalidArgument,
               HasSubstr("document expands to more than 100000 nodes")));
}

TEST(YamlCodecTest, StopsRecursiveAliasesAndDeepNesting) {
  EXPECT_THAT(YamlDocumentsToJson("a: &a [*a]\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       "yaml: line 1, column 8: alias to an anchor that is not "
                       "complete (recursive alias?)"));
  std::string chain = "a0: &a0 [x]\n";  // each alias adds one level
  for (int i = 1; i < 120; ++i) {
    chain += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" +
             std::to_string(i - 1) + "]\n";
  }
  EXPECT_THAT(YamlDocumentsToJson(chain),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("nesting deeper than 100 levels")));
  const std::string deep = std::string(150, '[') + std::string(150, ']');
  EXPECT_THAT(YamlDocumentsToJson(deep),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("nesting deeper than 100 levels")));
  EXPECT_THAT(YamlDocumentsToJson(std::string(100000, '[')),
              StatusIs(StatusCode::kInvalidArgument, StartsWith("yaml: ")));
}

// yaml-cpp 0.7 emits empty documents forever after a flow or quoted scalar
// followed by ','; YAML::LoadAll then eats all memory.
TEST(YamlCodecTest, StopsParserThatMakesNoProgress) {
  for (const char* text : {"'',", "\"a\",", "[a],", "{\"kind\": 1}\n\"x\","}) {
    EXPECT_THAT(YamlDocumentsToJson(text),
                StatusIs(StatusCode::kInvalidArgument,
                         HasSubstr("unexpected content after the end of a "
                                   "document")))
        << text;
  }
}

TEST(YamlCodecTest, RejectsInvalidUtf8) {
  EXPECT_THAT(
      YamlDocumentsToJson("a: \"\xc3\x28\"\n"),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid UTF-8")));
}

// --- Multi-document streams -----------------------------------------------

TEST(YamlCodecTest, SplitsStreamsAndSkipsEmptyDocuments) {
  ASSERT_OK_AND_ASSIGN(
      auto docs, ParseYamlDocuments("---\na: 1\n---\n# nothing\n---\nb: 2\n"
                                    "...\n---\n~\n---\n- 3\n"));
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].json, json::parse(R"({"a": 1})"));
  EXPECT_EQ(docs[0].index, 1);
  EXPECT_EQ(docs[1].json, json::parse(R"({"b": 2})"));
  EXPECT_EQ(docs[1].index, 3);
  EXPECT_EQ(docs[2].json, json::parse("[3]"));
  EXPECT_EQ(docs[2].index, 5);
  EXPECT_EQ(docs[1].positions.at("b"), (SourcePosition{6, 1}));
  ASSERT_OK_AND_ASSIGN(auto none, YamlDocumentsToJson("# only a comment\n"));
  EXPECT_TRUE(none.empty());
  ASSERT_OK_AND_ASSIGN(none, YamlDocumentsToJson(""));
  EXPECT_TRUE(none.empty());
}

TEST(YamlCodecTest, SingleDocumentParseRejectsStreams) {
  EXPECT_THAT(ParseYamlDocument("a: 1\n---\nb: 2\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       "yaml: expected exactly one document, got 2"));
  EXPECT_THAT(ParseYamlDocument("---\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       "yaml: expected exactly one document, got 0"));
}

TEST(YamlCodecTest, RecordsFieldPositions) {
  ASSERT_OK_AND_ASSIGN(
      YamlDocument doc,
      ParseYamlDocument("kind: Build\nspec:\n  resources:\n    cpus: 1\n"
                        "status:\n  conditions:\n  - type: A\n  - type: B\n"));
  EXPECT_EQ(doc.positions.at("spec.resources.cpus"), (SourcePosition{4, 5}));
  EXPECT_EQ(doc.positions.at("status.conditions[1]"), (SourcePosition{8, 5}));
  EXPECT_EQ(doc.positions.at("status.conditions[1].type"),
            (SourcePosition{8, 5}));
  EXPECT_EQ(FindPosition(doc, "spec.resources.gpus"), (SourcePosition{3, 3}));
  EXPECT_EQ(FindPosition(doc, "nothing.here"), (SourcePosition{1, 1}));
}

}  // namespace
}  // namespace kiln

// Deterministic fuzz-style tests: valid documents, every truncation prefix,
// seeded random byte flips, pathological nesting, huge numbers and invalid
// UTF-8 go through every decoder (decoder_checks.h, shared with the
// libFuzzer targets in tests/fuzz/). Each must return a value or a clear
// InvalidArgument — never crash, never throw.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "api_types/build_json.h"
#include "api_types/build_yaml.h"
#include "api_types/json_parse.h"
#include "api_types/yaml_codec.h"
#include "tests/api_types/codec_fixtures.h"
#include "tests/api_types/decoder_checks.h"
#include "tests/testing/sanitizers.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;
using testing_fixtures::FullBuild;

// Every decoder on `text`, as JSON and as YAML (decoder_checks.h).
void FeedAll(std::string_view text) {
  const testing_fixtures::FailureSink fail = [](const std::string& what) {
    ADD_FAILURE() << what;
  };
  testing_fixtures::CheckJsonText(text, fail);
  testing_fixtures::CheckYamlText(text, fail);
}

std::string ValidJson() { return ToJson(FullBuild()).dump(1); }

std::string ValidYaml() {
  return "# a stream\n---\n" + JsonToYaml(ToJson(FullBuild())).value() +
         "---\n---\napiVersion: kiln.dev/v1\nkind: Build\n"
         "metadata: {name: &n b, labels: {team: *n}}\n"
         "spec:\n  source:\n    inline:\n      files:\n        Dockerfile: |\n"
         "          FROM kiln/busybox:1\n          RUN 'echo' \"x\"\n"
         "  resources: {cpus: 0x2, memoryMiB: !!int \"512\"}\n";
}

TEST(DecoderFuzzTest, ValidDocumentsDecode) {
  ASSERT_OK_AND_ASSIGN(const Build from_json,
                       BuildFromJson(json::parse(ValidJson())));
  EXPECT_EQ(from_json, FullBuild());
  ASSERT_OK_AND_ASSIGN(const std::vector<Build> builds,
                       BuildsFromYaml(ValidYaml()));
  ASSERT_EQ(builds.size(), 2u);
  EXPECT_EQ(builds[0], FullBuild());
  EXPECT_EQ(builds[1].metadata.labels.at("team"), "b");
  EXPECT_EQ(builds[1].spec.resources.memory_mib, 512);
}

// Every prefix of `text`; under a sanitizer every fourth, plus the last 64
// (the sanitize build's libFuzzer targets search this space far better).
void EveryTruncation(const std::string& text) {
  const size_t step = testing::kSanitized ? 4 : 1;
  for (size_t n = 0; n <= text.size() && !::testing::Test::HasFailure();
       n += (n + 64 >= text.size() ? 1 : step)) {
    FeedAll(std::string_view(text).substr(0, n));
  }
}

TEST(DecoderFuzzTest, EveryTruncationOfJson) { EveryTruncation(ValidJson()); }

TEST(DecoderFuzzTest, EveryTruncationOfYaml) { EveryTruncation(ValidYaml()); }

// Replaces 1-4 bytes, half the time with YAML/JSON structure characters.
void FlipBytes(const std::string& valid, uint32_t seed, int cases) {
  std::mt19937 rng(seed);
  const std::string_view structural = "{}[]:,\"'\n -#&*!|>?%@`\\\t0.e";
  for (int i = 0; i < cases && !::testing::Test::HasFailure(); ++i) {
    std::string text = valid;
    for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0; --flips) {
      const size_t pos = rng() % text.size();
      text[pos] = rng() % 2 == 0 ? structural[rng() % structural.size()]
                                 : static_cast<char>(rng() % 256);
    }
    FeedAll(text);
  }
}

TEST(DecoderFuzzTest, RandomByteFlipsInJson) {
  FlipBytes(ValidJson(), 1, testing::ScaledCases(1500));
}

TEST(DecoderFuzzTest, RandomByteFlipsInYaml) {
  FlipBytes(ValidYaml(), 2, testing::ScaledCases(1500));
}

TEST(DecoderFuzzTest, DeepNesting) {
  for (const std::string_view open : {"[", "{\"a\":", "- ", "{a: ", "a:\n "}) {
    std::string text;
    for (int i = 0; i < 100000; ++i) text += open;
    FeedAll(text);
  }
  const std::string balanced =
      std::string(100000, '[') + std::string(100000, ']');
  // ParseJson stops at 100 levels; the codecs below still guard against a
  // deep value built some other way.
  EXPECT_THAT(ParseJson(balanced),
              StatusIs(StatusCode::kInvalidArgument,
                       "json: nesting deeper than 100 levels"));
  const json deep = json::parse(balanced);
  EXPECT_THAT(BuildFromJson(deep), StatusIs(StatusCode::kInvalidArgument,
                                            "expected object, got array"));
  EXPECT_THAT(JsonToYaml(deep), StatusIs(StatusCode::kInvalidArgument,
                                         HasSubstr("nesting deeper than")));
  EXPECT_THAT(YamlDocumentsToJson(balanced),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("yaml: ")));
  json nested = {{"apiVersion", "kiln.dev/v1"}, {"kind", "Build"}};
  json* cursor = &nested["spec"]["unknown"];
  for (int i = 0; i < 1000; ++i) cursor = &(*cursor)["x"];
  EXPECT_THAT(BuildFromJson(nested), StatusIs(StatusCode::kInvalidArgument,
                                              "spec.unknown: unknown field"));
}

TEST(DecoderFuzzTest, HugeNumbers) {
  const std::string prefix =
      R"({"apiVersion": "kiln.dev/v1", "kind": "Build", "spec": {"resources": {"cpus": )";
  // Beyond 64 bits JSON numbers are doubles: -9223372036854775809 rounds to
  // INT64_MIN and 1e-400 to 0, both in range.
  for (const char* number :
       {"1e400", "-1e400", "99999999999999999999999", "18446744073709551616",
        "9223372036854775808", "1e19", "123456789012345678901234567890.0",
        "0.5", "-0", "-9223372036854775809", "1e-400"}) {
    const std::string text = prefix + number + "}}}";
    FeedAll(text);
    const StatusOr<json> j = ParseJson(text);
    if (!j.ok()) {
      EXPECT_THAT(j, StatusIs(StatusCode::kInvalidArgument,
                              HasSubstr("number overflow")));
      continue;
    }
    const StatusOr<Build> build = BuildFromJson(*j);
    if (std::string_view(number) == "-0" ||
        std::string_view(number) == "-9223372036854775809" ||
        std::string_view(number) == "1e-400") {
      EXPECT_OK(build);
    } else {
      EXPECT_THAT(build, StatusIs(StatusCode::kInvalidArgument,
                                  HasSubstr("spec.resources.cpus: ")))
          << number;
    }
  }
  for (const char* number :
       {"99999999999999999999999", "0xFFFFFFFFFFFFFFFFFFFF",
        "0o7777777777777777777777777", "1e400", ".inf", ".nan",
        "-9223372036854775810000"}) {
    const std::string yaml = std::string(
                                 "apiVersion: kiln.dev/v1\nkind: Build\n"
                                 "spec:\n  resources:\n    cpus: ") +
                             number + "\n";
    FeedAll(yaml);
    EXPECT_THAT(BuildFromYaml(yaml),
                StatusIs(StatusCode::kInvalidArgument,
                         HasSubstr("spec.resources.cpus: ")))
        << number;
  }
}

TEST(DecoderFuzzTest, InvalidUtf8) {
  const std::vector<std::string> bad_bytes = {
      "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
      "\x80", "\xe2\x82", "\xfe\xff",     std::string("\0", 1)};
  for (const std::string& b : bad_bytes) {
    FeedAll(
        R"({"apiVersion": "kiln.dev/v1", "kind": "Build", "metadata": {"name": ")" +
        b + "\"}}");
    FeedAll(R"({"apiVersion": "kiln.dev/v1", "kind": "Build", ")" + b +
            "\": 1}");
    FeedAll("apiVersion: kiln.dev/v1\nkind: Build\nmetadata:\n  name: x" + b +
            "\n");
    FeedAll("apiVersion: kiln.dev/v1\nkind: Build\nmetadata:\n  k" + b +
            ": \"v\"\n");
    FeedAll(b + "apiVersion: kiln.dev/v1\n");
    FeedAll("# comment " + b + "\napiVersion: kiln.dev/v1\nkind: Build\n");
  }
  EXPECT_THAT(
      BuildFromYaml("apiVersion: kiln.dev/v1\nkind: Build\n"
                    "metadata:\n  name: \"x\xff\"\n"),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid UTF-8")));
  EXPECT_THAT(ParseJson("{\"a\": \"\xff\"}"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
}

TEST(DecoderFuzzTest, LargeDocuments) {
  json j = ToJson(FullBuild());
  j["spec"]["source"]["inline"]["files"]["big"] = std::string(1 << 20, 'x');
  for (int i = 0; i < 2000; ++i) {
    j["metadata"]["labels"]["k" + std::to_string(i)] = "v";
  }
  FeedAll(j.dump());
  ASSERT_OK_AND_ASSIGN(const std::string yaml, JsonToYaml(j));
  ASSERT_OK_AND_ASSIGN(const Build build, BuildFromYaml(yaml));
  EXPECT_EQ(build.metadata.labels.size(), 2002u);
}

}  // namespace
}  // namespace kiln

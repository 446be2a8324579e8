#include "api_types/build_yaml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "api_types/build_json.h"
#include "api_types/field_error.h"
#include "api_types/yaml_codec.h"
#include "tests/api_types/codec_fixtures.h"
#include "tests/testing/build_paths.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing_fixtures::FullBuild;

TEST(BuildYamlTest, DecodesHelloBuildExample) {
  std::ifstream in(std::string(kiln::testing::kSourceDir) +
                   "/manifests/examples/hello-build.yaml");
  ASSERT_TRUE(in) << kiln::testing::kSourceDir;
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_OK_AND_ASSIGN(const Build build, BuildFromYaml(text.str()));
  EXPECT_EQ(build.metadata.name, "hello");
  EXPECT_EQ(build.metadata.labels.at("team"), "web");
  ASSERT_TRUE(build.spec.source.inline_source.has_value());
  const auto& files = build.spec.source.inline_source->files;
  EXPECT_THAT(files.at("Dockerfile"), StartsWith("FROM kiln/busybox:1\n"));
  EXPECT_THAT(files.at("Dockerfile"), HasSubstr("\nRUN "));
  EXPECT_THAT(files.at("hello.sh"), StartsWith("#!/bin/sh\n"));
  EXPECT_EQ(build.spec.build_args.at("VERSION"), "1.2");
  EXPECT_EQ(build.spec.resources.cpus, 1);
}

TEST(BuildYamlTest, RoundTripsFullBuildThroughYaml) {
  ASSERT_OK_AND_ASSIGN(const std::string yaml, JsonToYaml(ToJson(FullBuild())));
  ASSERT_OK_AND_ASSIGN(const Build build, BuildFromYaml(yaml));
  EXPECT_EQ(build, FullBuild());
}

TEST(BuildYamlTest, FieldErrorsCarryLineAndColumn) {
  const char yaml[] =
      "apiVersion: kiln.dev/v1\n"  // 1
      "kind: Build\n"              // 2
      "metadata:\n"                // 3
      "  name: hello\n"            // 4
      "  labels:\n"                // 5
      "    team: 1\n"              // 6
      "spec:\n"                    // 7
      "  resourcse: {cpus: 1}\n"   // 8
      "  resources:\n"             // 9
      "    cpus: \"2\"\n"          // 10
      "status:\n"                  // 11
      "  phase: queued\n"          // 12
      "  conditions:\n"            // 13
      "  - type: Ready\n"          // 14
      "    status: \"True\"\n"     // 15
      "  - type: Done\n"           // 16
      "    foo: bar\n";            // 17
  std::vector<FieldError> errors;
  EXPECT_THAT(
      BuildFromYaml(yaml, {}, &errors),
      StatusIs(StatusCode::kInvalidArgument,
               "metadata.labels[team]: expected string, got integer (line 6, "
               "column 5); spec.resources.cpus: expected integer, got string "
               "(line 10, column 5); spec.resourcse: unknown field (line 8, "
               "column 3); status.conditions[1].foo: unknown field (line 17, "
               "column 5)"));
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].field, "metadata.labels[team]");
}

TEST(BuildYamlTest, TypesQuotedAndPlainScalarsForFields) {
  EXPECT_THAT(BuildFromYaml("apiVersion: kiln.dev/v1\nkind: Build\n"
                            "spec:\n  cancel: \"true\"\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       "spec.cancel: expected boolean, got string (line 4, "
                       "column 3)"));
  ASSERT_OK_AND_ASSIGN(const Build build,
                       BuildFromYaml("apiVersion: kiln.dev/v1\nkind: Build\n"
                                     "metadata:\n  creationTimestamp: null\n"
                                     "spec:\n  cancel: true\n"
                                     "  buildArgs: {V: \"1.2\"}\n"));
  EXPECT_TRUE(build.spec.cancel);
  EXPECT_FALSE(build.metadata.creation_timestamp.has_value());
}

TEST(BuildYamlTest, DecodesStreamsAndNamesFailingDocuments) {
  const char stream[] =
      "apiVersion: kiln.dev/v1\nkind: Build\nmetadata: {name: a}\n"  // 1-3
      "---\n"                                                        // 4
      "---\n"                                                        // 5
      "apiVersion: kiln.dev/v1\nkind: Build\nmetadata: {name: b}\n"  // 6-8
      "spec:\n  timeoutSeconds: 1.5\n";                              // 9-10
  EXPECT_THAT(BuildsFromYaml(stream),
              StatusIs(StatusCode::kInvalidArgument,
                       "document 3: spec.timeoutSeconds: expected integer, "
                       "got number (line 10, column 3)"));
  const char good[] =
      "apiVersion: kiln.dev/v1\nkind: Build\nmetadata: {name: a}\n---\n"
      "---\napiVersion: kiln.dev/v1\nkind: Build\nmetadata: {name: b}\n";
  ASSERT_OK_AND_ASSIGN(const std::vector<Build> builds, BuildsFromYaml(good));
  ASSERT_EQ(builds.size(), 2u);
  EXPECT_EQ(builds[1].metadata.name, "b");
  EXPECT_THAT(BuildFromYaml(good),
              StatusIs(StatusCode::kInvalidArgument,
                       "yaml: expected exactly one document, got 2"));
}

TEST(BuildYamlTest, ConversionErrorsInStreamsNameTheDocument) {
  EXPECT_THAT(BuildsFromYaml("kind: Build\n---\nkind: Build\nkind: Build\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       "document 2: yaml: line 4, column 1: duplicate key "
                       "\"kind\""));
}

}  // namespace
}  // namespace kiln

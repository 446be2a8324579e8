#include "api_types/build_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_types/build_list_json.h"
#include "api_types/field_error.h"
#include "api_types/json_reader.h"
#include "api_types/utf8.h"
#include "tests/api_types/codec_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_fixtures::FullBuild;

// The wire form of FullBuild(), written by hand from docs/api.md "Build".
const char kCanonicalBuild[] = R"json({
  "apiVersion": "kiln.dev/v1",
  "kind": "Build",
  "metadata": {
    "name": "hello", "namespace": "web",
    "uid": "2f1c7a4e-9a51-4c1e-8f0e-3b7d1a2c5e60", "resourceVersion": "42",
    "generation": 3,
    "creationTimestamp": "2026-11-28T14:55:03Z",
    "deletionTimestamp": "2026-11-28T14:56:03Z",
    "labels": {"team": "web", "app.kubernetes.io/name": "hello"},
    "annotations": {"note": "multi\nline", "version": "1.2"},
    "finalizers": ["kiln.dev/vm-cleanup", "kiln.dev/reservation"]
  },
  "spec": {
    "source": {
      "archive": {"digest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
      "inline": {"files": {"Dockerfile": "FROM kiln/busybox:1\nRUN echo hi\n",
                           "app/main.sh": "#!/bin/sh\necho \"hello\"\n"}}
    },
    "dockerfile": "build/Dockerfile",
    "buildArgs": {"VERSION": "1.2", "DEBUG": "true"},
    "output": {"image": "localhost:5000/web/hello:1"},
    "resources": {"cpus": 2, "memoryMiB": 1024},
    "timeoutSeconds": 600,
    "cancel": true
  },
  "status": {
    "phase": "Pushing", "reason": "BuildError", "message": "step 2/3 failed",
    "conditions": [
      {"type": "Ready", "status": "False", "reason": "Building",
       "message": "in progress", "lastTransitionTime": "2026-11-28T14:55:04Z"},
      {"type": "Succeeded", "status": "Unknown", "reason": "Pending",
       "lastTransitionTime": "2026-11-28T14:55:05Z"},
      {"type": "Admitted", "status": "True"}
    ],
    "observedGeneration": 3,
    "nodeName": "node-a",
    "vm": {"name": "kiln-2f1c7a4e", "driver": "qemu"},
    "startedAt": "2026-11-28T14:55:13Z",
    "completedAt": "2026-11-28T14:56:13Z",
    "durationMs": 60000,
    "image": {"ref": "localhost:5000/web/hello:1",
              "digest": "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
    "provenance": {
      "sourceDigest": "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
      "baseImageDigest": "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
      "dockerfileDigest": "sha256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
      "builder": "kiln-agent/0.1"
    },
    "logBytes": 12345
  }
})json";

json Minimal() {
  return json::parse(R"({"apiVersion": "kiln.dev/v1", "kind": "Build"})");
}

// Decodes `j` and returns its field errors (none when it decodes).
std::vector<FieldError> BuildErrors(const json& j) {
  std::vector<FieldError> errors;
  (void)BuildFromJson(j, {}, &errors);
  return errors;
}

TEST(BuildJsonTest, EncodesFullBuildAsCanonicalJson) {
  EXPECT_EQ(ToJson(FullBuild()), json::parse(kCanonicalBuild));
}

TEST(BuildJsonTest, RoundTripsFullyPopulatedBuild) {
  const Build build = FullBuild();
  ASSERT_OK_AND_ASSIGN(const Build decoded, BuildFromJson(ToJson(build)));
  EXPECT_EQ(decoded, build);
}

TEST(BuildJsonTest, RoundTripsCanonicalJson) {
  const json canonical = json::parse(kCanonicalBuild);
  ASSERT_OK_AND_ASSIGN(const Build decoded, BuildFromJson(canonical));
  EXPECT_EQ(ToJson(decoded), canonical);
}

TEST(BuildJsonTest, OmitsEmptyFields) {
  EXPECT_EQ(ToJson(Build{}), json::parse(R"({"apiVersion": "kiln.dev/v1",
      "kind": "Build", "metadata": {}, "spec": {}})"));
  ASSERT_OK_AND_ASSIGN(const Build decoded, BuildFromJson(ToJson(Build{})));
  EXPECT_EQ(decoded, Build{});
}

TEST(BuildJsonTest, WritesSetOptionalsEvenWhenEmpty) {
  Build build;
  build.spec.output = BuildOutput{};
  build.spec.source.inline_source = InlineSource{};
  build.spec.resources.cpus = 0;
  build.status.vm = VmRef{};
  const json j = ToJson(build);
  EXPECT_EQ(j["spec"]["output"], json::object());
  EXPECT_EQ(j["spec"]["source"]["inline"], json::object());
  EXPECT_EQ(j["spec"]["resources"]["cpus"], 0);
  EXPECT_EQ(j["status"]["vm"], json::object());
  ASSERT_OK_AND_ASSIGN(const Build decoded, BuildFromJson(j));
  EXPECT_EQ(decoded, build);
}

TEST(BuildJsonTest, RejectsUnknownFieldWithPath) {
  json j = Minimal();
  j["spec"]["resourcse"] = {{"cpus", 1}};
  EXPECT_THAT(BuildErrors(j),
              ElementsAre(FieldError{"spec.resourcse", "unknown field"}));
  EXPECT_THAT(BuildFromJson(j), StatusIs(StatusCode::kInvalidArgument,
                                         "spec.resourcse: unknown field"));
}

TEST(BuildJsonTest, RejectsUnknownFieldsAtEveryLevel) {
  json j = Minimal();
  j["color"] = "blue";
  j["metadata"]["generateName"] = "x-";
  j["spec"]["source"]["git"] = {{"url", "x"}};
  j["spec"]["resources"]["gpus"] = 1;
  j["status"]["vm"]["ip"] = "10.0.0.1";
  EXPECT_THAT(BuildErrors(j),
              ElementsAre(FieldError{"metadata.generateName", "unknown field"},
                          FieldError{"spec.source.git", "unknown field"},
                          FieldError{"spec.resources.gpus", "unknown field"},
                          FieldError{"status.vm.ip", "unknown field"},
                          FieldError{"color", "unknown field"}));
}

TEST(BuildJsonTest, RejectsUnknownFieldInArrayElementWithIndex) {
  json j = Minimal();
  j["status"]["conditions"] = json::parse(
      R"([{"type": "Ready", "status": "True"}, {"type": "X", "foo": 1}])");
  EXPECT_THAT(BuildErrors(j), ElementsAre(FieldError{"status.conditions[1].foo",
                                                     "unknown field"}));
}

TEST(BuildJsonTest, RejectsWrongTypeWithPathAndExpectedType) {
  json j = Minimal();
  j["spec"]["resources"]["cpus"] = "2";
  EXPECT_THAT(BuildFromJson(j),
              StatusIs(StatusCode::kInvalidArgument,
                       "spec.resources.cpus: expected integer, got string"));
}

TEST(BuildJsonTest, NamesPathAndTypeForEveryKindOfField) {
  json j = json::parse(R"({
    "apiVersion": "kiln.dev/v1", "kind": "Build",
    "metadata": {"name": 7, "labels": {"team": 1, "ok": "x"},
                 "annotations": [], "finalizers": ["a", false],
                 "creationTimestamp": "yesterday", "generation": "3"},
    "spec": {"source": {"archive": "sha256:x",
                        "inline": {"files": {"Dockerfile": null}}},
             "buildArgs": {"A": 1.5}, "cancel": "yes", "output": [],
             "timeoutSeconds": true},
    "status": {"conditions": {"type": "Ready"}, "logBytes": 1.5,
               "startedAt": 1700000000}
  })");
  EXPECT_THAT(
      BuildErrors(j),
      ElementsAre(
          FieldError{"metadata.name", "expected string, got integer"},
          FieldError{"metadata.generation", "expected integer, got string"},
          FieldError{"metadata.creationTimestamp",
                     "expected RFC 3339 time like \"2026-11-28T14:55:03Z\", "
                     "got \"yesterday\""},
          FieldError{"metadata.labels[team]", "expected string, got integer"},
          FieldError{"metadata.annotations", "expected object, got array"},
          FieldError{"metadata.finalizers[1]", "expected string, got boolean"},
          FieldError{"spec.source.archive", "expected object, got string"},
          FieldError{"spec.source.inline.files[Dockerfile]",
                     "expected string, got null"},
          FieldError{"spec.buildArgs[A]", "expected string, got number"},
          FieldError{"spec.output", "expected object, got array"},
          FieldError{"spec.timeoutSeconds", "expected integer, got boolean"},
          FieldError{"spec.cancel", "expected boolean, got string"},
          FieldError{"status.conditions", "expected array, got object"},
          FieldError{"status.startedAt", "expected string, got integer"},
          FieldError{"status.logBytes", "expected integer, got number"}));
}

TEST(BuildJsonTest, ReportsAllErrorsInOneStatus) {
  json j = Minimal();
  j["spec"]["resources"] = {{"cpus", "1"}, {"memoryMiB", -1.5}};
  j["spec"]["resourcse"] = 1;
  EXPECT_THAT(BuildFromJson(j),
              StatusIs(StatusCode::kInvalidArgument,
                       "spec.resources.cpus: expected integer, got string; "
                       "spec.resources.memoryMiB: expected integer, got "
                       "number; spec.resourcse: unknown field"));
}

TEST(BuildJsonTest, AcceptsIntegralNumbersOnly) {
  json j = Minimal();
  j["spec"]["resources"] = {{"cpus", 2.0}, {"memoryMiB", 9223372036854775807}};
  j["spec"]["timeoutSeconds"] = -9223372036854775807 - 1;
  ASSERT_OK_AND_ASSIGN(const Build build, BuildFromJson(j));
  EXPECT_EQ(build.spec.resources.cpus, 2);
  EXPECT_EQ(build.spec.resources.memory_mib, INT64_MAX);
  EXPECT_EQ(build.spec.timeout_seconds, INT64_MIN);
}

TEST(BuildJsonTest, RejectsIntegersOutOfRange) {
  json j = Minimal();
  j["spec"]["resources"] = {{"cpus", 9223372036854775808u},
                            {"memoryMiB", 1e30}};
  j["spec"]["timeoutSeconds"] = -1e19;
  EXPECT_THAT(
      BuildErrors(j),
      ElementsAre(
          FieldError{"spec.resources.cpus", "integer out of range"},
          FieldError{"spec.resources.memoryMiB", "integer out of range"},
          FieldError{"spec.timeoutSeconds", "integer out of range"}));
}

TEST(BuildJsonTest, TreatsNullAsUnset) {
  const json j = json::parse(R"({
    "apiVersion": "kiln.dev/v1", "kind": "Build",
    "metadata": {"name": "hello", "creationTimestamp": null, "labels": null,
                 "uid": null, "generation": null},
    "spec": {"source": null, "output": null, "resources": {"cpus": null},
             "cancel": null, "buildArgs": null},
    "status": null
  })");
  ASSERT_OK_AND_ASSIGN(const Build build, BuildFromJson(j));
  Build want;
  want.metadata.name = "hello";
  EXPECT_EQ(build, want);
}

TEST(BuildJsonTest, RequiresApiVersionAndKind) {
  EXPECT_THAT(
      BuildErrors(json::object()),
      ElementsAre(
          FieldError{"apiVersion", "required value, must be \"kiln.dev/v1\""},
          FieldError{"kind", "required value, must be \"Build\""}));
  json j = Minimal();
  j["apiVersion"] = "kiln.dev/v2";
  j["kind"] = "Node";
  EXPECT_THAT(
      BuildErrors(j),
      ElementsAre(FieldError{"apiVersion",
                             "must be \"kiln.dev/v1\", "
                             "got \"kiln.dev/v2\""},
                  FieldError{"kind", "must be \"Build\", got \"Node\""}));
}

TEST(BuildJsonTest, OptionallyAllowsMissingTypeMeta) {
  const DecodeOptions lenient{.require_type_meta = false};
  const json patch = json::parse(R"({"spec": {"cancel": true}})");
  ASSERT_OK_AND_ASSIGN(const Build build, BuildFromJson(patch, lenient));
  EXPECT_TRUE(build.spec.cancel);
  EXPECT_OK(BuildFromJson(Minimal(), lenient));
  EXPECT_THAT(BuildFromJson(json::parse(R"({"kind": "Event"})"), lenient),
              StatusIs(StatusCode::kInvalidArgument,
                       "kind: must be \"Build\", got \"Event\""));
}

TEST(BuildJsonTest, DecodesLegacyQueuedPhaseAsPending) {
  for (const char* legacy : {"queued", "Queued"}) {
    json j = Minimal();
    j["status"]["phase"] = legacy;
    ASSERT_OK_AND_ASSIGN(const Build build, BuildFromJson(j));
    EXPECT_EQ(build.status.phase, BuildPhase::kPending) << legacy;
    EXPECT_EQ(ToJson(build)["status"]["phase"], "Pending");
  }
}

TEST(BuildJsonTest, DecodesEveryPhaseName) {
  for (const char* name :
       {"Pending", "Building", "Pushing", "Ready", "Failed", "Cancelled"}) {
    json j = Minimal();
    j["status"]["phase"] = name;
    ASSERT_OK_AND_ASSIGN(const Build build, BuildFromJson(j));
    EXPECT_EQ(ToJson(build)["status"]["phase"], name);
  }
}

TEST(BuildJsonTest, RejectsUnknownPhaseWithPath) {
  json j = Minimal();
  j["status"]["phase"] = "Running";
  EXPECT_THAT(
      BuildFromJson(j),
      StatusIs(StatusCode::kInvalidArgument,
               HasSubstr("status.phase: unsupported value \"Running\"")));
}

TEST(BuildJsonTest, RejectsUnknownConditionStatus) {
  json j = Minimal();
  j["status"]["conditions"] =
      json::parse(R"([{"type": "Ready", "status": "true"}])");
  EXPECT_THAT(BuildFromJson(j),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("status.conditions[0].status: unsupported "
                                 "value \"true\"")));
}

TEST(BuildJsonTest, RejectsNonObjects) {
  for (const char* text : {"[]", "null", "\"Build\"", "1", "true"}) {
    EXPECT_THAT(BuildFromJson(json::parse(text)),
                StatusIs(StatusCode::kInvalidArgument,
                         HasSubstr("expected object, got")))
        << text;
  }
}

TEST(BuildJsonTest, CapsTheNumberOfReportedErrors) {
  json j = Minimal();
  for (int i = 0; i < 200; ++i) j["spec"]["x" + std::to_string(i)] = i;
  const std::vector<FieldError> errors = BuildErrors(j);
  ASSERT_EQ(errors.size(), FieldErrorCollector::kMaxErrors + 1);
  EXPECT_EQ(errors.back(), (FieldError{"", "150 more errors not shown"}));
}

TEST(BuildJsonTest, RejectsInvalidUtf8AndKeepsMessagesValid) {
  json j = Minimal();
  j["metadata"]["name"] = "bad\xff";
  j["metadata"]["labels"]["k\xc0\xaf"] = "v";
  j["spec"]["\xed\xa0\x80"] = 1;  // a surrogate
  const std::vector<FieldError> errors = BuildErrors(j);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0],
            (FieldError{"metadata.name", "invalid UTF-8 in string"}));
  EXPECT_EQ(errors[1].message, "invalid UTF-8 in key");
  EXPECT_EQ(errors[2].message, "unknown field");
  const Status status = BuildFromJson(j).status();
  EXPECT_TRUE(IsValidUtf8(status.message())) << status.message();
}

TEST(BuildJsonTest, StructuredErrorsAreEmptyOnSuccess) {
  std::vector<FieldError> errors = {{"stale", "entry"}};
  EXPECT_OK(BuildFromJson(ToJson(FullBuild()), {}, &errors));
  EXPECT_TRUE(errors.empty());
}

TEST(BuildListJsonTest, RoundTripsWithListMeta) {
  BuildList list;
  list.metadata.resource_version = "99";
  list.metadata.continue_token = "eyJydiI6OTl9";
  list.metadata.remaining_item_count = 7;
  list.items = {FullBuild(), Build{}};
  const json j = ToJson(list);
  EXPECT_EQ(j["kind"], "BuildList");
  EXPECT_EQ(j["metadata"], json::parse(R"({"resourceVersion": "99",
      "continue": "eyJydiI6OTl9", "remainingItemCount": 7})"));
  EXPECT_EQ(j["items"][0], ToJson(FullBuild()));
  ASSERT_OK_AND_ASSIGN(const BuildList decoded, BuildListFromJson(j));
  EXPECT_EQ(decoded, list);
}

TEST(BuildListJsonTest, WritesEmptyItemsArray) {
  EXPECT_EQ(ToJson(BuildList{}),
            json::parse(R"({"apiVersion": "kiln.dev/v1", "kind": "BuildList",
                            "metadata": {}, "items": []})"));
}

TEST(BuildListJsonTest, ItemsMayOmitTypeMetaButNotContradictIt) {
  const json j = json::parse(R"({"apiVersion": "kiln.dev/v1",
      "kind": "BuildList", "items": [{"metadata": {"name": "a"}},
      {"kind": "Node"}, {"spec": {"resourcse": 1}}]})");
  std::vector<FieldError> errors;
  EXPECT_THAT(BuildListFromJson(j, {}, &errors),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(
      errors,
      ElementsAre(
          FieldError{"items[1].kind", "must be \"Build\", got \"Node\""},
          FieldError{"items[2].spec.resourcse", "unknown field"}));
}

}  // namespace
}  // namespace kiln

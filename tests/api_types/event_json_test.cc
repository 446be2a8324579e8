#include "api_types/event_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "api_types/field_error.h"
#include "tests/api_types/codec_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::nlohmann::json;
using ::testing::ElementsAre;
using testing_fixtures::FullEvent;

const char kCanonicalEvent[] = R"json({
  "apiVersion": "kiln.dev/v1",
  "kind": "Event",
  "metadata": {
    "name": "hello.17a2b3c4", "namespace": "web",
    "uid": "2f1c7a4e-9a51-4c1e-8f0e-3b7d1a2c5e60",
    "resourceVersion": "42", "generation": 3,
    "creationTimestamp": "2026-11-28T14:55:03Z",
    "deletionTimestamp": "2026-11-28T14:56:03Z",
    "labels": {"team": "web", "app.kubernetes.io/name": "hello"},
    "annotations": {"note": "multi\nline", "version": "1.2"},
    "finalizers": ["kiln.dev/vm-cleanup", "kiln.dev/reservation"]
  },
  "involvedObject": {
    "apiVersion": "kiln.dev/v1", "kind": "Build", "namespace": "web",
    "name": "hello", "uid": "2f1c7a4e-9a51-4c1e-8f0e-3b7d1a2c5e60",
    "resourceVersion": "41"
  },
  "reason": "Admitted",
  "message": "reserved 2 cpus, 1024 MiB on node-a",
  "type": "Normal",
  "count": 3,
  "firstTimestamp": "2026-11-28T14:55:03Z",
  "lastTimestamp": "2026-11-28T14:55:33Z",
  "source": {"component": "kilnd"}
})json";

std::vector<FieldError> EventErrors(const json& j) {
  std::vector<FieldError> errors;
  (void)EventFromJson(j, {}, &errors);
  return errors;
}

TEST(EventJsonTest, EncodesFullEventAsCanonicalJson) {
  EXPECT_EQ(ToJson(FullEvent()), json::parse(kCanonicalEvent));
}

TEST(EventJsonTest, RoundTripsFullyPopulatedEvent) {
  ASSERT_OK_AND_ASSIGN(const Event decoded, EventFromJson(ToJson(FullEvent())));
  EXPECT_EQ(decoded, FullEvent());
}

TEST(EventJsonTest, RoundTripsCanonicalJson) {
  const json canonical = json::parse(kCanonicalEvent);
  ASSERT_OK_AND_ASSIGN(const Event decoded, EventFromJson(canonical));
  EXPECT_EQ(ToJson(decoded), canonical);
}

TEST(EventJsonTest, OmitsEmptyFieldsButKeepsInvolvedObject) {
  EXPECT_EQ(ToJson(Event{}),
            json::parse(R"({"apiVersion": "kiln.dev/v1", "kind": "Event",
                            "metadata": {}, "involvedObject": {}})"));
  ASSERT_OK_AND_ASSIGN(const Event decoded, EventFromJson(ToJson(Event{})));
  EXPECT_EQ(decoded, Event{});
}

TEST(EventJsonTest, RejectsUnknownFieldsAndWrongTypesWithPaths) {
  const json j = json::parse(R"({"apiVersion": "kiln.dev/v1", "kind": "Event",
      "involvedObject": {"kind": "Build", "fieldPath": "spec"},
      "count": "3", "lastTimestamp": "2026-11-28", "source": {"host": "a"}})");
  EXPECT_THAT(
      EventErrors(j),
      ElementsAre(
          FieldError{"involvedObject.fieldPath", "unknown field"},
          FieldError{"count", "expected integer, got string"},
          FieldError{"lastTimestamp",
                     "expected RFC 3339 time like \"2026-11-28T14:55:03Z\", "
                     "got \"2026-11-28\""},
          FieldError{"source.host", "unknown field"}));
}

TEST(EventJsonTest, TreatsNullAsUnset) {
  ASSERT_OK_AND_ASSIGN(
      const Event decoded,
      EventFromJson(json::parse(R"({"apiVersion": "kiln.dev/v1",
          "kind": "Event", "involvedObject": null, "firstTimestamp": null,
          "source": {"component": null}, "reason": "Admitted"})")));
  Event want;
  want.reason = "Admitted";
  EXPECT_EQ(decoded, want);
}

}  // namespace
}  // namespace kiln

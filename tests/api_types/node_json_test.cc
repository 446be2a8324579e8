#include "api_types/node_json.h"

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
using testing_fixtures::FullNode;

const char kCanonicalNode[] = R"json({
  "apiVersion": "kiln.dev/v1",
  "kind": "Node",
  "metadata": {
    "name": "hello", "uid": "2f1c7a4e-9a51-4c1e-8f0e-3b7d1a2c5e60",
    "resourceVersion": "42", "generation": 3,
    "creationTimestamp": "2026-11-28T14:55:03Z",
    "deletionTimestamp": "2026-11-28T14:56:03Z",
    "labels": {"team": "web", "app.kubernetes.io/name": "hello"},
    "annotations": {"note": "multi\nline", "version": "1.2"},
    "finalizers": ["kiln.dev/vm-cleanup", "kiln.dev/reservation"]
  },
  "status": {
    "capacity": {"cpus": 8, "memoryMiB": 16384, "builds": 4},
    "allocated": {"cpus": 2, "memoryMiB": 1024, "builds": 1},
    "driver": "qemu",
    "accelerator": "kvm"
  }
})json";

std::vector<FieldError> NodeErrors(const json& j) {
  std::vector<FieldError> errors;
  (void)NodeFromJson(j, {}, &errors);
  return errors;
}

TEST(NodeJsonTest, EncodesFullNodeAsCanonicalJson) {
  EXPECT_EQ(ToJson(FullNode()), json::parse(kCanonicalNode));
}

TEST(NodeJsonTest, RoundTripsFullyPopulatedNode) {
  ASSERT_OK_AND_ASSIGN(const Node decoded, NodeFromJson(ToJson(FullNode())));
  EXPECT_EQ(decoded, FullNode());
}

TEST(NodeJsonTest, RoundTripsCanonicalJson) {
  const json canonical = json::parse(kCanonicalNode);
  ASSERT_OK_AND_ASSIGN(const Node decoded, NodeFromJson(canonical));
  EXPECT_EQ(ToJson(decoded), canonical);
}

TEST(NodeJsonTest, AlwaysWritesCapacityAndAllocatedCounts) {
  EXPECT_EQ(ToJson(Node{}), json::parse(R"({"apiVersion": "kiln.dev/v1",
      "kind": "Node", "metadata": {}, "status": {
      "capacity": {"cpus": 0, "memoryMiB": 0, "builds": 0},
      "allocated": {"cpus": 0, "memoryMiB": 0, "builds": 0}}})"));
  ASSERT_OK_AND_ASSIGN(const Node decoded, NodeFromJson(ToJson(Node{})));
  EXPECT_EQ(decoded, Node{});
}

TEST(NodeJsonTest, TreatsNullAndMissingAsUnset) {
  ASSERT_OK_AND_ASSIGN(
      const Node decoded,
      NodeFromJson(json::parse(R"({"apiVersion": "kiln.dev/v1", "kind": "Node",
          "metadata": {"name": "n", "creationTimestamp": null},
          "status": {"capacity": {"cpus": 4}, "allocated": null}})")));
  Node want;
  want.metadata.name = "n";
  want.status.capacity.cpus = 4;
  EXPECT_EQ(decoded, want);
}

TEST(NodeJsonTest, RejectsUnknownFieldsAndWrongTypesWithPaths) {
  const json j = json::parse(R"({"apiVersion": "kiln.dev/v1", "kind": "Node",
      "spec": {}, "status": {"capacity": {"cpus": "8", "gpus": 1},
      "allocated": {"builds": 0.5}, "driver": 1}})");
  EXPECT_THAT(
      NodeErrors(j),
      ElementsAre(
          FieldError{"status.capacity.cpus", "expected integer, got string"},
          FieldError{"status.capacity.gpus", "unknown field"},
          FieldError{"status.allocated.builds", "expected integer, got number"},
          FieldError{"status.driver", "expected string, got integer"},
          FieldError{"spec", "unknown field"}));
}

TEST(NodeJsonTest, ChecksTypeMeta) {
  EXPECT_THAT(NodeFromJson(json::parse(R"({"apiVersion": "kiln.dev/v1",
                                           "kind": "Build"})")),
              StatusIs(StatusCode::kInvalidArgument,
                       "kind: must be \"Node\", got \"Build\""));
  EXPECT_OK(NodeFromJson(json::object(), {.require_type_meta = false}));
}

}  // namespace
}  // namespace kiln

#include "controller/apiserver/node_storage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "controller/apiserver/host_capacity.h"
#include "tests/controller/apiserver/storage_test_util.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

class NodeStorageTest : public RegistryTest {
 protected:
  // Overwrites the Node's allocation behind the registries' back.
  void SkewAllocation(const NodeResources& allocated) {
    ASSERT_OK_AND_ASSIGN(Node node, nodes().Get(kTestNode));
    node.status.allocated = allocated;
    ASSERT_OK(
        store().Update(NodeObjectKey(kTestNode), ToJson(node), std::nullopt));
  }
};

TEST_F(NodeStorageTest, EnsureNodeCreatesWithZeroAllocation) {
  ASSERT_OK_AND_ASSIGN(Node node, nodes().Get(kTestNode));
  EXPECT_EQ(node.metadata.name, kTestNode);
  EXPECT_FALSE(node.metadata.uid.empty());
  EXPECT_TRUE(node.metadata.creation_timestamp.has_value());
  EXPECT_EQ(node.status.capacity, DefaultCapacity());
  EXPECT_EQ(node.status.allocated, (NodeResources{}));
  EXPECT_EQ(node.status.driver, "process");
}

TEST_F(NodeStorageTest, EnsureNodeUpdatesCapacityKeepingAllocation) {
  MustCreate("a", 2, 2048);
  ASSERT_OK(nodes().EnsureNode(kTestNode, {16, 32768, 8}, "qemu"));
  ASSERT_OK_AND_ASSIGN(Node node, nodes().Get(kTestNode));
  EXPECT_EQ(node.status.capacity, (NodeResources{16, 32768, 8}));
  EXPECT_EQ(node.status.allocated, (NodeResources{2, 2048, 1}));
  EXPECT_EQ(node.status.driver, "qemu");
}

TEST_F(NodeStorageTest, EnsureNodeRecordsAccelerator) {
  ASSERT_OK(nodes().EnsureNode(kTestNode, DefaultCapacity(), "qemu", "tcg"));
  ASSERT_OK_AND_ASSIGN(Node node, nodes().Get(kTestNode));
  EXPECT_EQ(node.status.driver, "qemu");
  EXPECT_EQ(node.status.accelerator, "tcg");
  ASSERT_OK(nodes().EnsureNode(kTestNode, DefaultCapacity(), "process"));
  ASSERT_OK_AND_ASSIGN(node, nodes().Get(kTestNode));
  EXPECT_EQ(node.status.driver, "process");
  EXPECT_EQ(node.status.accelerator, "");
}

TEST_F(NodeStorageTest, EnsureNodeUnchangedWritesNothing) {
  const int64_t before = store().CurrentRevision();
  ASSERT_OK(nodes().EnsureNode(kTestNode, DefaultCapacity(), "process"));
  EXPECT_EQ(store().CurrentRevision(), before);
}

TEST_F(NodeStorageTest, EnsureNodeRejectsBadArguments) {
  EXPECT_THAT(
      nodes().EnsureNode("Bad_Name", DefaultCapacity(), ""),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("metadata.name")));
  EXPECT_THAT(nodes().EnsureNode("n", {-1, 0, 0}, ""),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("status.capacity.cpus: must be >= 0")));
}

TEST_F(NodeStorageTest, RepairAllocationFixesSkew) {
  MustCreate("a", 2, 2048);
  MustCreate("b", 1, 1024);
  MustCreate("c", 1, 512);
  Finish("c", BuildPhase::kFailed);
  SkewAllocation({7, 100, 4});
  ASSERT_OK(nodes().RepairAllocation(kTestNode));
  EXPECT_EQ(Allocated(), (NodeResources{3, 3072, 2}));
  const int64_t before = store().CurrentRevision();
  ASSERT_OK(nodes().RepairAllocation(kTestNode));  // already right: no write
  EXPECT_EQ(store().CurrentRevision(), before);
}

TEST_F(NodeStorageTest, RepairAllocationOfMissingNodeIsNotFound) {
  EXPECT_THAT(
      nodes().RepairAllocation("node-z"),
      StatusIs(StatusCode::kNotFound, "nodes.kiln.dev \"node-z\" not found"));
}

TEST_F(NodeStorageTest, GetMissingHasKubernetesMessage) {
  EXPECT_THAT(
      nodes().Get("node-z"),
      StatusIs(StatusCode::kNotFound, "nodes.kiln.dev \"node-z\" not found"));
}

TEST_F(NodeStorageTest, ListReturnsNodesAndRevision) {
  ASSERT_OK(nodes().EnsureNode("node-b", {1, 64, 1}, ""));
  ASSERT_OK_AND_ASSIGN(NodeList list, nodes().List(LabelSelector(), 0, ""));
  ASSERT_EQ(list.items.size(), 2u);
  EXPECT_EQ(list.items[0].metadata.name, "node-a");
  EXPECT_EQ(list.items[1].metadata.name, "node-b");
  EXPECT_EQ(list.metadata.resource_version,
            std::to_string(store().CurrentRevision()));
  const nlohmann::json json = ToJson(list);
  EXPECT_EQ(json["kind"], "NodeList");
  EXPECT_EQ(json["items"][1]["status"]["capacity"]["memoryMiB"], 64);
}

TEST(HostCapacityTest, ReportsThisHost) {
  const NodeResources capacity = HostCapacity();
  EXPECT_GE(capacity.cpus, 1);
  EXPECT_GE(capacity.memory_mib, 64);
  EXPECT_EQ(capacity.builds, capacity.cpus);
}

}  // namespace
}  // namespace kiln

// Fixture and helpers for the registry tests: a real SqliteStore in a temp
// dir, a FakeClock, one registered Node and a BuildStorage. Test-only.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "api_types/build.h"
#include "api_types/build_json.h"
#include "api_types/node.h"
#include "api_types/node_json.h"
#include "controller/apiserver/build_storage.h"
#include "controller/apiserver/node_storage.h"
#include "controller/apiserver/resource_keys.h"
#include "controller/store/sqlite_store.h"
#include "tests/controller/store/store_test_util.h"
#include "tests/fakes/fake_clock.h"
#include "tests/testing/status_matchers.h"

namespace kiln {

inline void PrintTo(const Build& build, std::ostream* os) {
  *os << ToJson(build).dump();
}
inline void PrintTo(const BuildWriteResult& result, std::ostream* os) {
  *os << (result.created ? "created " : "written ")
      << ToJson(result.build).dump();
}
inline void PrintTo(const NodeResources& r, std::ostream* os) {
  *os << "{cpus=" << r.cpus << " memoryMiB=" << r.memory_mib
      << " builds=" << r.builds << "}";
}
inline void PrintTo(const Node& node, std::ostream* os) {
  *os << ToJson(node).dump();
}

inline constexpr char kTestNode[] = "node-a";

// A minimal valid Build body (inline source) as a client would POST it.
inline nlohmann::json BuildBody(const std::string& name, int64_t cpus = 1,
                                int64_t memory_mib = 1024) {
  return nlohmann::json{
      {"apiVersion", "kiln.dev/v1"},
      {"kind", "Build"},
      {"metadata", {{"name", name}, {"labels", {{"team", "web"}}}}},
      {"spec",
       {{"source",
         {{"inline", {{"files", {{"Dockerfile", "FROM kiln/busybox:1\n"}}}}}}},
        {"resources", {{"cpus", cpus}, {"memoryMiB", memory_mib}}}}}};
}

class RegistryTest : public ::testing::Test {
 protected:
  // Node capacity unless a test registers another.
  static NodeResources DefaultCapacity() { return {8, 16384, 4}; }

  void SetUp() override {
    SqliteStoreOptions options;
    options.path = (dir_.path() / "kiln.db").string();
    ASSERT_OK_AND_ASSIGN(store_, SqliteStore::Open(options));
    nodes_ = std::make_unique<NodeStorage>(*store_, clock_);
    ASSERT_OK(nodes_->EnsureNode(kTestNode, DefaultCapacity(), "process"));
    BuildStorageOptions registry_options;
    registry_options.node_name = kTestNode;
    registry_options.image_registry = "127.0.0.1:5000";
    builds_ = std::make_unique<BuildStorage>(*store_, clock_, registry_options);
  }

  Store& store() { return *store_; }
  BuildStorage& builds() { return *builds_; }
  NodeStorage& nodes() { return *nodes_; }

  NodeResources Allocated() {
    StatusOr<Node> node = nodes_->Get(kTestNode);
    EXPECT_OK(node);
    return node.ok() ? node->status.allocated : NodeResources{};
  }

  // Creates `name` in "default"; fails the test on error.
  Build MustCreate(const std::string& name, int64_t cpus = 1,
                   int64_t memory_mib = 1024) {
    StatusOr<BuildWriteResult> result =
        builds_->Create("default", BuildBody(name, cpus, memory_mib), {});
    EXPECT_OK(result);
    return result.ok() ? result->build : Build{};
  }

  // Writes status.phase (and durationMs) through the status subresource.
  StatusOr<BuildWriteResult> WritePhase(
      const std::string& name, BuildPhase phase,
      std::optional<int64_t> duration_ms = std::nullopt) {
    StatusOr<Build> current = builds_->Get("default", name);
    if (!current.ok()) return current.status();
    Build next = *current;
    next.status.phase = phase;
    next.status.duration_ms = duration_ms;
    return builds_->Update("default", name, ToJson(next),
                           /*status_subresource=*/true, {});
  }

  // Walks `name` Pending -> Building -> `terminal`.
  void Finish(const std::string& name, BuildPhase terminal,
              std::optional<int64_t> duration_ms = std::nullopt) {
    ASSERT_OK(WritePhase(name, BuildPhase::kBuilding));
    ASSERT_OK(WritePhase(name, terminal, duration_ms));
  }

  ScopedTempDir dir_;
  FakeClock clock_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<NodeStorage> nodes_;
  std::unique_ptr<BuildStorage> builds_;
};

}  // namespace kiln

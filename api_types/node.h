// The Node resource (cluster-scoped, one per kilnd host): what it can hold and
// what admitted Builds hold now. Plain value types: thread-compatible.
#pragma once

#include <cstdint>
#include <string>

#include "api_types/object_meta.h"

namespace kiln {

inline constexpr char kNodeKind[] = "Node";

struct NodeResources {
  int64_t cpus = 0;
  int64_t memory_mib = 0;  // wire: memoryMiB
  int64_t builds = 0;
  friend bool operator==(const NodeResources&, const NodeResources&) = default;
};

struct NodeStatus {
  NodeResources capacity;
  NodeResources allocated;
  std::string driver;       // "process" | "qemu"; "" until known
  std::string accelerator;  // "kvm" | "tcg" | ""
  friend bool operator==(const NodeStatus&, const NodeStatus&) = default;
};

struct Node {
  ObjectMeta metadata;
  NodeStatus status;
  friend bool operator==(const Node&, const Node&) = default;
};

}  // namespace kiln

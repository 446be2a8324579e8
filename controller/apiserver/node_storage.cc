#include "controller/apiserver/node_storage.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>
#include <vector>

#include "api_types/build_json.h"
#include "api_types/names.h"
#include "api_types/node_json.h"
#include "controller/apiserver/admission.h"
#include "controller/apiserver/node_txn.h"
#include "controller/apiserver/object_ids.h"
#include "controller/apiserver/resource_errors.h"
#include "controller/apiserver/resource_keys.h"

namespace kiln {
namespace {

constexpr int kMaxAttempts = 50;

Status CheckNodeArguments(const std::string& name,
                          const NodeResources& capacity) {
  std::vector<FieldError> errors;
  if (Status s = CheckDns1123Subdomain(name); !s.ok()) {
    errors.push_back({"metadata.name", s.message()});
  }
  const auto check = [&](const char* field, int64_t value) {
    if (value < 0) errors.push_back({field, "must be >= 0"});
  };
  check("status.capacity.cpus", capacity.cpus);
  check("status.capacity.memoryMiB", capacity.memory_mib);
  check("status.capacity.builds", capacity.builds);
  return FieldErrorsToStatus(errors);
}

// Runs `attempt` until it returns anything but Aborted.
Status RetryOnConflict(const std::string& what,
                       const std::function<Status()>& attempt) {
  for (int i = 0; i < kMaxAttempts; ++i) {
    Status s = attempt();
    if (s.code() != StatusCode::kAborted) return s;
  }
  return UnavailableError(what + ": " + std::to_string(kMaxAttempts) +
                          " attempts conflicted with concurrent writes");
}

}  // namespace

NodeStorage::NodeStorage(Store& store, Clock& clock)
    : store_(store), clock_(clock) {}

Status NodeStorage::EnsureNode(const std::string& name,
                               const NodeResources& capacity,
                               const std::string& driver,
                               const std::string& accelerator) {
  RETURN_IF_ERROR(CheckNodeArguments(name, capacity));
  return RetryOnConflict("register node \"" + name + "\"", [&] {
    return EnsureNodeOnce(name, capacity, driver, accelerator);
  });
}

Status NodeStorage::EnsureNodeOnce(const std::string& name,
                                   const NodeResources& capacity,
                                   const std::string& driver,
                                   const std::string& accelerator) {
  ASSIGN_OR_RETURN(ReadNodeResult read, ReadNode(store_, name));
  if (!read.found) {
    Node node;
    node.metadata.name = name;
    node.metadata.uid = NewUid();
    node.metadata.creation_timestamp =
        std::chrono::floor<std::chrono::seconds>(clock_.SystemNow());
    node.status.capacity = capacity;
    node.status.driver = driver;
    node.status.accelerator = accelerator;
    StatusOr<StoredObject> created =
        store_.Create(NodeObjectKey(name), ToJson(node));
    // Lost a race with another registration: read it and update instead.
    if (created.status().code() == StatusCode::kAlreadyExists) {
      return AbortedError("node created concurrently");
    }
    return created.status();
  }
  Node node = std::move(read.node);
  if (node.status.capacity == capacity && node.status.driver == driver &&
      node.status.accelerator == accelerator) {
    return OkStatus();
  }
  node.status.capacity = capacity;
  node.status.driver = driver;
  node.status.accelerator = accelerator;
  return store_.Update(NodeObjectKey(name), ToJson(node), read.revision)
      .status();
}

Status NodeStorage::RepairAllocation(const std::string& name) {
  return RetryOnConflict("repair allocation of node \"" + name + "\"",
                         [&] { return RepairAllocationOnce(name); });
}

Status NodeStorage::RepairAllocationOnce(const std::string& name) {
  // Node first, Builds second: see the header.
  ASSIGN_OR_RETURN(ReadNodeResult read, ReadNode(store_, name));
  if (!read.found) return ResourceNotFound(kNodesResource, name);
  ListOptions options;
  options.scope = ResourceScope{kBuildsResource, std::nullopt};
  ASSIGN_OR_RETURN(ListResult builds, store_.List(options));
  NodeResources allocated;
  for (const StoredObject& item : builds.items) {
    StatusOr<Build> build = BuildFromJson(item.value);
    if (!build.ok()) {
      return InternalError("stored build " + item.key.Path() +
                           " does not decode: " + build.status().message());
    }
    if (!HoldsAllocation(*build) || ChargedNode(*build, name) != name) {
      continue;
    }
    allocated = AddResources(allocated, BuildRequest(*build));
  }
  if (read.node.status.allocated == allocated) return OkStatus();
  const NodeResources was = read.node.status.allocated;
  read.node.status.allocated = allocated;
  RETURN_IF_ERROR(
      store_.Update(NodeObjectKey(name), ToJson(read.node), read.revision)
          .status());
  // Admission and release keep the allocation exact in the transactions
  // that change it, so a repair means something wrote around them: say so
  // (hack/chaos.sh counts these lines as violations).
  spdlog::warn(
      "node {}: allocation repaired: was cpus={} memoryMiB={} builds={}, "
      "its non-terminal Builds hold cpus={} memoryMiB={} builds={}",
      name, was.cpus, was.memory_mib, was.builds, allocated.cpus,
      allocated.memory_mib, allocated.builds);
  return OkStatus();
}

StatusOr<Node> NodeStorage::Get(const std::string& name) {
  ASSIGN_OR_RETURN(ReadNodeResult read, ReadNode(store_, name));
  if (!read.found) return ResourceNotFound(kNodesResource, name);
  return std::move(read.node);
}

StatusOr<NodeList> NodeStorage::List(const LabelSelector& selector,
                                     int64_t limit,
                                     const std::string& continue_token) {
  ListOptions options;
  options.scope = ResourceScope{kNodesResource, std::nullopt};
  options.selector = selector;
  options.limit = limit;
  options.continue_token = continue_token;
  ASSIGN_OR_RETURN(ListResult result, store_.List(options));
  NodeList list;
  list.metadata.resource_version = std::to_string(result.revision);
  list.metadata.continue_token = result.continue_token;
  list.metadata.remaining_item_count = result.remaining;
  for (const StoredObject& item : result.items) {
    StatusOr<Node> node = NodeFromJson(item.value);
    if (!node.ok()) {
      return InternalError("stored node " + item.key.Path() +
                           " does not decode: " + node.status().message());
    }
    list.items.push_back(std::move(node).value());
  }
  return list;
}

}  // namespace kiln

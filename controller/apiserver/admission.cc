#include "controller/apiserver/admission.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "api_types/field_error.h"
#include "api_types/phase.h"
#include "controller/apiserver/resource_errors.h"

namespace kiln {

NodeResources BuildRequest(const Build& build) {
  NodeResources request;
  request.cpus = build.spec.resources.cpus.value_or(0);
  request.memory_mib = build.spec.resources.memory_mib.value_or(0);
  request.builds = 1;
  return request;
}

bool HoldsAllocation(const Build& build) {
  return !IsTerminal(build.status.phase);
}

std::string ChargedNode(const Build& build, std::string_view default_node) {
  return build.status.node_name.empty() ? std::string(default_node)
                                        : build.status.node_name;
}

NodeResources AddResources(const NodeResources& a, const NodeResources& b) {
  return {a.cpus + b.cpus, a.memory_mib + b.memory_mib, a.builds + b.builds};
}

NodeResources SubtractResources(const NodeResources& a,
                                const NodeResources& b) {
  return {std::max<int64_t>(0, a.cpus - b.cpus),
          std::max<int64_t>(0, a.memory_mib - b.memory_mib),
          std::max<int64_t>(0, a.builds - b.builds)};
}

bool FitsWithin(const NodeResources& used, const NodeResources& limit) {
  return used.cpus <= limit.cpus && used.memory_mib <= limit.memory_mib &&
         used.builds <= limit.builds;
}

Status CheckCanEverFit(const NodeResources& request, const Node& node) {
  const NodeResources& capacity = node.status.capacity;
  std::vector<FieldError> errors;
  const auto check = [&](const char* field, int64_t want, int64_t have) {
    if (want > have) {
      errors.push_back({field, "must be <= " + std::to_string(have) +
                                   " (the node's capacity)"});
    }
  };
  check("spec.resources.cpus", request.cpus, capacity.cpus);
  check("spec.resources.memoryMiB", request.memory_mib, capacity.memory_mib);
  if (request.builds > capacity.builds) {
    errors.push_back({"", "node \"" + node.metadata.name +
                              "\" accepts no builds (capacity builds=" +
                              std::to_string(capacity.builds) + ")"});
  }
  return FieldErrorsToStatus(errors);
}

std::string DescribeShortfall(const NodeResources& request, const Node& node) {
  const NodeResources& capacity = node.status.capacity;
  const NodeResources& allocated = node.status.allocated;
  const auto free_of = [](int64_t cap, int64_t used) {
    return std::to_string(std::max<int64_t>(0, cap - used));
  };
  return "requested cpus=" + std::to_string(request.cpus) +
         " memoryMiB=" + std::to_string(request.memory_mib) +
         "; free cpus=" + free_of(capacity.cpus, allocated.cpus) +
         " memoryMiB=" + free_of(capacity.memory_mib, allocated.memory_mib) +
         " builds=" + free_of(capacity.builds, allocated.builds) + " of " +
         std::to_string(capacity.builds);
}

Status DoesNotFitError(std::string_view name, const NodeResources& request,
                       const Node& node, int64_t retry_after_seconds) {
  const std::string shortfall = DescribeShortfall(request, node);
  ErrorDetails details;
  details.causes.push_back({kResourcesExhaustedReason, shortfall, ""});
  details.retry_after_seconds = retry_after_seconds;
  return ResourcesExhaustedError(QualifiedResource("builds") + " \"" +
                                 std::string(name) +
                                 "\": insufficient capacity on node \"" +
                                 node.metadata.name + "\": " + shortfall)
      .WithDetails(std::move(details));
}

}  // namespace kiln

// Capacity admission arithmetic: what a Build holds on its Node, whether a
// request fits now or can ever fit, and the errors that say so. The store
// transaction that applies these checks lives in build_storage_create.cc
// (via node_txn.h); this file is pure. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api_types/build.h"
#include "api_types/node.h"
#include "api_types/status.h"

namespace kiln {

// Cause reason attached to "does not fit now" errors.
inline constexpr char kResourcesExhaustedReason[] = "ResourcesExhausted";

// What `build` holds while admitted: {spec.resources.cpus,
// spec.resources.memoryMiB, 1 build}. Unset resources count as 0
// (BuildStorage defaults them before admission).
NodeResources BuildRequest(const Build& build);

// True when `build` holds an allocation on its node: every admitted phase
// that is not terminal (Pending, Building, Pushing; unset counts too, so
// legacy objects are never forgotten).
bool HoldsAllocation(const Build& build);

// The Node `build` is charged to: status.nodeName, or `default_node` when
// the Build predates the field.
std::string ChargedNode(const Build& build, std::string_view default_node);

NodeResources AddResources(const NodeResources& a, const NodeResources& b);
// a - b, each figure clamped at 0 (a release never drives a node negative,
// even if its allocation was skewed).
NodeResources SubtractResources(const NodeResources& a, const NodeResources& b);
// True when every figure of `used` is <= the same figure of `limit`.
bool FitsWithin(const NodeResources& used, const NodeResources& limit);

// OK when `request` is within the node's capacity on every figure. Otherwise
// InvalidArgument (HTTP 422) with one cause per figure that can never fit,
// e.g. field "spec.resources.cpus", message "must be <= 8 (the node's
// capacity)"; a node with capacity builds=0 gives a cause with no field.
Status CheckCanEverFit(const NodeResources& request, const Node& node);

// "requested cpus=2 memoryMiB=1024; free cpus=1 memoryMiB=512 builds=0 of 4".
std::string DescribeShortfall(const NodeResources& request, const Node& node);

// ResourcesExhausted (HTTP 503) for a Build named `name` that does not fit
// on `node` now: message `builds.kiln.dev "NAME": insufficient capacity on
// node "N": <DescribeShortfall>`, details {cause {reason ResourcesExhausted,
// message DescribeShortfall, field ""}, retry_after_seconds}.
Status DoesNotFitError(std::string_view name, const NodeResources& request,
                       const Node& node, int64_t retry_after_seconds);

}  // namespace kiln

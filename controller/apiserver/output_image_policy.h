// Where a Build may push its image. Builds are untrusted: without this rule a
// Build could overwrite the base image every later build starts from
// (kiln/busybox:1), another namespace's tags, or push to any host. Pure
// functions: thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api_types/status.h"

namespace kiln {

// Repositories under this prefix in Kiln's registry hold Kiln's own images
// (the seeded base image); no Build may push there.
inline constexpr char kReservedRepositoryPrefix[] = "kiln/";

struct OutputImagePolicy {
  // Kiln's registry, HOST:PORT: outputs go to REGISTRY/<namespace>/...
  std::string registry;
  // Other registries (HOST:PORT) an administrator allowed outputs to go to,
  // with any repository path (kilnd --allow-output-registry).
  std::vector<std::string> other_registries;
};

// OK when `image` (already a valid reference) is in policy.registry under
// "<ns>/" and not under kReservedRepositoryPrefix, or in one of
// policy.other_registries. Otherwise InvalidArgument with a field error on
// spec.output.image that says where the image may go.
Status CheckOutputImage(const OutputImagePolicy& policy, const std::string& ns,
                        const std::string& image);

}  // namespace kiln

// RegistryBuildClient: BuildClient over the in-process BuildRegistry (the
// same code path as PUT .../builds/NAME/status, as the controller user).
//
// Thread-safe (BuildRegistry is).
#pragma once

#include <string>

#include "controller/apiserver/build_registry.h"
#include "reconcilers/build_client.h"

namespace kiln {

class RegistryBuildClient final : public BuildClient {
 public:
  explicit RegistryBuildClient(BuildRegistry& registry) : registry_(registry) {}

  StatusOr<Build> Get(const std::string& ns, const std::string& name) override;
  StatusOr<Build> UpdateStatus(const Build& build) override;

 private:
  BuildRegistry& registry_;
};

}  // namespace kiln

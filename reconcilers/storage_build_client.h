// StorageBuildClient: BuildClient over the in-process BuildStorage (the
// same code path as PUT .../builds/NAME/status, as the controller user).
//
// Thread-safe (BuildStorage is).
#pragma once

#include <string>
#include <vector>

#include "controller/apiserver/build_storage.h"
#include "reconcilers/build_client.h"

namespace kiln {

class StorageBuildClient final : public BuildClient {
 public:
  explicit StorageBuildClient(BuildStorage& registry) : registry_(registry) {}

  StatusOr<Build> Get(const std::string& ns, const std::string& name) override;
  StatusOr<std::vector<Build>> List() override;
  StatusOr<Build> UpdateStatus(const Build& build) override;

 private:
  BuildStorage& registry_;
};

}  // namespace kiln

// BuildClient: how reconcilers read Builds and write their status — the
// seam between business logic and the API machinery (the in-process
// BuildStorage in kilnd; an HTTP client would do as well).
//
// Thread-safety: implementations are thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api_types/build.h"
#include "api_types/status.h"

namespace kiln {

class BuildClient {
 public:
  virtual ~BuildClient() = default;

  // NotFound when absent.
  virtual StatusOr<Build> Get(const std::string& ns,
                              const std::string& name) = 0;

  // Every Build in every namespace, read at one revision. Errors as the
  // underlying store's (Unavailable, Internal); never a partial list.
  virtual StatusOr<std::vector<Build>> List() = 0;

  // Writes `build.status` (spec and metadata are ignored) on the condition
  // that the Build is still at build.metadata.resource_version: Aborted
  // when it changed meanwhile (re-read and decide again), NotFound when it
  // was deleted, InvalidArgument when the write would leave a terminal
  // phase. A write that makes the phase terminal releases the Build's
  // allocation in the same transaction. Returns the stored Build.
  virtual StatusOr<Build> UpdateStatus(const Build& build) = 0;

 protected:
  BuildClient() = default;
};

}  // namespace kiln

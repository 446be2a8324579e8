#include "controller/apiserver/registry_token_policy.h"

#include <algorithm>

#include "controller/apiserver/auth_authorizer.h"
#include "controller/apiserver/output_image_policy.h"
#include "controller/apiserver/request_info.h"

namespace kiln {
namespace {

constexpr const char* kActions[] = {"pull", "push", "delete"};

bool IsPrivileged(const RegistryIdentity& identity) {
  return identity.kind == RegistryIdentity::Kind::kSystem ||
         (identity.kind == RegistryIdentity::Kind::kUser &&
          (identity.user.InGroup(kAdminGroup) ||
           identity.user.InGroup(kControllerGroup)));
}

// The API verb on builds that stands for a registry action.
const char* BuildVerb(const std::string& action) {
  if (action == "pull") return "get";
  if (action == "push") return "create";
  return "delete";
}

// Whether `identity` may do `action` (pull, push or delete) on repository
// `name`; privileged identities are handled by the caller.
bool Allowed(const RegistryIdentity& identity, const std::string& name,
             const std::string& action) {
  const size_t slash = name.find('/');
  if (slash == std::string::npos || slash == 0) return false;
  if (name.compare(0, slash + 1, kReservedRepositoryPrefix) == 0) {
    return action == "pull";
  }
  const std::string namespace_ = name.substr(0, slash);
  if (identity.kind == RegistryIdentity::Kind::kBuild) {
    return namespace_ == identity.build_namespace &&
           (action == "pull" || action == "push");
  }
  RequestInfo request;
  request.is_resource_request = true;
  request.verb = BuildVerb(action);
  request.api_group = "kiln.dev";
  request.api_version = "v1";
  request.namespace_ = namespace_;
  request.resource = "builds";
  return Authorize(identity.user, request).ok();
}

}  // namespace

std::vector<RegistryAccess> GrantRegistryAccess(
    const RegistryIdentity& identity,
    const std::vector<RegistryAccess>& requested) {
  std::vector<RegistryAccess> granted;
  const bool privileged = IsPrivileged(identity);
  for (const RegistryAccess& want : requested) {
    RegistryAccess got{want.type, want.name, {}};
    if (privileged) {
      got.actions = want.actions;
    } else if (want.type == "repository") {
      for (const char* action : kActions) {
        const bool asked = std::find(want.actions.begin(), want.actions.end(),
                                     action) != want.actions.end() ||
                           std::find(want.actions.begin(), want.actions.end(),
                                     "*") != want.actions.end();
        if (asked && Allowed(identity, want.name, action)) {
          got.actions.push_back(action);
        }
      }
    }
    if (!got.actions.empty()) granted.push_back(std::move(got));
  }
  return granted;
}

}  // namespace kiln

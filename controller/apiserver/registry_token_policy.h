// Who may do what in Kiln's embedded registry: the access a registry token
// grants (docs/security.md "The registry"). Repositories are named
// "<namespace>/<rest>", as Build outputs are (output_image_policy.h):
//
//  - kilnd itself, admins (system:masters) and the controller
//    (kiln:controllers): everything, including the catalog;
//  - a build: pull and push in its own namespace's repositories;
//  - a user: pull where it may get builds, push where it may create them,
//    delete where it may delete them (the API's own policy, auth_authorizer.h);
//  - everyone authenticated: pull from kReservedRepositoryPrefix ("kiln/",
//    the seeded base images), which only the first group may write.
// Anything else is not granted: the token then lacks that access and the
// registry answers 401 (insufficient_scope) to the request that needs it.
#pragma once

#include <string>
#include <vector>

#include "controller/apiserver/registry_token.h"
#include "controller/apiserver/user_info.h"

namespace kiln {

struct RegistryIdentity {
  enum class Kind { kSystem, kBuild, kUser };
  Kind kind = Kind::kUser;
  std::string subject;          // the token's sub
  std::string build_namespace;  // kBuild
  UserInfo user;                // kUser
};

// The subset of `requested` that `identity` may have: each entry keeps the
// actions it is allowed ("*" is granted as "*" only to the first group, and
// otherwise as the allowed ones of pull, push and delete); entries left
// without actions are dropped. Pure; thread-safe.
std::vector<RegistryAccess> GrantRegistryAccess(
    const RegistryIdentity& identity,
    const std::vector<RegistryAccess>& requested);

}  // namespace kiln

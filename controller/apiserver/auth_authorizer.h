// Authorization: may this user do this request? A fixed policy in code (no
// RBAC objects), in the spirit of kube-apiserver's RBAC defaults:
//
//  - Any authenticated user may GET discovery and health endpoints:
//    /version, /api, /apis, /openapi/..., /healthz, /readyz, /livez.
//  - Writes to a status subresource (builds/status, nodes/status, ...) are
//    reserved to the Kiln controller (group kiln:controllers) — admins too
//    are refused: status is observed state, written by the reconcilers.
//  - The controller (kiln:controllers) and admins (system:masters) may do
//    everything else, including /metrics and other non-resource paths.
//  - Namespaces are the tenancy boundary. A user in group
//    "kiln:namespace:NS" may do everything on builds (including builds/log)
//    and sources in namespace NS, and get/list/watch its events; requests
//    across all namespaces (kubectl get builds -A) are for admins only.
//  - Users (kiln:users, or any kiln:namespace:* group) may get/list/watch
//    nodes (capacity is not a secret between tenants).
//  - Any authenticated user may create a SelfSubjectAccessReview (kubectl
//    auth can-i), which answers with this same policy.
//  - Everything else is forbidden.
#pragma once

#include "api_types/status.h"
#include "controller/apiserver/request_info.h"
#include "controller/apiserver/user_info.h"

namespace kiln {

// Group of ordinary Kiln users.
inline constexpr char kUsersGroup[] = "kiln:users";
// Prefix of the groups that grant one namespace: "kiln:namespace:web".
inline constexpr char kNamespaceGroupPrefix[] = "kiln:namespace:";

// Returns OK when `user` may perform `request`, else PermissionDenied with
// kube-apiserver's message, e.g.
//   builds.kiln.dev "x" is forbidden: User "bob" cannot update resource
//   "builds/status" in API group "kiln.dev" in the namespace "default": ...
//   forbidden: User "bob" cannot get path "/metrics"
// Pure; thread-safe.
Status Authorize(const UserInfo& user, const RequestInfo& request);

}  // namespace kiln

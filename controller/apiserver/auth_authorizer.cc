#include "controller/apiserver/auth_authorizer.h"

#include <string>
#include <string_view>
#include <utility>

namespace kiln {
namespace {

bool IsReadVerb(std::string_view verb) {
  return verb == "get" || verb == "list" || verb == "watch";
}

bool IsPrivileged(const UserInfo& user) {
  return user.InGroup(kAdminGroup) || user.InGroup(kControllerGroup);
}

// Discovery and health paths, exact or with a sub-path ("/apis/kiln.dev/v1",
// "/openapi/v3/apis/kiln.dev/v1", "/healthz/ping").
bool IsPublicPath(std::string_view path) {
  for (std::string_view root : {"/version", "/api", "/apis", "/openapi",
                                "/healthz", "/readyz", "/livez"}) {
    if (IsPathUnder(path, root)) return true;
  }
  return false;
}

bool UserMayAccessResource(const RequestInfo& request) {
  if (request.resource == "builds" || request.resource == "sources") {
    return true;
  }
  if (request.resource == "nodes" || request.resource == "events") {
    return IsReadVerb(request.verb);
  }
  return false;
}

// Go's %q for the plain strings that appear here.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// kube-apiserver's forbiddenMessage + apierrors.NewForbidden.
Status Forbidden(const UserInfo& user, const RequestInfo& request,
                 std::string_view reason) {
  std::string message;
  if (!request.is_resource_request) {
    message = "forbidden: User " + Quote(user.name) + " cannot " +
              request.verb + " path " + Quote(request.path);
  } else {
    std::string resource = request.resource;
    if (!request.subresource.empty()) resource += "/" + request.subresource;
    std::string qualified = request.resource;
    if (!request.api_group.empty()) qualified += "." + request.api_group;
    message = qualified +
              (request.name.empty() ? "" : " " + Quote(request.name)) +
              " is forbidden: User " + Quote(user.name) + " cannot " +
              request.verb + " resource " + Quote(resource) + " in API group " +
              Quote(request.api_group) +
              (request.namespace_.empty()
                   ? " at the cluster scope"
                   : " in the namespace " + Quote(request.namespace_));
  }
  if (!reason.empty()) message += ": " + std::string(reason);
  return PermissionDeniedError(std::move(message));
}

Status AuthorizeNonResource(const UserInfo& user, const RequestInfo& request) {
  if (IsPrivileged(user)) return OkStatus();
  const bool read = request.verb == "get" || request.verb == "head";
  if (read && IsPublicPath(request.path)) return OkStatus();
  return Forbidden(user, request, "");
}

}  // namespace

Status Authorize(const UserInfo& user, const RequestInfo& request) {
  if (!request.is_resource_request) return AuthorizeNonResource(user, request);
  if (request.subresource == "status" && !IsReadVerb(request.verb)) {
    if (user.InGroup(kControllerGroup)) return OkStatus();
    return Forbidden(user, request,
                     "status is written only by the Kiln controller (group " +
                         std::string(kControllerGroup) +
                         "); change the spec instead");
  }
  if (IsPrivileged(user)) return OkStatus();
  if (user.InGroup(kUsersGroup) && UserMayAccessResource(request)) {
    return OkStatus();
  }
  return Forbidden(user, request, "");
}

}  // namespace kiln
